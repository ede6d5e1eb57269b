// Convolution 1D/2D/3D (as 3D with unit axes), channels-last, with dedicated kernels for the
// input and weight gradients; pooling and upsampling by per-axis factors of 1 or 2.
import type { ConvGeometry, ResampleGeometry } from '../backend/backend.js';
import { composite, getBackend, needsGrad, record } from '../tensor/engine.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { expectF32, fmt, ShapeError } from './checks.js';
import { reshape } from './shape.js';
import { sum } from './reduce.js';

export type Padding = 'same' | 'valid';

/** Output size and zeros before, TensorFlow's convention for 'same' (so stride 2 halves, rounding up). */
export function convOutput(inSize: number, k: number, stride: number, padding: Padding): { out: number; before: number } {
  if (padding === 'valid') return { out: Math.floor((inSize - k) / stride) + 1, before: 0 };
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + k - inSize, 0);
  return { out, before: Math.floor(total / 2) };
}

export interface ConvOptions {
  stride?: number | readonly [number, number, number];
  padding?: Padding;
}

/**
 * 3D convolution: x [N, D, H, W, Cin], w [kD, kH, kW, Cin, Cout], bias [Cout] -> [N, oD, oH, oW, Cout].
 * 2D data has D = 1 and kD = 1; 1D data also has H = 1 and kH = 1.
 */
export function conv3d(x: Tensor, w: Tensor, bias?: Tensor | null, opts: ConvOptions = {}): Tensor {
  expectF32('conv3d', 'x', x);
  expectF32('conv3d', 'w', w);
  if (x.rank !== 5) throw new ShapeError('conv3d', `x must be [N, D, H, W, C], got ${fmt(x.shape)}`);
  if (w.rank !== 5) throw new ShapeError('conv3d', `w must be [kD, kH, kW, Cin, Cout], got ${fmt(w.shape)}`);
  const [n, d, h, wd, cin] = x.shape as [number, number, number, number, number];
  const [kd, kh, kw, wcin, cout] = w.shape as [number, number, number, number, number];
  if (wcin !== cin) throw new ShapeError('conv3d', `w expects ${wcin} input channels, x ${fmt(x.shape)} has ${cin}`);
  if (bias) {
    expectF32('conv3d', 'bias', bias);
    if (bias.rank !== 1 || bias.shape[0] !== cout) throw new ShapeError('conv3d', `bias must be [${cout}], got ${fmt(bias.shape)}`);
  }
  const s = opts.stride ?? 1;
  const [sd, sh, sw] = typeof s === 'number' ? [d > 1 ? s : 1, h > 1 ? s : 1, wd > 1 ? s : 1] : s;
  for (const v of [sd, sh, sw]) if (v !== 1 && v !== 2) throw new ShapeError('conv3d', `stride must be 1 or 2 per axis, got ${fmt([sd, sh, sw])}`);
  const padding = opts.padding ?? 'same';
  const D = convOutput(d, kd, sd, padding), H = convOutput(h, kh, sh, padding), W = convOutput(wd, kw, sw, padding);
  if (D.out < 1 || H.out < 1 || W.out < 1) {
    throw new ShapeError('conv3d', `kernel ${fmt([kd, kh, kw])} does not fit 'valid' in x ${fmt(x.shape)}`);
  }
  const g: ConvGeometry = {
    n, d, h, w: wd, cin, kd, kh, kw, cout, sd, sh, sw, pd: D.before, ph: H.before, pw: W.before, od: D.out, oh: H.out, ow: W.out,
  };
  const y = emptyTensor([n, g.od, g.oh, g.ow, cout]);
  getBackend().conv3d(x.storage, w.storage, bias ? bias.storage : null, y.storage, g);
  const inputs = bias ? [x, w, bias] : [x, w];
  record(y, inputs, (dy) => {
    let dx: Tensor | null = null, dw: Tensor | null = null, db: Tensor | null = null;
    if (needsGrad(x)) {
      dx = emptyTensor(x.shape);
      getBackend().conv3dBackwardInput(dy.storage, w.storage, dx.storage, g);
    }
    if (needsGrad(w)) {
      dw = emptyTensor(w.shape);
      getBackend().conv3dBackwardWeight(x.storage, dy.storage, dw.storage, g);
    }
    if (bias && needsGrad(bias)) db = sum(reshape(dy, [-1, cout]), 0);
    return bias ? [dx, dw, db] : [dx, dw];
  });
  return y;
}

/** 2D convolution on [N, H, W, C] with w [kH, kW, Cin, Cout]. */
export function conv2d(x: Tensor, w: Tensor, bias?: Tensor | null, opts: { stride?: number; padding?: Padding } = {}): Tensor {
  if (x.rank !== 4 || w.rank !== 4) throw new ShapeError('conv2d', `expected x [N, H, W, C] and w [kH, kW, Cin, Cout], got ${fmt(x.shape)} and ${fmt(w.shape)}`);
  const s = opts.stride ?? 1;
  return composite(() => {
    const y = conv3d(reshape(x, [x.shape[0]!, 1, ...x.shape.slice(1)]), reshape(w, [1, ...w.shape]), bias, { stride: [1, s, s], padding: opts.padding });
    return reshape(y, [y.shape[0]!, ...y.shape.slice(2)]);
  });
}

/** Factor 2 on every spatial axis longer than 1 (so 2D data, D = 1, is not pooled in depth). */
function factors(x: Tensor): [number, number, number] {
  return [x.shape[1]! > 1 ? 2 : 1, x.shape[2]! > 1 ? 2 : 1, x.shape[3]! > 1 ? 2 : 1];
}

function geometry(op: string, x: Tensor, f: readonly [number, number, number], up: boolean): ResampleGeometry {
  if (x.rank !== 5) throw new ShapeError(op, `x must be [N, D, H, W, C], got ${fmt(x.shape)}`);
  const [n, d, h, w, c] = x.shape as [number, number, number, number, number];
  for (const v of f) if (v !== 1 && v !== 2) throw new ShapeError(op, `factors must be 1 or 2 per axis, got ${fmt(f)}`);
  const [fd, fh, fw] = f;
  const g = up
    ? { n, d, h, w, c, fd, fh, fw, od: d * fd, oh: h * fh, ow: w * fw }
    : { n, d, h, w, c, fd, fh, fw, od: Math.floor(d / fd), oh: Math.floor(h / fh), ow: Math.floor(w / fw) };
  if (g.od < 1 || g.oh < 1 || g.ow < 1) throw new ShapeError(op, `x ${fmt(x.shape)} is too small to pool by ${fmt(f)}`);
  return g;
}

function poolOp(op: 'max' | 'avg', x: Tensor, f?: readonly [number, number, number]): Tensor {
  const name = op === 'max' ? 'maxPool' : 'avgPool';
  expectF32(name, 'x', x);
  const g = geometry(name, x, f ?? factors(x), false);
  const y = emptyTensor([g.n, g.od, g.oh, g.ow, g.c]);
  getBackend().pool(op, x.storage, y.storage, g);
  record(y, [x], (dy) => {
    const dx = emptyTensor(x.shape);
    getBackend().poolBackward(op, x.storage, dy.storage, dx.storage, g);
    return [dx];
  });
  return y;
}

/** Max pooling with window = stride = 2 on each axis longer than 1 (odd sizes drop the last voxel). */
export const maxPool = (x: Tensor, f?: readonly [number, number, number]): Tensor => poolOp('max', x, f);
/** Average pooling with window = stride = 2 on each axis longer than 1. */
export const avgPool = (x: Tensor, f?: readonly [number, number, number]): Tensor => poolOp('avg', x, f);

/**
 * Upsampling x2 on each axis longer than 1 (or by explicit factors): 'nearest', or 'linear'
 * (PyTorch's trilinear with align_corners = false).
 */
export function upsample(x: Tensor, mode: 'nearest' | 'linear' = 'nearest', f?: readonly [number, number, number]): Tensor {
  expectF32('upsample', 'x', x);
  const g = geometry('upsample', x, f ?? factors(x), true);
  const y = emptyTensor([g.n, g.od, g.oh, g.ow, g.c]);
  getBackend().upsample(mode, x.storage, y.storage, g);
  record(y, [x], (dy) => {
    const dx = emptyTensor(x.shape);
    getBackend().upsampleBackward(mode, dy.storage, dx.storage, g);
    return [dx];
  });
  return y;
}
