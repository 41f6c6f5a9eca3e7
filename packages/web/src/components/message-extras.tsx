import type { ChatMessage } from '@papo/client';
import type { ReplyQuote } from '@papo/protocol';
import { t } from '../i18n';
import { previewOf } from '../lib/media';
import { reactionChips } from '../lib/reactions';
import { BlockIcon, ForwardIcon } from './icons';
import { useMessageHandlers } from './message-context';

/** "Forwarded", over a copy of a message from another chat (its sender is not said, as in WhatsApp). */
export function ForwardedLabel() {
  return (
    <span className="forwarded-label">
      <ForwardIcon size={14} /> {t('msg.forwarded')}
    </span>
  );
}

/** "This message was deleted" / "You deleted this message", in the body's place. */
export function DeletedBody({ own }: { own: boolean }) {
  return (
    <span className="body deleted-body">
      <BlockIcon size={15} /> {own ? t('msg.deletedOwn') : t('msg.deletedOther')}
    </span>
  );
}

/** The message a reply answers, inside the reply's bubble: clicking it shows the original. */
export function Quote({ quote, me }: { quote: ReplyQuote; me: string }) {
  const handlers = useMessageHandlers();
  const name = quote.sender_id === me ? t('conv.you') : (handlers?.nameOf(quote.sender_id) ?? '');
  const text = quote.deleted
    ? t('msg.deletedOther')
    : previewOf({ msg_type: quote.msg_type, body: quote.preview ?? '' }, t);
  return (
    <button
      type="button"
      className={quote.sender_id === me ? 'quote own-quote' : 'quote'}
      title={t('msg.showQuoted')}
      onClick={() => handlers?.showQuoted(quote.id)}
    >
      <span className="sr-only">{t('msg.inReplyTo')} </span>
      <span className="quote-name">{name}</span>
      <span className={quote.deleted ? 'quote-text deleted-body' : 'quote-text'}>{text}</span>
    </button>
  );
}

/**
 * The reactions under a bubble, one chip per emoji with its count; the user's own is highlighted. Clicking the
 * own one takes it back; any other lists who reacted with what.
 */
export function ReactionChips({ message, me }: { message: ChatMessage; me: string }) {
  const handlers = useMessageHandlers();
  const chips = reactionChips(message.reactions, me);
  if (chips.length === 0 || !handlers) return null;
  return (
    <ul className="reactions" aria-label={t('msg.reactions')}>
      {chips.map((chip) => (
        <li key={chip.emoji}>
          <button
            type="button"
            className={chip.mine ? 'reaction-chip mine' : 'reaction-chip'}
            aria-pressed={chip.mine}
            aria-label={
              chip.mine
                ? t('msg.chipMine', { emoji: chip.emoji, count: chip.count })
                : t('msg.chip', { emoji: chip.emoji, count: chip.count })
            }
            onClick={() => (chip.mine ? handlers.react(message, '') : handlers.showReactions(message))}
          >
            <span aria-hidden="true">{chip.emoji}</span>
            {chip.count > 1 ? <span className="reaction-count">{chip.count}</span> : null}
          </button>
        </li>
      ))}
    </ul>
  );
}
