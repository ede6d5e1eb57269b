// Host-side computations on fields and label maps: Jacobian determinants and folding, the atlas
// boundary mask c_x of the appearance loss, and rand-aug's random smooth deformations.
import type { Tensor } from '../tensor/tensor.js';
import { tensor } from '../ops/create.js';
import { upsample } from '../ops/conv.js';
import { slice } from '../ops/shape.js';
import { tidy } from '../tensor/engine.js';
import type { Rng } from '../ops/create.js';
import type { Shape3 } from './preprocess.js';

/**
 * Jacobian determinant of phi = id + u at every voxel, u [D, H, W, 3] in voxels with (D, H, W)
 * components. Derivatives are central differences (one-sided at the borders), as numpy.gradient.
 * Axes of size 1 contribute the identity (a 2D field gives the 2 x 2 determinant).
 */
export function jacobianDeterminant(u: Float32Array, shape: Shape3): Float32Array {
  const [D, H, W] = shape;
  const n = D * H * W;
  if (u.length !== 3 * n) throw new Error(`jacobianDeterminant: ${u.length} values for a [${shape.join(', ')}, 3] field`);
  const out = new Float32Array(n);
  const strides = [H * W, W, 1];
  const coord = [0, 0, 0];
  const g = [new Float64Array(3), new Float64Array(3), new Float64Array(3)]; // g[axis][component] = du_c/dx_axis
  for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    coord[0] = z; coord[1] = y; coord[2] = x;
    const i = (z * H + y) * W + x;
    for (let a = 0; a < 3; a++) {
      const size = shape[a]!, pos = coord[a]!;
      if (size === 1) { g[a]!.fill(0); continue; }
      const lo = pos > 0 ? i - strides[a]! : i, hi = pos < size - 1 ? i + strides[a]! : i;
      const h = (pos > 0 ? 1 : 0) + (pos < size - 1 ? 1 : 0);
      for (let c = 0; c < 3; c++) g[a]![c] = (u[3 * hi + c]! - u[3 * lo + c]!) / h;
    }
    // J[c][a] = delta + du_c/dx_a
    const j = (c: number, a: number) => (c === a ? 1 : 0) + g[a]![c]!;
    out[i] = j(0, 0) * (j(1, 1) * j(2, 2) - j(1, 2) * j(2, 1))
      - j(0, 1) * (j(1, 0) * j(2, 2) - j(1, 2) * j(2, 0))
      + j(0, 2) * (j(1, 0) * j(2, 1) - j(1, 1) * j(2, 0));
  }
  return out;
}

/** Share of voxels inside `mask` (non-zero) whose Jacobian determinant is <= 0. */
export function foldingFraction(u: Float32Array, shape: Shape3, mask?: ArrayLike<number>): number {
  const det = jacobianDeterminant(u, shape);
  let inside = 0, folded = 0;
  for (let i = 0; i < det.length; i++) {
    if (mask && !mask[i]) continue;
    inside++;
    if (det[i]! <= 0) folded++;
  }
  return inside === 0 ? 0 : folded / inside;
}

/**
 * c_x: 1 at voxels within `radius` voxels (chessboard distance) of a label boundary, i.e. where some
 * neighbour has another class (background included), else 0.
 */
export function boundaryMask(labels: Int32Array, shape: Shape3, radius = 1): Float32Array {
  const [D, H, W] = shape;
  const out = new Float32Array(labels.length);
  const rz = D > 1 ? radius : 0;
  for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = (z * H + y) * W + x, l = labels[i]!;
    let edge = false;
    for (let a = -rz; a <= rz && !edge; a++) for (let b = -radius; b <= radius && !edge; b++) for (let c = -radius; c <= radius; c++) {
      const zz = z + a, yy = y + b, xx = x + c;
      if (zz < 0 || yy < 0 || xx < 0 || zz >= D || yy >= H || xx >= W) continue;
      if (labels[(zz * H + yy) * W + xx] !== l) { edge = true; break; }
    }
    out[i] = edge ? 1 : 0;
  }
  return out;
}

/** Separable Gaussian blur of a [D, H, W, C] grid, kernel truncated at 3 sigma, borders reflected (scipy's default). */
export function gaussianBlur(data: Float32Array, shape: Shape3, channels: number, sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = Float64Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const ks = k.reduce((a, b) => a + b, 0);
  for (let i = 0; i < k.length; i++) k[i]! /= ks;
  const reflect = (p: number, n: number) => {
    // scipy 'reflect': (d c b a | a b c d | d c b a)
    const period = 2 * n;
    let q = ((p % period) + period) % period;
    if (q >= n) q = period - 1 - q;
    return q;
  };
  let cur = Float32Array.from(data);
  const [D, H, W] = shape;
  for (let axis = 0; axis < 3; axis++) {
    const n = shape[axis]!;
    if (n === 1) continue;
    const next = new Float32Array(cur.length);
    const stride = [H * W, W, 1][axis]! * channels;
    for (let z = 0; z < D; z++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const pos = [z, y, x][axis]!;
      const base = ((z * H + y) * W + x) * channels - pos * stride;
      for (let c = 0; c < channels; c++) {
        let s = 0;
        for (let t = -r; t <= r; t++) s += k[t + r]! * cur[base + reflect(pos + t, n) * stride + c]!;
        next[base + pos * stride + c] = s;
      }
    }
    cur = next;
  }
  return cur;
}

export interface RandAugOptions {
  /** Uniform displacement amplitude on the coarse grid (reference: 200). */
  amplitude?: number;
  /** Gaussian blur sigma on the coarse grid (reference: 3). */
  sigma?: number;
  /** Coarse grid factor (reference: 4). */
  factor?: number;
}

/**
 * The default coarse amplitude for rand-aug. The reference's 200 is for 3D, where blurring 3 axes
 * shrinks the field's std to about 3 voxels; in 2D only 2 axes average, so the same amplitude would
 * give ~11 voxels. 2D uses the amplitude that gives the 3D effective std (derived from the kernel's
 * energy, checked numerically in test/synth-fields.test.ts).
 */
export function randAugAmplitude(dims: 2 | 3, sigma = 3): number {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const s = k.reduce((a, b) => a + b, 0);
  const energy = k.reduce((a, b) => a + (b / s) ** 2, 0);
  return dims === 3 ? 200 : 200 * Math.sqrt(energy);
}

/**
 * A rand-aug displacement field [1, D, H, W, 3] on grid `shape`: each component uniform in
 * [-amplitude, amplitude] on a grid `factor` times coarser, Gaussian-blurred (sigma on that grid),
 * then linearly upsampled by `factor` (values unchanged, as the reference does) and cropped.
 */
export function randomSmoothField(shape: Shape3, rng: Rng, o: RandAugOptions = {}): Tensor {
  const f = o.factor ?? 4, sigma = o.sigma ?? 3;
  if (![1, 2, 4, 8].includes(f)) throw new Error(`rand-aug: factor must be 1, 2, 4 or 8, got ${f}`);
  const dims = shape[0] === 1 ? 2 : 3;
  const amp = o.amplitude ?? randAugAmplitude(dims, sigma);
  const coarse = shape.map((s) => (s > 1 ? Math.ceil(s / f) : 1)) as Shape3;
  const n = coarse[0] * coarse[1] * coarse[2] * 3;
  const raw = new Float32Array(n);
  for (let i = 0; i < n; i++) raw[i] = (2 * rng.uniform() - 1) * amp;
  if (dims === 2) for (let i = 0; i < n; i += 3) raw[i] = 0;
  const blurred = gaussianBlur(raw, coarse, 3, sigma);
  return tidy(() => {
    const c = tensor(blurred, [1, ...coarse, 3]);
    // Upsampling supports x2 per call: x4 is two linear x2 steps (align_corners = false each).
    let up = c;
    for (let k = f; k > 1; k /= 2) up = upsample(up, 'linear', [shape[0] > 1 ? 2 : 1, 2, 2]);
    return slice(up, [0, 0, 0, 0, 0], [1, ...shape, 3]);
  });
}
