import { describe, expect, it } from 'vitest';
import { clampCrop, cropSquare, MAX_ZOOM } from '../src/lib/crop';

describe('the square crop of a profile picture', () => {
  it('takes the centred square of the short side at zoom 1', () => {
    expect(cropSquare({ zoom: 1, x: 0, y: 0 }, 1200, 800, 300)).toEqual({ sx: 200, sy: 0, side: 800 });
  });

  it('takes a smaller square when zoomed, moved as the picture was dragged', () => {
    // Zoom 2: the view shows 400 px of the picture; dragging the picture 75 view px right shows more of its left.
    const square = cropSquare({ zoom: 2, x: 75, y: 0 }, 1200, 800, 300);
    expect(square.side).toBe(400);
    expect(square.sx).toBeCloseTo(600 - 100 - 200);
    expect(square.sy).toBeCloseTo(200);
  });

  it('keeps the picture covering the view: no drag past its edges, zoom within 1 and the maximum', () => {
    // 1200×800 in 300 px: at zoom 1 it is 450×300, so it moves 75 px either way across and not at all down.
    expect(clampCrop({ zoom: 1, x: 500, y: -40 }, 1200, 800, 300)).toEqual({ zoom: 1, x: 75, y: 0 });
    expect(clampCrop({ zoom: 0.2, x: 0, y: 0 }, 1200, 800, 300).zoom).toBe(1);
    expect(clampCrop({ zoom: 99, x: 0, y: 0 }, 1200, 800, 300).zoom).toBe(MAX_ZOOM);
    const square = cropSquare(clampCrop({ zoom: 1, x: -1000, y: 0 }, 1200, 800, 300), 1200, 800, 300);
    expect(square.sx + square.side).toBeCloseTo(1200);
  });
});
