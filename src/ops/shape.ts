// Shape ops: reshape (a view), broadcastTo, transpose, slice, pad, concat, gather, oneHot.
import { getBackend, record } from '../tensor/engine.js';
import { emptyTensor, sizeOf, Tensor, viewTensor } from '../tensor/tensor.js';
import { expectI32, fmt, live, normAxis, ShapeError, stridesOf } from './checks.js';
import { sum } from './reduce.js';

/** Same values under another shape; one dimension may be -1. Shares storage. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  live('reshape', x);
  const known = shape.filter((s) => s !== -1).reduce((a, b) => a * b, 1);
  const free = shape.filter((s) => s === -1).length;
  if (free > 1) throw new ShapeError('reshape', `at most one -1 allowed, got ${fmt(shape)}`);
  const resolved = shape.map((s) => (s === -1 ? x.size / known : s));
  if (resolved.some((s) => !Number.isInteger(s) || s < 1) || sizeOf(resolved) !== x.size) {
    throw new ShapeError('reshape', `cannot reshape ${fmt(x.shape)} (${x.size} elements) to ${fmt(shape)}`);
  }
  const out = viewTensor(x, resolved);
  record(out, [x], (dy) => [reshape(dy, x.shape)]);
  return out;
}

/** Materialises broadcasting to `shape` (NumPy rules). */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  live('broadcastTo', x);
  const pad = shape.length - x.rank;
  if (pad < 0 || x.shape.some((s, i) => s !== 1 && s !== shape[i + pad])) {
    throw new ShapeError('broadcastTo', `cannot broadcast ${fmt(x.shape)} to ${fmt(shape)}`);
  }
  const st = stridesOf(x.shape);
  const xs = shape.map((_, i) => (i < pad || x.shape[i - pad] === 1 ? 0 : st[i - pad]!));
  const out = emptyTensor(shape);
  // A strided copy is a broadcasting multiply by one: exact, and no extra kernel.
  const one = emptyTensor([1]);
  getBackend().fill(one.storage, 1, 1, 'f32');
  getBackend().binary('mul', x.storage, xs, one.storage, shape.map(() => 0), out.storage, shape);
  one.dispose();
  record(out, [x], (dy) => {
    const axes: number[] = [];
    for (let i = 0; i < shape.length; i++) if (i < pad || (x.shape[i - pad] === 1 && shape[i] !== 1)) axes.push(i);
    return [reshape(sum(dy, axes, { keepDims: true }), x.shape)];
  });
  return out;
}

export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  live('transpose', x);
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) {
    throw new ShapeError('transpose', `perm ${fmt(p)} is not a permutation of 0..${x.rank - 1} (x ${fmt(x.shape)})`);
  }
  if (x.rank > 6) throw new ShapeError('transpose', `rank ${x.rank} > 6 is not supported`);
  const out = emptyTensor(p.map((i) => x.shape[i]!), x.dtype);
  getBackend().permute(x.storage, out.storage, x.shape, p, x.dtype);
  const inv = new Array<number>(p.length);
  p.forEach((v, i) => { inv[v] = i; });
  record(out, [x], (dy) => [transpose(dy, inv)]);
  return out;
}

/** x[begin : begin + size]; a size of -1 runs to the end of the axis. */
export function slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  live('slice', x);
  if (begin.length !== x.rank || size.length !== x.rank) {
    throw new ShapeError('slice', `begin ${fmt(begin)} and size ${fmt(size)} must have x's rank ${x.rank} (x ${fmt(x.shape)})`);
  }
  const sz = size.map((s, i) => (s === -1 ? x.shape[i]! - begin[i]! : s));
  for (let i = 0; i < x.rank; i++) {
    if (begin[i]! < 0 || sz[i]! < 1 || begin[i]! + sz[i]! > x.shape[i]!) {
      throw new ShapeError('slice', `window begin ${fmt(begin)} size ${fmt(size)} does not fit in ${fmt(x.shape)} (axis ${i})`);
    }
  }
  const out = emptyTensor(sz, x.dtype);
  getBackend().slice(x.storage, x.shape, begin, out.storage, sz, x.dtype);
  record(out, [x], (dy) => {
    const dx = emptyTensor(x.shape);
    getBackend().fill(dx.storage, dx.size, 0, 'f32');
    getBackend().paste(dy.storage, sz, dx.storage, x.shape, begin, false, 'f32');
    return [dx];
  });
  return out;
}

/** Zero padding: `pads[i] = [before, after]` per axis. */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[]): Tensor {
  live('pad', x);
  if (pads.length !== x.rank || pads.some(([a, b]) => a < 0 || b < 0 || !Number.isInteger(a) || !Number.isInteger(b))) {
    throw new ShapeError('pad', `pads must give [before, after] >= 0 for each of the ${x.rank} axes of ${fmt(x.shape)}`);
  }
  const shape = x.shape.map((s, i) => s + pads[i]![0] + pads[i]![1]);
  const begin = pads.map((p) => p[0]);
  const out = emptyTensor(shape, x.dtype);
  getBackend().fill(out.storage, out.size, 0, x.dtype);
  getBackend().paste(x.storage, x.shape, out.storage, shape, begin, false, x.dtype);
  record(out, [x], (dy) => [slice(dy, begin, x.shape)]);
  return out;
}

/** Concatenates along `axis` (default: the last, channels). */
export function concat(xs: readonly Tensor[], axis = -1): Tensor {
  if (xs.length === 0) throw new ShapeError('concat', 'needs at least one tensor');
  live('concat', ...xs);
  const first = xs[0]!;
  const ax = normAxis('concat', axis, first.rank);
  for (const t of xs) {
    if (t.rank !== first.rank || t.dtype !== first.dtype || t.shape.some((s, i) => i !== ax && s !== first.shape[i])) {
      throw new ShapeError('concat', `all inputs must match except on axis ${ax}: got ${xs.map((q) => `${fmt(q.shape)} ${q.dtype}`).join(', ')}`);
    }
  }
  const shape = first.shape.map((s, i) => (i === ax ? xs.reduce((a, t) => a + t.shape[ax]!, 0) : s));
  const out = emptyTensor(shape, first.dtype);
  let at = 0;
  const begins: number[][] = [];
  for (const t of xs) {
    const begin = shape.map((_, i) => (i === ax ? at : 0));
    begins.push(begin);
    getBackend().paste(t.storage, t.shape, out.storage, shape, begin, false, t.dtype);
    at += t.shape[ax]!;
  }
  record(out, xs, (dy) => xs.map((t, k) => slice(dy, begins[k]!, t.shape)));
  return out;
}

/** Gathers entries along `axis` at integer `indices` (i32, rank 1). */
export function gather(x: Tensor, indices: Tensor, axis = 0): Tensor {
  live('gather', x);
  expectI32('gather', 'indices', indices);
  if (indices.rank !== 1) throw new ShapeError('gather', `indices must have rank 1, got ${fmt(indices.shape)}`);
  const ax = normAxis('gather', axis, x.rank);
  const axisLen = x.shape[ax]!;
  if (getBackend().readSync) {
    // Bounds are checked where the indices are host-visible; elsewhere they are the caller's contract.
    const idx = indices.dataSync();
    for (const i of idx) if (i < 0 || i >= axisLen) throw new ShapeError('gather', `index ${i} is out of range [0, ${axisLen}) on axis ${ax} of ${fmt(x.shape)}`);
  }
  const outer = x.shape.slice(0, ax).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const shape = x.shape.map((s, i) => (i === ax ? indices.size : s));
  const out = emptyTensor(shape, x.dtype);
  getBackend().gather(x.storage, indices.storage, out.storage, outer, axisLen, inner, indices.size, x.dtype);
  record(out, [x], (dy) => {
    const dx = emptyTensor(x.shape);
    getBackend().fill(dx.storage, dx.size, 0, 'f32');
    getBackend().scatterAddAcc(dy.storage, indices.storage, dx.storage, outer, axisLen, inner, indices.size);
    return [dx];
  });
  return out;
}

/** One-hot f32 [..., depth] from integer labels (no gradient). Labels outside [0, depth) give all-off rows. */
export function oneHot(labels: Tensor, depth: number, on = 1, off = 0): Tensor {
  expectI32('oneHot', 'labels', labels);
  if (!Number.isInteger(depth) || depth < 1) throw new ShapeError('oneHot', `depth must be a positive integer, got ${depth}`);
  const out = emptyTensor([...labels.shape, depth]);
  getBackend().oneHot(labels.storage, out.storage, labels.size, depth, on, off);
  return out;
}

/** i32 -> f32 or f32 -> i32 (rounding to nearest); no gradient. */
export function cast(x: Tensor, dtype: 'f32' | 'i32'): Tensor {
  live('cast', x);
  const out = emptyTensor(x.shape, dtype);
  if (x.dtype === dtype) getBackend().copy(x.storage, 0, out.storage, 0, x.size);
  else if (dtype === 'f32') getBackend().castI32ToF32(x.storage, out.storage, x.size);
  else getBackend().castF32ToI32(x.storage, out.storage, x.size);
  return out;
}
