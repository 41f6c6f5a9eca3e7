import { useEffect, useState } from 'react';
import { t } from '../i18n';
import { useNotifications } from '../pwa/notifications-context';
import { useStore } from '../state/react';
import { BellIcon } from './notification-settings';
import '../notifications.css';

/** "Not now" hides the banner this long (kept in localStorage, so a reload does not bring it back). */
const SNOOZE_MS = 7 * 24 * 3600 * 1000;
const SNOOZE_KEY = 'papo:notifications:snoozed-until';
/** A message counts as this session's when it was created at most this long before the page started. */
const RECENT_S = 5;

export function snoozeNotificationsBanner(): void {
  localStorage.setItem(SNOOZE_KEY, String(Date.now() + SNOOZE_MS));
}

function snoozed(): boolean {
  return Number(localStorage.getItem(SNOOZE_KEY) ?? 0) > Date.now();
}

/**
 * "Turn on notifications", offered when it means something: never on a first visit, only once the user has a
 * chat and a message was sent or received in it while the app is open (a message that the catch-up after
 * loading brings does not count). "Not now" hides it for a week; turning notifications off in the settings too.
 */
export function NotificationsBanner() {
  const store = useStore();
  const notifications = useNotifications();
  const [talked, setTalked] = useState(false);
  const [hidden, setHidden] = useState(snoozed);
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
    <section className="notify-banner" aria-label={t('notifications.region')}>
      <BellIcon />
      <div className="notify-banner-text">
        <strong>{t('notifications.bannerTitle')}</strong>
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
