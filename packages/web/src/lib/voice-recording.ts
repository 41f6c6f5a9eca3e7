/** Types to record in, the first the browser can: Opus in WebM (Chromium, Firefox), else Ogg, else MP4 (Safari). */
const RECORD_TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4'];

/**
 * A voice note being recorded from the microphone with MediaRecorder. `stop` gives the bytes (typed without
 * the codec, as the server's list of types has them); `cancel` throws them away. Either frees the microphone.
 */
export class VoiceRecording {
  private readonly chunks: Blob[] = [];
  readonly startedAt = Date.now();

  private constructor(
    private readonly stream: MediaStream,
    private readonly recorder: MediaRecorder,
  ) {
    recorder.ondataavailable = (event) => {
      if (event.data.size > 0) this.chunks.push(event.data);
    };
    recorder.start(250);
  }

  static supported(): boolean {
    return typeof MediaRecorder !== 'undefined' && Boolean(navigator.mediaDevices?.getUserMedia);
  }

  /** Asks for the microphone (the browser may ask the user) and starts recording. */
  static async start(): Promise<VoiceRecording> {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const mimeType = RECORD_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
    try {
      return new VoiceRecording(stream, new MediaRecorder(stream, mimeType ? { mimeType } : {}));
    } catch (err) {
      for (const track of stream.getTracks()) track.stop();
      throw err;
    }
  }

  get elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  stop(): Promise<Blob> {
    return new Promise((resolve) => {
      this.recorder.onstop = () => {
        const type = (this.recorder.mimeType || 'audio/webm').split(';')[0]!;
        resolve(new Blob(this.chunks, { type }));
      };
      this.recorder.stop();
      this.release();
    });
  }

  cancel(): void {
    this.recorder.onstop = null;
    if (this.recorder.state !== 'inactive') this.recorder.stop();
    this.release();
  }

  private release(): void {
    for (const track of this.stream.getTracks()) track.stop();
  }
}
