// Reductions (sum, mean, max, min over axes), argmax, and sumTo (the adjoint of broadcasting).
import type { ReduceOp } from '../backend/backend.js';
import { composite, getBackend, record } from '../tensor/engine.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { expectF32, normAxis, ShapeError, fmt } from './checks.js';
import { equal, mul, mulScalar, div } from './elementwise.js';
import { broadcastTo, reshape } from './shape.js';

function normAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = [...new Set(list.map((a) => normAxis(op, a, rank)))].sort((a, b) => a - b);
  return out;
}

/** One reduction over one axis, keeping it as size 1. */
function reduceAxis(op: ReduceOp, x: Tensor, axis: number): Tensor {
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const r = x.shape[axis]!;
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const shape = x.shape.map((s, i) => (i === axis ? 1 : s));
  const out = emptyTensor(shape);
  getBackend().reduce(op, x.storage, out.storage, outer, r, inner);
  return out;
}

function reduceRaw(op: ReduceOp, x: Tensor, axes: number[]): Tensor {
  let cur = x;
  // Reduce the largest axes first; intermediates are freed here (no tape inside).
  for (const a of [...axes].reverse()) {
    if (cur.shape[a] === 1) continue;
    const next = reduceAxis(op, cur, a);
    if (cur !== x) cur.dispose();
    cur = next;
  }
  if (cur === x) {
    const copy = emptyTensor(x.shape);
    getBackend().copy(x.storage, 0, copy.storage, 0, x.size);
    cur = copy;
  }
  return cur;
}

function finish(kept: Tensor, x: Tensor, axes: number[], keepDims: boolean): Tensor {
  if (keepDims) return kept;
  const shape = x.shape.filter((_, i) => !axes.includes(i));
  const out = reshape(kept, shape);
  return out;
}

export interface ReduceOptions {
  keepDims?: boolean;
}

export function sum(x: Tensor, axes?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  expectF32('sum', 'x', x);
  const ax = normAxes('sum', axes, x.rank);
  return composite(() => {
    const kept = reduceRaw('sum', x, ax);
    record(kept, [x], (dy) => [broadcastTo(dy, x.shape)]);
    return finish(kept, x, ax, opts.keepDims ?? false);
  });
}

export function mean(x: Tensor, axes?: number | readonly number[], opts: ReduceOptions = {}): Tensor {
  expectF32('mean', 'x', x);
  const ax = normAxes('mean', axes, x.rank);
  const count = ax.reduce((a, i) => a * x.shape[i]!, 1);
  return composite(() => mulScalar(sum(x, ax, { keepDims: opts.keepDims ?? false }), 1 / count));
}

function extremum(op: 'max' | 'min', x: Tensor, axes: number | readonly number[] | undefined, opts: ReduceOptions): Tensor {
  expectF32(op, 'x', x);
  const ax = normAxes(op, axes, x.rank);
  return composite(() => extremumBody(op, x, ax, opts));
}

function extremumBody(op: 'max' | 'min', x: Tensor, ax: number[], opts: ReduceOptions): Tensor {
  const kept = reduceRaw(op, x, ax);
  record(kept, [x], (dy) => {
    // Ties share the gradient equally.
    const mask = equal(x, kept);
    const count = sum(mask, ax, { keepDims: true });
    return [mul(mask, div(dy, count))];
  });
  return finish(kept, x, ax, opts.keepDims ?? false);
}

export const max = (x: Tensor, axes?: number | readonly number[], opts: ReduceOptions = {}): Tensor => extremum('max', x, axes, opts);
export const min = (x: Tensor, axes?: number | readonly number[], opts: ReduceOptions = {}): Tensor => extremum('min', x, axes, opts);

/** Index of the first maximum along the last axis, as i32. */
export function argmax(x: Tensor): Tensor {
  expectF32('argmax', 'x', x);
  if (x.rank < 1) throw new ShapeError('argmax', `x must have rank >= 1, got ${fmt(x.shape)}`);
  const cols = x.shape[x.rank - 1]!;
  const out = emptyTensor(x.shape.slice(0, -1), 'i32');
  getBackend().argmax(x.storage, out.storage, x.size / cols, cols);
  return out;
}

/** Sums `x` down to `shape` (the adjoint of broadcasting `shape` up to x's shape). */
export function sumTo(x: Tensor, shape: readonly number[]): Tensor {
  if (x.rank === shape.length && x.shape.every((s, i) => s === shape[i])) return x;
  const pad = x.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < x.rank; i++) {
    if (i < pad || (shape[i - pad] === 1 && x.shape[i] !== 1)) axes.push(i);
  }
  return composite(() => reshape(sum(x, axes, { keepDims: true }), shape));
}
