/**
 * The notification sound: two short sine notes made with WebAudio (no asset to ship). Browsers only let a
 * page play sound after the user interacted with it, so the context is created lazily and resumed on the
 * first click or key press.
 */
let context: AudioContext | undefined;

function audio(): AudioContext | undefined {
  if (context) return context;
  const Ctor =
    globalThis.AudioContext ?? (globalThis as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Ctor) return undefined;
  try {
    context = new Ctor();
  } catch {
    return undefined;
  }
  return context;
}

/** Call once: unlocks audio at the first user gesture. */
export function unlockAudioOnGesture(): void {
  const unlock = () => {
    void audio()
      ?.resume()
      .catch(() => {});
    window.removeEventListener('pointerdown', unlock);
    window.removeEventListener('keydown', unlock);
  };
  window.addEventListener('pointerdown', unlock);
  window.addEventListener('keydown', unlock);
}

let lastPlayedMs = 0;

/** A soft "pop-ding"; at most one every 800 ms so a burst of messages does not become noise. */
export function playNotificationSound(): void {
  const now = Date.now();
  if (now - lastPlayedMs < 800) return;
  lastPlayedMs = now;
  const ctx = audio();
  if (ctx?.state !== 'running') return;
  const start = ctx.currentTime + 0.01;
  const notes: Array<[frequency: number, offset: number]> = [
    [880, 0],
    [1320, 0.09],
  ];
  for (const [frequency, offset] of notes) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.18, start + offset + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.22);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start + offset);
    osc.stop(start + offset + 0.25);
  }
}
