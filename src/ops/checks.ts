// Validation at the op boundary: every error names the op, what it received and what it expected.
import type { Tensor } from '../tensor/tensor.js';

export class ShapeError extends Error {
  constructor(op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = 'ShapeError';
  }
}

export const fmt = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

export function live(op: string, ...ts: Tensor[]): void {
  for (const t of ts) t.assertLive(op);
}

export function expectF32(op: string, what: string, t: Tensor): void {
  t.assertLive(op);
  if (t.dtype !== 'f32') throw new ShapeError(op, `${what} must be f32, got ${t.dtype} ${fmt(t.shape)}`);
}

export function expectI32(op: string, what: string, t: Tensor): void {
  t.assertLive(op);
  if (t.dtype !== 'i32') throw new ShapeError(op, `${what} must be i32 (integer labels/indices), got ${t.dtype} ${fmt(t.shape)}`);
}

export function expectRank(op: string, what: string, t: Tensor, rank: number, layout?: string): void {
  if (t.rank !== rank) {
    throw new ShapeError(op, `${what} must have rank ${rank}${layout ? ` (${layout})` : ''}, got ${fmt(t.shape)}`);
  }
}

export function expectSameShape(op: string, a: Tensor, b: Tensor, what = 'inputs'): void {
  if (a.rank !== b.rank || a.shape.some((s, i) => s !== b.shape[i])) {
    throw new ShapeError(op, `${what} must have the same shape, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
}

export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ShapeError(op, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export { stridesOf } from '../tensor/tensor.js';
