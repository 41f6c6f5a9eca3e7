import { useEffect, useId, useState } from 'react';
import { t } from '../i18n';
import { notificationsBannerSnoozed, snoozeNotificationsBanner } from '../pwa/banner-snooze';
import { useNotifications } from '../pwa/notifications-context';
import { useStore } from '../state/react';
import { BellIcon } from './notification-settings';
import '../notifications.css';

/**
 * A message counts as this session's when created after the chat screen opened, give or take this much (the
 * server's clock and the browser's differ a little).
 */
const RECENT_S = 5;

/**
 * "Turn on notifications", offered when it means something: never on a first visit, only once the user has a
 * chat and a message was sent or received in it while the app is open (a message that the catch-up after
 * loading brings does not count). "Not now" hides it for a week; turning notifications off in the settings too.
 */
export function NotificationsBanner() {
  const store = useStore();
  const notifications = useNotifications();
  const [talked, setTalked] = useState(false);
  const [hidden, setHidden] = useState(notificationsBannerSnoozed);
  const titleId = useId();
  useEffect(() => {
    if (talked) return;
    const since = Math.floor(Date.now() / 1000) - RECENT_S;
    return store.client.on('message', (message) => {
      if (message.created_at >= since && message.msg_type !== 'system') setTalked(true);
    });
  }, [store, talked]);

  const offered = talked && !hidden && notifications.state === 'off' && store.chats().length > 0;
  if (!offered) return null;
  const notNow = () => {
    snoozeNotificationsBanner();
    setHidden(true);
  };
  return (
    // Named by its own title: the Settings screen has a "Notifications" section, and two regions may not share
    // a name.
    <section className="notify-banner" aria-labelledby={titleId}>
      <BellIcon />
      <div className="notify-banner-text">
        <strong id={titleId}>{t('notifications.bannerTitle')}</strong>
        <span>{t('notifications.bannerText')}</span>
        {notifications.failure ? (
          <span className="form-error" role="alert">
            {t('notifications.failed', { reason: notifications.failure })}
          </span>
        ) : null}
      </div>
      <div className="notify-banner-actions">
        <button
          type="button"
          className="primary small"
          disabled={notifications.busy}
          onClick={() => void notifications.turnOn()}
        >
          {notifications.busy ? t('login.busy') : t('notifications.turnOn')}
        </button>
        <button type="button" className="link" onClick={notNow}>
          {t('notifications.notNow')}
        </button>
      </div>
    </section>
  );
}
