import { useEffect, useRef, useState } from 'react';
import { t } from '../i18n';
import { clockDuration } from '../lib/media';
import { VoiceRecording } from '../lib/voice-recording';
import { useStore } from '../state/react';
import { MicIcon, SendIcon, TrashIcon } from './icons';

/** A press shorter than this is a tap, not a recording: it says "hold to record" instead. */
const SHORTEST_MS = 700;
/** Sliding this far left (px) while holding cancels, as WhatsApp's "slide to cancel". */
const SLIDE_CANCEL_PX = 100;

/** `hold`: recording while the pointer is down; `locked`: started by keyboard, sent by pressing again. */
type Phase = 'idle' | 'starting' | 'hold' | 'locked';

/**
 * The microphone button of an empty message box. Hold it to record a voice note, release to send it; slide
 * left, Escape or the bin cancels. By keyboard: press to start, press again to send. The same button stays
 * under the pointer all along (it keeps the pointer captured), and becomes "send" while recording.
 */
export function VoiceRecorder({ chatId, onRecording }: { chatId: string; onRecording: (active: boolean) => void }) {
  const store = useStore();
  const [phase, setPhaseState] = useState<Phase>('idle');
  const phaseRef = useRef<Phase>('idle');
  const recording = useRef<VoiceRecording | null>(null);
  /** The pointer was released while the microphone was still being opened. */
  const releasedEarly = useRef(false);
  const startX = useRef(0);
  const [elapsed, setElapsed] = useState(0);
  const [notice, setNotice] = useState('');
  const buttonRef = useRef<HTMLButtonElement>(null);

  const setPhase = (next: Phase) => {
    phaseRef.current = next;
    setPhaseState(next);
    onRecording(next !== 'idle');
  };

  useEffect(() => {
    if (phase !== 'hold' && phase !== 'locked') return;
    const timer = setInterval(() => setElapsed(recording.current?.elapsedMs ?? 0), 200);
    return () => clearInterval(timer);
  }, [phase]);

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(''), 4000);
    return () => clearTimeout(timer);
  }, [notice]);

  // Leaving the chat (or the page) mid-recording throws the recording away and frees the microphone.
  useEffect(() => () => recording.current?.cancel(), []);

  /** Counts starts and cancels: a start whose microphone opens after a cancel (Escape while asking) is dropped. */
  const attempt = useRef(0);

  const cancel = (message = '') => {
    attempt.current++;
    recording.current?.cancel();
    recording.current = null;
    setElapsed(0);
    setPhase('idle');
    setNotice(message);
  };

  const start = async (mode: 'hold' | 'locked') => {
    releasedEarly.current = false;
    const mine = ++attempt.current;
    setNotice('');
    setPhase('starting');
    let opened: VoiceRecording;
    try {
      opened = await VoiceRecording.start();
    } catch {
      if (mine === attempt.current) {
        setPhase('idle');
        setNotice(t('voice.noMic'));
      }
      return;
    }
    if (mine !== attempt.current) {
      opened.cancel();
      return;
    }
    recording.current = opened;
    if (releasedEarly.current) {
      cancel(t('voice.holdHint'));
      return;
    }
    setElapsed(0);
    setPhase(mode);
  };

  const finish = async () => {
    const current = recording.current;
    if (!current) return;
    recording.current = null;
    if (current.elapsedMs < SHORTEST_MS) {
      current.cancel();
      setPhase('idle');
      setNotice(t('voice.holdHint'));
      return;
    }
    const durationMs = current.elapsedMs;
    setPhase('idle');
    setElapsed(0);
    const blob = await current.stop();
    store.sendMedia(chatId, blob, { type: 'voice', duration_ms: durationMs });
    setNotice(t('voice.sent'));
  };

  const recordingNow = phase === 'hold' || phase === 'locked';
  const label = recordingNow ? t('voice.send') : t('voice.record');
  return (
    <>
      {recordingNow || phase === 'starting' ? (
        // biome-ignore lint/a11y/noStaticElementInteractions: Escape anywhere in the bar cancels the recording
        <div
          className="voice-recording"
          data-testid="voice-recording"
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.preventDefault();
              event.stopPropagation();
              cancel(t('voice.cancelled'));
              buttonRef.current?.focus();
            }
          }}
        >
          <button
            type="button"
            className="icon-button"
            onClick={() => cancel(t('voice.cancelled'))}
            aria-label={t('voice.cancel')}
            title={t('voice.cancel')}
          >
            <TrashIcon />
          </button>
          <span className="voice-dot" aria-hidden="true" />
          <span className="voice-elapsed" role="timer" aria-label={t('voice.recording')}>
            {/* Whole seconds gone, as a stopwatch counts (not rounded up at half a second). */}
            {clockDuration(Math.floor(elapsed / 1000) * 1000)}
          </span>
          <span className="voice-slide" aria-hidden="true">
            {phase === 'hold' ? t('voice.slideToCancel') : ''}
          </span>
        </div>
      ) : null}
      <button
        ref={buttonRef}
        type="button"
        className={recordingNow ? 'send-button mic-button recording' : 'send-button mic-button'}
        aria-label={label}
        title={label}
        data-testid="mic-button"
        onPointerDown={(event) => {
          if (event.button !== 0 || phaseRef.current !== 'idle') return;
          event.currentTarget.setPointerCapture(event.pointerId);
          startX.current = event.clientX;
          void start('hold');
        }}
        onPointerMove={(event) => {
          if (phaseRef.current === 'hold' && startX.current - event.clientX > SLIDE_CANCEL_PX) {
            cancel(t('voice.cancelled'));
          }
        }}
        onPointerUp={() => {
          if (phaseRef.current === 'starting') releasedEarly.current = true;
          else if (phaseRef.current === 'hold') void finish();
        }}
        onPointerCancel={() => {
          if (phaseRef.current === 'hold') cancel();
        }}
        onClick={(event) => {
          // A click by keyboard (detail 0) starts, then sends; a pointer's click sends a locked recording only.
          if (phaseRef.current === 'locked') void finish();
          else if (event.detail === 0 && phaseRef.current === 'idle') void start('locked');
        }}
        onKeyDown={(event) => {
          // The button keeps focus while recording by keyboard: Escape on it cancels, as anywhere in the bar.
          if (event.key === 'Escape' && phaseRef.current !== 'idle') {
            event.preventDefault();
            event.stopPropagation();
            cancel(t('voice.cancelled'));
          }
        }}
        onContextMenu={(event) => event.preventDefault()}
      >
        {recordingNow ? <SendIcon /> : <MicIcon />}
      </button>
      <span className="sr-only" aria-live="polite">
        {notice}
      </span>
      {notice && !recordingNow ? (
        <span className="voice-notice" aria-hidden="true">
          {notice === t('voice.holdHint') || notice === t('voice.noMic') ? notice : ''}
        </span>
      ) : null}
    </>
  );
}
