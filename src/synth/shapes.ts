// Generated 2D test shapes: a labelled blob (outer body, inner core, a small spot) and a smoothly
// deformed, shifted copy of it. Used by the demo and the registration learning test; the brain-like
// 3D phantoms of the synthesis pipeline grow from this.

export interface LabelledImage {
  /** [H, W] intensities in [0, 1]. */
  image: Float32Array;
  /** [H, W] integer labels: 0 background, 1 body, 2 core, 3 spot. */
  labels: Int32Array;
  h: number;
  w: number;
}

/** The blob centred at (cy, cx) in pixels, radii scaled by `scale`. */
export function drawBlob(h: number, w: number, cy: number, cx: number, scale = 1): LabelledImage {
  const image = new Float32Array(h * w), labels = new Int32Array(h * w);
  const ry = 0.32 * h * scale, rx = 0.26 * w * scale;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const dy = (y - cy) / ry, dx = (x - cx) / rx;
    const r2 = dy * dy + dx * dx;
    const core = ((y - cy) / (0.5 * ry)) ** 2 + ((x - cx + 0.1 * rx) / (0.45 * rx)) ** 2;
    const spot = ((y - cy - 0.55 * ry) / (0.18 * ry)) ** 2 + ((x - cx - 0.35 * rx) / (0.18 * rx)) ** 2;
    const i = y * w + x;
    if (r2 <= 1) { labels[i] = 1; image[i] = 0.5; }
    if (core <= 1) { labels[i] = 2; image[i] = 0.9; }
    if (spot <= 1) { labels[i] = 3; image[i] = 0.15; }
  }
  return { image, labels, h, w };
}

/**
 * A smooth displacement field [H, W, 3] in voxels ((D, H, W) components, D = 0): a shift plus
 * low-frequency sinusoids, amplitude `amp` pixels, phases from `seed`.
 */
export function smoothField(h: number, w: number, shift: [number, number], amp: number, seed: number): Float32Array {
  const f = new Float32Array(h * w * 3);
  const p1 = (seed * 1.618) % (2 * Math.PI), p2 = (seed * 2.718) % (2 * Math.PI);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = (y * w + x) * 3;
    f[i + 1] = shift[0] + amp * Math.sin((2 * Math.PI * x) / w + p1) * Math.cos((Math.PI * y) / h);
    f[i + 2] = shift[1] + amp * Math.cos((2 * Math.PI * y) / h + p2) * Math.sin((Math.PI * x) / w);
  }
  return f;
}
