import { useId } from 'react';
import { t } from '../i18n';
import { snoozeNotificationsBanner } from '../pwa/banner-snooze';
import { useNotifications } from '../pwa/notifications-context';
import '../notifications.css';

/** A bell (kept here rather than in icons.tsx: only the notification parts use it). */
export function BellIcon({ size = 24 }: { size?: number }) {
  return (
    <svg viewBox="0 0 24 24" width={size} height={size} fill="currentColor" aria-hidden="true" focusable="false">
      <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z" />
    </svg>
  );
}

/**
 * This device's notifications of new messages: a switch that subscribes (the browser asks the permission the
 * first time) or unsubscribes; where the browser cannot, or the user blocked them, what to do instead.
 */
export function NotificationSettings() {
  const notifications = useNotifications();
  const id = useId();
  const { state, busy, failure } = notifications;

  if (state === 'unsupported' || state === 'blocked') {
    return (
      <div className="notification-settings">
        <p className="notice" data-testid="notifications-status">
          {state === 'unsupported' ? t('notifications.unsupported') : t('notifications.blocked')}
        </p>
      </div>
    );
  }
  const on = state === 'on';
  const toggle = () => {
    if (!on) {
      void notifications.turnOn();
      return;
    }
    // Turned off on purpose: the banner does not offer it again for a while.
    snoozeNotificationsBanner();
    void notifications.turnOff();
  };
  return (
    <div className="notification-settings">
      <div className="notification-switch-row">
        <span className="notification-switch-label" id={`${id}-label`}>
          {t('notifications.toggle')}
        </span>
        <button
          type="button"
          role="switch"
          className="notification-switch"
          aria-checked={on}
          aria-labelledby={`${id}-label`}
          aria-describedby={`${id}-hint`}
          disabled={busy}
          onClick={toggle}
        />
      </div>
      <p className="hint" id={`${id}-hint`} data-testid="notifications-status">
        {on ? t('notifications.on') : t('notifications.off')}
      </p>
      {failure ? (
        <p className="form-error" role="alert">
          {t('notifications.failed', { reason: failure })}
        </p>
      ) : null}
    </div>
  );
}
