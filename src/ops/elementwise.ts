// Elementwise ops with NumPy broadcasting, and their gradients.
import type { BinaryOp, UnaryGradOp, UnaryOp } from '../backend/backend.js';
import { composite, getBackend, needsGrad, record } from '../tensor/engine.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { expectF32, fmt, ShapeError, stridesOf } from './checks.js';
import { full } from './create.js';
import { sumTo } from './reduce.js';

export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1, y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) {
      throw new ShapeError(op, `shapes ${fmt(a)} and ${fmt(b)} do not broadcast (axis ${i}: ${x} vs ${y})`);
    }
    out[i] = Math.max(x, y);
  }
  return out;
}

/** Strides of `shape` seen through the broadcast `outShape` (0 on broadcast axes). */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const st = stridesOf(shape);
  const pad = outShape.length - shape.length;
  return outShape.map((_, i) => (i < pad || shape[i - pad] === 1 ? 0 : st[i - pad]!));
}

function rawBinary(op: BinaryOp, a: Tensor, b: Tensor, name: string): Tensor {
  expectF32(name, 'a', a);
  expectF32(name, 'b', b);
  const shape = broadcastShapes(name, a.shape, b.shape);
  if (shape.length > 6) throw new ShapeError(name, `rank ${shape.length} > 6 is not supported`);
  const out = emptyTensor(shape);
  getBackend().binary(op, a.storage, broadcastStrides(a.shape, shape), b.storage, broadcastStrides(b.shape, shape), out.storage, shape);
  return out;
}

function toTensor(x: Tensor | number): Tensor {
  return typeof x === 'number' ? full([], x) : x;
}

export function add(a: Tensor | number, b: Tensor | number): Tensor {
  return composite(() => {
    const A = toTensor(a), B = toTensor(b);
    const out = rawBinary('add', A, B, 'add');
    record(out, [A, B], (dy) => [sumTo(dy, A.shape), sumTo(dy, B.shape)]);
    return out;
  });
}

export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  return composite(() => {
    const A = toTensor(a), B = toTensor(b);
    const out = rawBinary('sub', A, B, 'sub');
    record(out, [A, B], (dy) => [sumTo(dy, A.shape), needsGrad(B) ? sumTo(neg(dy), B.shape) : null]);
    return out;
  });
}

export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  return composite(() => {
    const A = toTensor(a), B = toTensor(b);
    const out = rawBinary('mul', A, B, 'mul');
    record(out, [A, B], (dy) => [
      needsGrad(A) ? sumTo(mul(dy, B), A.shape) : null,
      needsGrad(B) ? sumTo(mul(dy, A), B.shape) : null,
    ]);
    return out;
  });
}

export function div(a: Tensor | number, b: Tensor | number): Tensor {
  return composite(() => {
    const A = toTensor(a), B = toTensor(b);
    const out = rawBinary('div', A, B, 'div');
    record(out, [A, B], (dy) => [
      needsGrad(A) ? sumTo(div(dy, B), A.shape) : null,
      // d(a/b)/db = -a / b^2 = -out / b
      needsGrad(B) ? sumTo(neg(div(mul(dy, out), B)), B.shape) : null,
    ]);
    return out;
  });
}

/** Elementwise maximum; where a == b the gradient goes to a. */
export function maximum(a: Tensor | number, b: Tensor | number): Tensor {
  return composite(() => minmax('max', toTensor(a), toTensor(b)));
}
/** Elementwise minimum; where a == b the gradient goes to a. */
export function minimum(a: Tensor | number, b: Tensor | number): Tensor {
  return composite(() => minmax('min', toTensor(a), toTensor(b)));
}

function minmax(op: 'max' | 'min', A: Tensor, B: Tensor): Tensor {
  const name = op === 'max' ? 'maximum' : 'minimum';
  const out = rawBinary(op, A, B, name);
  record(out, [A, B], (dy) => {
    // a wins where (a >= b) for max, (a <= b) for min.
    const aWins = op === 'max' ? sub(1, rawBinary('greater', B, A, name)) : sub(1, rawBinary('greater', A, B, name));
    return [
      needsGrad(A) ? sumTo(mul(dy, aWins), A.shape) : null,
      needsGrad(B) ? sumTo(mul(dy, sub(1, aWins)), B.shape) : null,
    ];
  });
  return out;
}

/** a > b as 1/0 (no gradient). */
export function greater(a: Tensor | number, b: Tensor | number): Tensor {
  return composite(() => rawBinary('greater', toTensor(a), toTensor(b), 'greater'));
}
/** a == b as 1/0 (no gradient). */
export function equal(a: Tensor | number, b: Tensor | number): Tensor {
  return composite(() => rawBinary('equal', toTensor(a), toTensor(b), 'equal'));
}

function unaryOp(op: UnaryOp, name: string, x: Tensor, p0 = 0, p1 = 0): Tensor {
  expectF32(name, 'x', x);
  const out = emptyTensor(x.shape);
  getBackend().unary(op, x.storage, out.storage, x.size, p0, p1);
  if (op !== 'step' && op !== 'sign') {
    record(out, [x], (dy) => {
      const dx = emptyTensor(x.shape);
      getBackend().unaryGrad(op as UnaryGradOp, x.storage, out.storage, dy.storage, dx.storage, x.size, p0, p1);
      // The gradient of the gradient is not needed: backward ops are not recorded.
      return [dx];
    });
  }
  return out;
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', 'neg', x);
export const abs = (x: Tensor): Tensor => unaryOp('abs', 'abs', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', 'exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', 'log', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', 'sqrt', x);
export const square = (x: Tensor): Tensor => unaryOp('square', 'square', x);
export const relu = (x: Tensor): Tensor => unaryOp('relu', 'relu', x);
export const leakyRelu = (x: Tensor, alpha = 0.2): Tensor => unaryOp('leakyRelu', 'leakyRelu', x, alpha);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', 'sigmoid', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', 'tanh', x);
export const softplus = (x: Tensor): Tensor => unaryOp('softplus', 'softplus', x);
export const reciprocal = (x: Tensor): Tensor => unaryOp('reciprocal', 'reciprocal', x);
/** x ** p for a constant exponent. */
export const powScalar = (x: Tensor, p: number): Tensor => unaryOp('pow', 'powScalar', x, p);
/** x * scale + shift. */
export const affine = (x: Tensor, scale: number, shift = 0): Tensor => unaryOp('affine', 'affine', x, scale, shift);
export const mulScalar = (x: Tensor, s: number): Tensor => unaryOp('affine', 'mulScalar', x, s, 0);
export const addScalar = (x: Tensor, s: number): Tensor => unaryOp('affine', 'addScalar', x, 1, s);
/** Clamps to [lo, hi]; the gradient passes where lo <= x <= hi. */
export function clamp(x: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new ShapeError('clamp', `lo (${lo}) must be <= hi (${hi})`);
  return unaryOp('clamp', 'clamp', x, lo, hi);
}
/** 1 where x > 0, else 0 (no gradient). */
export const step = (x: Tensor): Tensor => unaryOp('step', 'step', x);
export const sign = (x: Tensor): Tensor => unaryOp('sign', 'sign', x);

/** a ** b elementwise with broadcasting (a > 0 where b is differentiated). */
export function pow(a: Tensor, b: Tensor): Tensor {
  const out = rawBinary('pow', a, b, 'pow');
  record(out, [a, b], (dy) => [
    needsGrad(a) ? sumTo(mul(dy, mul(b, rawBinary('pow', a, addScalar(b, -1), 'pow'))), a.shape) : null,
    needsGrad(b) ? sumTo(mul(dy, mul(out, log(a))), b.shape) : null,
  ]);
  return out;
}

/** cond ? a : b (all the same shape; cond is a 0/1 mask without gradient). */
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  for (const [n, t] of [['cond', cond], ['a', a], ['b', b]] as const) {
    expectF32('where', n, t);
    if (t.size !== a.size || t.rank !== a.rank) throw new ShapeError('where', `cond, a and b must have one shape, got ${fmt(cond.shape)}, ${fmt(a.shape)}, ${fmt(b.shape)}`);
  }
  const out = emptyTensor(a.shape);
  getBackend().select(cond.storage, a.storage, b.storage, out.storage, a.size);
  record(out, [a, b], (dy) => {
    const z = full(a.shape, 0);
    return [where(cond, dy, z), where(cond, z, dy)];
  });
  return out;
}


