import { useEffect, useRef, useState } from 'react';
import { t } from '../i18n';
import { type Crop, clampCrop, cropSquare, MAX_ZOOM } from '../lib/crop';
import { CameraIcon } from './icons';
import { ModalDialog } from './modal-dialog';

/** The cropper's view (px, a square) and the picture it makes (a 640×640 JPEG, as WhatsApp's). */
const VIEW = 280;
const OUTPUT = 640;
/** A key press moves the picture this far (px in the view), or zooms by this factor. */
const KEY_STEP = 10;
const KEY_ZOOM = 1.1;

/**
 * "Change photo": picks a picture, then a square crop of it (drag or arrows to move, the slider, the wheel or
 * +/− to zoom), drawn on a canvas; `onPicked` gets the crop as a 640×640 JPEG.
 */
export function AvatarPicker({
  label,
  busy,
  onPicked,
}: {
  label: string;
  busy: boolean;
  onPicked: (picture: Blob) => void;
}) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  return (
    <>
      <button type="button" className="avatar-change" disabled={busy} onClick={() => inputRef.current?.click()}>
        <CameraIcon size={18} />
        {busy ? t('avatar.saving') : label}
      </button>
      <input
        ref={inputRef}
        type="file"
        accept="image/*"
        hidden
        data-testid="avatar-file"
        onChange={(event) => {
          const picked = event.currentTarget.files?.[0];
          event.currentTarget.value = '';
          if (picked) setFile(picked);
        }}
      />
      {file ? (
        <AvatarCropper
          file={file}
          onCancel={() => setFile(null)}
          onDone={(picture) => {
            setFile(null);
            onPicked(picture);
          }}
        />
      ) : null}
    </>
  );
}

function AvatarCropper({
  file,
  onCancel,
  onDone,
}: {
  file: File;
  onCancel: () => void;
  onDone: (picture: Blob) => void;
}) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [image, setImage] = useState<HTMLImageElement | null>(null);
  const [failed, setFailed] = useState(false);
  const [crop, setCrop] = useState<Crop>({ zoom: 1, x: 0, y: 0 });
  const drag = useRef<{ x: number; y: number; crop: Crop } | null>(null);

  useEffect(() => {
    const url = URL.createObjectURL(file);
    const picture = new Image();
    picture.src = url;
    picture.decode().then(
      () => setImage(picture),
      () => setFailed(true),
    );
    return () => URL.revokeObjectURL(url);
  }, [file]);

  const move = (next: Crop) => {
    if (image) setCrop(clampCrop(next, image.naturalWidth, image.naturalHeight, VIEW));
  };

  useEffect(() => {
    const canvas = canvasRef.current;
    const context = canvas?.getContext('2d');
    if (!canvas || !context || !image) return;
    const { sx, sy, side } = cropSquare(crop, image.naturalWidth, image.naturalHeight, VIEW);
    const ratio = window.devicePixelRatio || 1;
    canvas.width = VIEW * ratio;
    canvas.height = VIEW * ratio;
    context.drawImage(image, sx, sy, side, side, 0, 0, canvas.width, canvas.height);
  }, [image, crop]);

  const done = () => {
    if (!image) return;
    const output = document.createElement('canvas');
    output.width = OUTPUT;
    output.height = OUTPUT;
    const context = output.getContext('2d');
    if (!context) return;
    const { sx, sy, side } = cropSquare(crop, image.naturalWidth, image.naturalHeight, VIEW);
    // A transparent PNG gets white behind it: a JPEG has no transparency.
    context.fillStyle = '#fff';
    context.fillRect(0, 0, OUTPUT, OUTPUT);
    context.drawImage(image, sx, sy, side, side, 0, 0, OUTPUT, OUTPUT);
    output.toBlob((blob) => blob && onDone(blob), 'image/jpeg', 0.9);
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-KEY_STEP, 0],
      ArrowRight: [KEY_STEP, 0],
      ArrowUp: [0, -KEY_STEP],
      ArrowDown: [0, KEY_STEP],
    };
    const step = moves[event.key];
    if (step) move({ ...crop, x: crop.x + step[0], y: crop.y + step[1] });
    else if (event.key === '+' || event.key === '=') move({ ...crop, zoom: crop.zoom * KEY_ZOOM });
    else if (event.key === '-') move({ ...crop, zoom: crop.zoom / KEY_ZOOM });
    else return;
    event.preventDefault();
  };

  return (
    <ModalDialog title={t('avatar.cropTitle')} text={t('avatar.cropHint')} onCancel={onCancel} className="cropper">
      {failed ? (
        <p className="form-error" role="alert">
          {t('avatar.notImage')}
        </p>
      ) : (
        <>
          <canvas
            ref={canvasRef}
            className="cropper-view"
            style={{ width: VIEW, height: VIEW }}
            // Focusable so the arrows and +/− reach it; the slider below does the same by keyboard too.
            tabIndex={0}
            role="img"
            aria-label={t('avatar.cropTitle')}
            onKeyDown={onKeyDown}
            onPointerDown={(event) => {
              event.currentTarget.setPointerCapture(event.pointerId);
              drag.current = { x: event.clientX, y: event.clientY, crop };
            }}
            onPointerMove={(event) => {
              const start = drag.current;
              if (start)
                move({
                  ...start.crop,
                  x: start.crop.x + event.clientX - start.x,
                  y: start.crop.y + event.clientY - start.y,
                });
            }}
            onPointerUp={() => {
              drag.current = null;
            }}
            onWheel={(event) => move({ ...crop, zoom: crop.zoom * (event.deltaY < 0 ? KEY_ZOOM : 1 / KEY_ZOOM) })}
          />
          <label className="cropper-zoom">
            <span>{t('avatar.zoom')}</span>
            <input
              type="range"
              min={1}
              max={MAX_ZOOM}
              step={0.01}
              value={crop.zoom}
              onChange={(event) => move({ ...crop, zoom: Number(event.target.value) })}
            />
          </label>
        </>
      )}
      <div className="dialog-actions">
        <button type="button" className="link" onClick={onCancel}>
          {t('media.cancel')}
        </button>
        <button type="button" className="primary" disabled={!image} onClick={done}>
          {t('avatar.use')}
        </button>
      </div>
    </ModalDialog>
  );
}
