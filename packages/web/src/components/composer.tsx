import { LIMITS } from '@papo/protocol';
import { forwardRef, useLayoutEffect, useRef, useState } from 'react';
import { t } from '../i18n';
import { useStore } from '../state/react';
import { SendIcon } from './icons';

const MAX_HEIGHT_PX = 140;

/** The message box: Enter sends, Shift+Enter is a new line; each keystroke feeds the SDK's typing helper. */
export const Composer = forwardRef<HTMLTextAreaElement, { chatId: string }>(function Composer({ chatId }, outerRef) {
  const store = useStore();
  const [text, setText] = useState(() => store.drafts.get(chatId) ?? '');
  const innerRef = useRef<HTMLTextAreaElement | null>(null);

  useLayoutEffect(() => {
    const el = innerRef.current;
    if (!el || text === undefined) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [text]);

  const send = () => {
    const body = text.trim();
    if (!body) return;
    store.send(chatId, body);
    setText('');
    innerRef.current?.focus();
  };

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <textarea
        ref={(el) => {
          innerRef.current = el;
          if (typeof outerRef === 'function') outerRef(el);
          else if (outerRef) outerRef.current = el;
        }}
        rows={1}
        value={text}
        maxLength={LIMITS.bodyMaxLength}
        placeholder={t('conv.composer')}
        aria-label={t('conv.composer')}
        onChange={(event) => {
          const value = event.target.value;
          setText(value);
          if (value.trim()) {
            store.drafts.set(chatId, value);
            store.client.typing(chatId);
          } else {
            store.drafts.delete(chatId);
            store.client.stopTyping(chatId);
          }
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            send();
          }
        }}
      />
      <button
        type="submit"
        className="send-button"
        aria-label={t('conv.send')}
        title={t('conv.send')}
        disabled={!text.trim()}
      >
        <SendIcon />
      </button>
    </form>
  );
});
