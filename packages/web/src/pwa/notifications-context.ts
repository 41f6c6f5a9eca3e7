import { createContext, useContext, useSyncExternalStore } from 'react';
import type { PushNotifications } from './push-notifications';

export const NotificationsContext = createContext<PushNotifications | null>(null);

/** This device's notifications (state, turn on/off); the calling component re-renders when they change. */
export function useNotifications(): PushNotifications {
  const notifications = useContext(NotificationsContext);
  if (!notifications) throw new Error('useNotifications outside <NotificationsContext.Provider>');
  useSyncExternalStore(notifications.subscribe, notifications.getVersion);
  return notifications;
}
