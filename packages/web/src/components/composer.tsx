import { LIMITS } from '@papo/protocol';
import { forwardRef, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { t } from '../i18n';
import { errorText } from '../lib/errors';
import { type Mentionable, mentionMatches, mentionQuery, mentionsIn } from '../lib/mentions';
import { VoiceRecording } from '../lib/voice-recording';
import { useStore } from '../state/react';
import { ComposeBar } from './compose-bar';
import { AttachIcon, CheckIcon, SendIcon } from './icons';
import { MentionList } from './mention-list';
import { Menu } from './menu';
import { VoiceRecorder } from './voice-recorder';

const MAX_HEIGHT_PX = 140;

type ComposerProps = {
  chatId: string;
  /** Files picked (📎), pasted or dropped: to the preview sheet. `asDocument`: sent as files, not as photos. */
  onAttach: (files: File[], asDocument: boolean) => void;
};

/**
 * The message box: Enter sends, Shift+Enter is a new line; each keystroke feeds the SDK's typing helper. While
 * replying or editing a bar above says so (Escape cancels); in a group "@" offers the members to mention.
 * 📎 attaches photos, videos or documents (pasting an image does too); while the box is empty the send button
 * is a microphone that records a voice note.
 */
export const Composer = forwardRef<HTMLTextAreaElement, ComposerProps>(function Composer(
  { chatId, onAttach },
  outerRef,
) {
  const store = useStore();
  const [recording, setRecording] = useState(false);
  const photoInput = useRef<HTMLInputElement>(null);
  const documentInput = useRef<HTMLInputElement>(null);
  const [text, setText] = useState(() => store.drafts.get(chatId) ?? '');
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  /** The "@" the user closed the list for (Escape): not offered again until another one. */
  const [dismissedAt, setDismissedAt] = useState(-1);
  const [error, setError] = useState<string | null>(null);
  const picked = useRef<Mentionable[]>([]);
  /** What was in the box when an edit began: put back when it ends. */
  const draftBeforeEdit = useRef('');
  const innerRef = useRef<HTMLTextAreaElement | null>(null);
  const listId = useId();
  const mode = store.messages.mode(chatId);
  const me = store.client.userId ?? '';

  useLayoutEffect(() => {
    const el = innerRef.current;
    if (!el || text === undefined) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [text]);

  // An edit puts the message's text in the box, the caret at its end.
  const editing = mode?.kind === 'edit' ? mode.message.id : undefined;
  useEffect(() => {
    if (editing === undefined) return;
    const body = store.messages.mode(chatId)?.message.body ?? '';
    draftBeforeEdit.current = store.drafts.get(chatId) ?? '';
    setText(body);
    setError(null);
    requestAnimationFrame(() => {
      const el = innerRef.current;
      el?.focus();
      el?.setSelectionRange(body.length, body.length);
    });
  }, [editing, chatId, store]);

  // In a group, the other members; "@" followed by what is typed filters them.
  const chat = store.chat(chatId);
  const members: Mentionable[] =
    chat?.kind === 'group'
      ? (store.groups.info(chatId)?.members ?? [])
          .filter((m) => m.user_id !== me)
          .map((m) => ({ user_id: m.user_id, name: store.people.get(m.user_id)?.username || m.username }))
      : [];
  const query = members.length > 0 ? mentionQuery(text, caret) : undefined;
  const matches = query && query.start !== dismissedAt ? mentionMatches(query.query, members) : [];
  const listOpen = matches.length > 0;
  const activeIndex = Math.min(active, matches.length - 1);

  const endMode = () => {
    if (mode?.kind === 'edit') setText(draftBeforeEdit.current);
    store.messages.setMode(chatId, null);
    setError(null);
  };

  const pick = (member: Mentionable) => {
    if (!query) return;
    const inserted = `@${member.name} `;
    const next = text.slice(0, query.start) + inserted + text.slice(caret);
    const at = query.start + inserted.length;
    picked.current.push(member);
    setText(next);
    setCaret(at);
    setActive(0);
    requestAnimationFrame(() => innerRef.current?.setSelectionRange(at, at));
  };

  const send = () => {
    const body = text.trim();
    if (mode?.kind === 'edit') {
      const message = mode.message;
      if (!body || body === message.body) {
        endMode();
        return;
      }
      setError(null);
      store.messages.edit(message, body).then(
        () => {
          // Still the same edit: the user may have moved on meanwhile.
          if (store.messages.mode(chatId)?.message.id === message.id) endMode();
        },
        (err: unknown) => setError(errorText(err, t)),
      );
      return;
    }
    if (!body) return;
    const replyTo = mode?.kind === 'reply' ? mode.message.id : undefined;
    const mentions = mentionsIn(body, picked.current);
    store.send(chatId, body, { ...(replyTo ? { replyTo } : {}), ...(mentions.length > 0 ? { mentions } : {}) });
    if (mode) store.messages.setMode(chatId, null);
    picked.current = [];
    setText('');
    innerRef.current?.focus();
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (listOpen) {
      const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1 };
      if (event.key in moves) {
        event.preventDefault();
        setActive((activeIndex + (moves[event.key] ?? 0) + matches.length) % matches.length);
        return;
      }
      if ((event.key === 'Enter' && !event.shiftKey) || event.key === 'Tab') {
        event.preventDefault();
        const member = matches[activeIndex];
        if (member) pick(member);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        setDismissedAt(query?.start ?? -1);
        return;
      }
    }
    if (event.key === 'Escape' && mode) {
      // Escape cancels the reply or the edit, and goes no further (a drawer beside stays open).
      event.preventDefault();
      event.stopPropagation();
      endMode();
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };

  const quotedName = mode
    ? mode.message.sender_id === me
      ? t('conv.you')
      : store.people.get(mode.message.sender_id)?.username || t('user.unknown')
    : '';
  const saveLabel = mode?.kind === 'edit' ? t('compose.save') : t('conv.send');
  const showMic = !text.trim() && mode?.kind !== 'edit' && VoiceRecording.supported();
  const filesPicked = (input: HTMLInputElement, asDocument: boolean) => {
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length > 0) onAttach(files, asDocument);
  };

  return (
    <div className="composer-area">
      {listOpen ? <MentionList id={listId} members={matches} active={activeIndex} onPick={pick} /> : null}
      {mode ? <ComposeBar mode={mode} name={quotedName} error={error} onCancel={endMode} /> : null}
      <form
        className="composer"
        onSubmit={(event) => {
          event.preventDefault();
          send();
        }}
      >
        {recording || mode?.kind === 'edit' ? null : (
          <>
            <Menu
              up
              label={t('media.attach')}
              icon={<AttachIcon />}
              items={[
                { label: t('media.photosVideos'), onSelect: () => photoInput.current?.click() },
                { label: t('media.document'), onSelect: () => documentInput.current?.click() },
              ]}
            />
            <input
              ref={photoInput}
              type="file"
              accept="image/*,video/*"
              multiple
              hidden
              data-testid="attach-photos"
              onChange={(event) => filesPicked(event.currentTarget, false)}
            />
            <input
              ref={documentInput}
              type="file"
              multiple
              hidden
              data-testid="attach-document"
              onChange={(event) => filesPicked(event.currentTarget, true)}
            />
          </>
        )}
        <textarea
          hidden={recording}
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
          aria-autocomplete={members.length > 0 ? 'list' : undefined}
          aria-controls={listOpen ? listId : undefined}
          aria-activedescendant={listOpen ? `${listId}-${activeIndex}` : undefined}
          onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
          onChange={(event) => {
            const value = event.target.value;
            setText(value);
            setCaret(event.target.selectionStart);
            setActive(0);
            if (mode?.kind === 'edit') return;
            if (value.trim()) {
              store.drafts.set(chatId, value);
              store.client.typing(chatId);
            } else {
              store.drafts.delete(chatId);
              store.client.stopTyping(chatId);
            }
          }}
          onKeyDown={onKeyDown}
          onPaste={(event) => {
            const files = [...event.clipboardData.files];
            if (files.length === 0) return;
            event.preventDefault();
            onAttach(files, false);
          }}
        />
        {showMic || recording ? (
          <VoiceRecorder chatId={chatId} onRecording={setRecording} />
        ) : (
          <button
            type="submit"
            className="send-button"
            aria-label={saveLabel}
            title={saveLabel}
            disabled={!text.trim()}
          >
            {mode?.kind === 'edit' ? <CheckIcon /> : <SendIcon />}
          </button>
        )}
      </form>
    </div>
  );
});
