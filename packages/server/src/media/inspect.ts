import { execFile } from 'node:child_process';
import { unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { MEDIA_MIME_TYPES, type MediaKind } from '@papo/protocol';
import { fileTypeFromFile } from 'file-type';
import { parseFile } from 'music-metadata';
import sharp, { type OutputInfo } from 'sharp';
import { AppError } from '../errors.js';
import { webmFacts } from './webm-facts.js';

// Each upload is decoded once: libvips's operation cache only holds memory (bench/README.md saw a worker at
// 490–570 MiB with it), and one thread per image is enough when MEDIA_UPLOADS_IN_FLIGHT images run at once.
sharp.cache(false);
sharp.concurrency(1);

/** A served thumbnail's longest side, and the inline preview's (`media.thumbnail`). */
const THUMBNAIL_SIDE = 320;
const INLINE_SIDE = 32;
/** Pixels an image may have: a decompression bomb (a tiny PNG of 50,000 × 50,000) is refused, not decoded. */
const MAX_IMAGE_PIXELS = 50_000_000;

/** What the server made of an upload: the file to store, and what goes in `media:{id}` and the message. */
export type InspectedMedia = {
  kind: MediaKind;
  mime: string;
  /** The file to store: the upload itself, or the re-encoded image beside it. */
  file: string;
  width?: number;
  height?: number;
  durationMs?: number;
  /** A JPEG file of at most THUMBNAIL_SIDE a side (images, and videos when ffmpeg made a poster). */
  thumbnailFile?: string;
  /** `data:image/jpeg;base64,…` of at most INLINE_SIDE a side. */
  inlineThumbnail?: string;
};

/** Media types by what file-type reads; audio-only containers file-type names as video are told apart below. */
const KIND_OF: Record<string, 'image' | 'video' | 'audio'> = Object.fromEntries(
  (['image', 'video', 'audio'] as const).flatMap((kind) => MEDIA_MIME_TYPES[kind].map((mime) => [mime, kind])),
);
/** What file-type calls some audio formats, as section 12 names them. */
const AUDIO_ALIASES: Record<string, string> = {
  'audio/opus': 'audio/ogg',
  'audio/x-m4a': 'audio/mp4',
  'audio/aac': 'audio/mp4',
  'audio/mp3': 'audio/mpeg',
};

/** The type family a declared Content-Type names: `image/png` → png; what a container may hold agrees. */
function family(mime: string): string {
  const base = mime.split(';')[0]!.trim().toLowerCase();
  const sub = base.split('/')[1] ?? '';
  if (sub === 'jpg' || sub === 'pjpeg') return 'jpeg';
  if (sub === 'x-m4a' || sub === 'aac' || sub === 'm4a') return 'mp4';
  if (sub === 'mp3') return 'mpeg';
  if (sub === 'opus') return 'ogg';
  return sub;
}

let ffmpegAvailable: Promise<boolean> | undefined;
/** A local ffmpeg makes video posters; without one videos have none (said in docs/media.md). */
function hasFfmpeg(): Promise<boolean> {
  ffmpegAvailable ??= promisify(execFile)('ffmpeg', ['-version'], { timeout: 5000 }).then(
    () => true,
    () => false,
  );
  return ffmpegAvailable;
}

/**
 * Reads what an uploaded file really is (its bytes, never its declared type), and prepares it: an image is
 * decoded and re-encoded in its own format without metadata (EXIF, GPS, XMP, ICC beyond sRGB: sharp keeps
 * none unless asked), turned upright first (EXIF orientation), with a thumbnail and an inline preview; audio
 * and video get their duration and size where the container says them.
 * `asFile` (an upload with `?name=`): any type, kept byte for byte, never decoded.
 * Refuses (invalid_payload) a declared type that disagrees with the bytes, and media of a type section 12 does
 * not allow.
 */
export async function inspectUpload(
  file: string,
  declared: string | undefined,
  asFile: boolean,
): Promise<InspectedMedia> {
  const found = await fileTypeFromFile(file);
  let mime = found ? (AUDIO_ALIASES[found.mime] ?? found.mime) : undefined;
  let kind = mime ? KIND_OF[mime] : undefined;
  const declaredBase = declared?.split(';')[0]?.trim().toLowerCase();
  // A WebM or MP4 holding only sound is audio (a voice note recorded by MediaRecorder is `audio/webm`).
  if ((mime === 'video/webm' || mime === 'video/mp4') && declaredBase?.startsWith('audio/')) {
    mime = mime.replace('video/', 'audio/');
    kind = 'audio';
  }

  if (asFile) {
    return { kind: 'file', mime: mime ?? 'application/octet-stream', file };
  }
  if (!mime || !kind) {
    throw new AppError(
      'invalid_payload',
      'Not a photo, video or audio of a type Papo takes (jpeg, png, webp, gif, mp4, webm, ogg, m4a, mp3): upload it as a file, with ?name=.',
    );
  }
  if (declaredBase && declaredBase !== 'application/octet-stream' && family(declaredBase) !== family(mime)) {
    throw new AppError('invalid_payload', `The bytes are ${mime}, not ${declaredBase} as the Content-Type says.`);
  }
  if (kind === 'image') return inspectImage(file, mime);
  return inspectTimed(file, mime, kind);
}

async function inspectImage(file: string, mime: string): Promise<InspectedMedia> {
  const animated = mime === 'image/gif' || mime === 'image/webp';
  const source = () => sharp(file, { animated, limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' });
  const cleanFile = `${file}.clean`;
  let info: OutputInfo;
  try {
    // rotate() with no angle applies the EXIF orientation; the output keeps no metadata at all.
    const image = source().rotate();
    const encoded =
      mime === 'image/jpeg'
        ? // libjpeg-turbo: mozjpeg makes files ~20% smaller for 8× the CPU (388 against 47 ms a 4 MP photo).
          image.jpeg({ quality: 82 })
        : mime === 'image/png'
          ? image.png()
          : mime === 'image/webp'
            ? image.webp({ quality: 85 })
            : image.gif();
    info = await encoded.toFile(cleanFile);
  } catch (err) {
    await unlink(cleanFile).catch(() => {});
    throw new AppError('invalid_payload', `The image cannot be read: ${(err as Error).message}`);
  }
  // An animation's height is its frames' together; the picture's is one frame's.
  const height = info.pageHeight ?? info.height;
  const thumbnailFile = `${file}.thumb`;
  const first = sharp(cleanFile, { limitInputPixels: MAX_IMAGE_PIXELS }).flatten({ background: '#ffffff' });
  await first
    .clone()
    .resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 75 })
    .toFile(thumbnailFile);
  const inline = await first
    .clone()
    .resize(INLINE_SIDE, INLINE_SIDE, { fit: 'inside' })
    .jpeg({ quality: 40 })
    .toBuffer();
  return {
    kind: 'image',
    mime,
    file: cleanFile,
    width: info.width,
    height,
    thumbnailFile,
    inlineThumbnail: `data:image/jpeg;base64,${inline.toString('base64')}`,
  };
}

async function inspectTimed(file: string, mime: string, kind: 'video' | 'audio'): Promise<InspectedMedia> {
  const inspected: InspectedMedia = { kind, mime, file };
  try {
    const meta = await parseFile(file, { duration: true, skipCovers: true });
    if (meta.format.duration !== undefined && Number.isFinite(meta.format.duration)) {
      inspected.durationMs = Math.round(meta.format.duration * 1000);
    }
    const video = meta.format.trackInfo?.find((track) => track.video)?.video;
    if (kind === 'video' && video?.displayWidth && video.displayHeight) {
      inspected.width = video.displayWidth;
      inspected.height = video.displayHeight;
    } else if (kind === 'video' && video?.pixelWidth && video.pixelHeight) {
      inspected.width = video.pixelWidth;
      inspected.height = video.pixelHeight;
    }
  } catch {
    // A container whose header the parser cannot read is still served; it only lacks a duration.
  }
  // A browser's recording (every voice note) says no duration in its header: its blocks do.
  if (mime.endsWith('/webm') && (inspected.durationMs === undefined || (kind === 'video' && !inspected.width))) {
    const facts = await webmFacts(file);
    inspected.durationMs ??= facts.durationMs;
    if (kind === 'video' && !inspected.width && facts.width && facts.height) {
      inspected.width = facts.width;
      inspected.height = facts.height;
    }
  }
  if (kind === 'video' && (await hasFfmpeg())) await addPoster(file, inspected);
  return inspected;
}

/** A video's first frame, by a local ffmpeg, as its thumbnail and inline preview (and its size if unknown). */
async function addPoster(file: string, inspected: InspectedMedia): Promise<void> {
  const frame = `${file}.frame.png`;
  try {
    await promisify(execFile)('ffmpeg', ['-v', 'error', '-i', file, '-frames:v', '1', '-y', frame], {
      timeout: 20_000,
    });
    const meta = await sharp(frame).metadata();
    inspected.width ??= meta.width;
    inspected.height ??= meta.height;
    const thumbnailFile = `${file}.thumb`;
    await sharp(frame)
      .resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 75 })
      .toFile(thumbnailFile);
    const inline = await sharp(frame)
      .resize(INLINE_SIDE, INLINE_SIDE, { fit: 'inside' })
      .jpeg({ quality: 40 })
      .toBuffer();
    inspected.thumbnailFile = thumbnailFile;
    inspected.inlineThumbnail = `data:image/jpeg;base64,${inline.toString('base64')}`;
  } catch {
    // No poster: the video is shown with a plain frame.
  } finally {
    await unlink(frame).catch(() => {});
  }
}
