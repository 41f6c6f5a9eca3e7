import { useEffect, useRef, useState } from 'react';
import { t } from '../i18n';
import { clockDuration, type ShownMedia } from '../lib/media';
import { MicIcon, PauseIcon, PlayIcon } from './icons';
import { useMediaUrl } from './use-media-url';

/** Only one voice note plays at a time: starting one pauses the one before, as WhatsApp does. */
let playing: HTMLAudioElement | null = null;

/**
 * A voice note (or audio): play/pause, a bar to seek (a slider: arrows move it by keyboard), where it is and
 * how long it lasts (the server's `duration_ms`, else what the element finds).
 */
export function VoicePlayer({ media }: { media: ShownMedia }) {
  const url = useMediaUrl(media);
  const audioRef = useRef<HTMLAudioElement>(null);
  const [paused, setPaused] = useState(true);
  const [position, setPosition] = useState(0);
  const [elementDuration, setElementDuration] = useState(0);
  /** Seeking far past the end to learn the length (a recording's WebM often says none: Infinity). */
  const probing = useRef(false);
  const durationMs = media.duration_ms || elementDuration;

  useEffect(() => {
    const audio = audioRef.current;
    return () => {
      if (audio && playing === audio) playing = null;
    };
  }, []);

  const toggle = () => {
    const audio = audioRef.current;
    if (!audio) return;
    if (!audio.paused) {
      audio.pause();
      return;
    }
    if (playing && playing !== audio) playing.pause();
    playing = audio;
    void audio.play().catch(() => setPaused(true));
  };

  const seek = (ms: number) => {
    const audio = audioRef.current;
    if (!audio) return;
    audio.currentTime = ms / 1000;
    setPosition(ms);
  };

  const label = paused ? t('media.play') : t('media.pause');
  return (
    <div className={media.type === 'voice' ? 'voice-player voice' : 'voice-player'} data-testid="voice-player">
      <span className="voice-mic" aria-hidden="true">
        <MicIcon size={20} />
      </span>
      <button
        type="button"
        className="icon-button voice-toggle"
        onClick={toggle}
        disabled={!url}
        aria-label={label}
        title={label}
      >
        {paused ? <PlayIcon size={26} /> : <PauseIcon size={26} />}
      </button>
      <span className="voice-track">
        <input
          type="range"
          className="voice-seek"
          min={0}
          max={Math.max(1, durationMs)}
          step={100}
          value={Math.min(position, Math.max(1, durationMs))}
          onChange={(event) => seek(Number(event.target.value))}
          aria-label={media.type === 'voice' ? t('media.voiceNote') : t('media.audio')}
          aria-valuetext={t('media.position', {
            position: clockDuration(position),
            duration: clockDuration(durationMs),
          })}
          style={{ '--played': `${durationMs > 0 ? (position / durationMs) * 100 : 0}%` } as React.CSSProperties}
        />
        <span className="voice-time" data-testid="voice-duration">
          {paused && position === 0 ? clockDuration(durationMs) : clockDuration(position)}
        </span>
      </span>
      {/* biome-ignore lint/a11y/useMediaCaption: a voice note has no captions to give */}
      <audio
        ref={audioRef}
        src={url}
        preload="metadata"
        onPlay={() => setPaused(false)}
        onPause={() => setPaused(true)}
        onEnded={() => {
          setPaused(true);
          setPosition(0);
        }}
        onTimeUpdate={(event) => {
          if (!probing.current) setPosition(Math.round(event.currentTarget.currentTime * 1000));
        }}
        onLoadedMetadata={(event) => {
          const audio = event.currentTarget;
          if (Number.isFinite(audio.duration)) setElementDuration(Math.round(audio.duration * 1000));
          else if (!media.duration_ms) {
            probing.current = true;
            audio.currentTime = Number.MAX_SAFE_INTEGER;
          }
        }}
        onDurationChange={(event) => {
          const audio = event.currentTarget;
          if (!Number.isFinite(audio.duration)) return;
          setElementDuration(Math.round(audio.duration * 1000));
          if (probing.current) {
            probing.current = false;
            audio.currentTime = 0;
          }
        }}
      />
    </div>
  );
}
