// The logged-in screens, one chunk loaded on demand (app.tsx): the login page does not download or parse them.
export { ConnectionBanner } from './components/connection-banner';
export { Conversation } from './components/conversation';
export { EmptyConversation } from './components/empty-conversation';
export { InviteCard } from './components/invite-card';
export { NotificationsBanner } from './components/notifications-banner';
export { Sidebar } from './components/sidebar';
