/**
 * A square crop of a picture, as the cropper shows it: the picture covers a square view of `view` px, scaled
 * by `zoom` (1: its short side fills the view) and moved by `offset` (px in the view, from centred).
 */
export type Crop = { zoom: number; x: number; y: number };

export const MAX_ZOOM = 4;

/** The picture's scale in the view: its short side fills the view at zoom 1. */
export function viewScale(width: number, height: number, view: number, zoom: number): number {
  return (view / Math.min(width, height)) * zoom;
}

/** The crop kept within bounds: zoom between 1 and MAX_ZOOM, and the picture always covering the view. */
export function clampCrop(crop: Crop, width: number, height: number, view: number): Crop {
  const zoom = Math.min(MAX_ZOOM, Math.max(1, crop.zoom));
  const scale = viewScale(width, height, view, zoom);
  const maxX = Math.max(0, (width * scale - view) / 2);
  const maxY = Math.max(0, (height * scale - view) / 2);
  // `+ 0` turns a -0 into 0.
  return { zoom, x: Math.min(maxX, Math.max(-maxX, crop.x)) + 0, y: Math.min(maxY, Math.max(-maxY, crop.y)) + 0 };
}

/** The square of the picture (in its own pixels) that the view shows. */
export function cropSquare(
  crop: Crop,
  width: number,
  height: number,
  view: number,
): { sx: number; sy: number; side: number } {
  const scale = viewScale(width, height, view, crop.zoom);
  const side = view / scale;
  return {
    sx: width / 2 - crop.x / scale - side / 2,
    sy: height / 2 - crop.y / scale - side / 2,
    side,
  };
}
