import { t } from '../i18n';
import { LockIcon, PapoLogo } from './icons';

/** The right pane before a chat is picked. */
export function EmptyConversation() {
  return (
    <section className="empty-conversation" aria-label={t('conv.selectTitle')}>
      <div className="empty-art" aria-hidden="true">
        <PapoLogo size={96} />
      </div>
      <h2>{t('conv.selectTitle')}</h2>
      <p>{t('conv.selectText')}</p>
      <p className="empty-note">
        <LockIcon size={14} /> {t('conv.selectNote')}
      </p>
    </section>
  );
}
