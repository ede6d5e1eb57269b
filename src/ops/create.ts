// Creating tensors: from data, constants, seeded random values.
import { getBackend } from '../tensor/engine.js';
import { emptyTensor, sizeOf, Tensor, type DType, type Shape } from '../tensor/tensor.js';
import { fmt, ShapeError } from './checks.js';

function checkShape(op: string, shape: Shape): void {
  if (shape.length > 6) throw new ShapeError(op, `rank ${shape.length} > 6 is not supported, got ${fmt(shape)}`);
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 1) throw new ShapeError(op, `every dimension must be a positive integer, got ${fmt(shape)}`);
  }
}

/** A tensor from values; `data` may be a typed array or nested number arrays flattened by the caller. */
export function tensor(data: ArrayLike<number>, shape?: Shape, dtype?: DType): Tensor {
  const dt: DType = dtype ?? (data instanceof Int32Array ? 'i32' : 'f32');
  const sh = shape ?? [data.length];
  checkShape('tensor', sh);
  if (sizeOf(sh) !== data.length) {
    throw new ShapeError('tensor', `${data.length} values do not fill shape ${fmt(sh)} (${sizeOf(sh)} elements)`);
  }
  const t = emptyTensor(sh, dt);
  const arr = dt === 'f32'
    ? (data instanceof Float32Array ? data : Float32Array.from(data))
    : (data instanceof Int32Array ? data : Int32Array.from(data));
  getBackend().write(t.storage, arr);
  return t;
}

export function scalar(value: number): Tensor {
  return tensor([value], []);
}

export function full(shape: Shape, value: number, dtype: DType = 'f32'): Tensor {
  checkShape('full', shape);
  const t = emptyTensor(shape, dtype);
  getBackend().fill(t.storage, t.size, value, dtype);
  return t;
}

export const zeros = (shape: Shape, dtype: DType = 'f32'): Tensor => full(shape, 0, dtype);
export const ones = (shape: Shape, dtype: DType = 'f32'): Tensor => full(shape, 1, dtype);
export const zerosLike = (t: Tensor): Tensor => full(t.shape, 0, t.dtype);
export const onesLike = (t: Tensor): Tensor => full(t.shape, 1, t.dtype);

/**
 * A seeded source of random streams. Each draw uses the next PCG32 stream of the seed, so a program
 * that makes the same calls in the same order gets the same numbers.
 */
export class Rng {
  private stream = 0;
  constructor(readonly seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`Rng: seed must be an integer, got ${seed}`);
  }
  nextStream(): number {
    return this.stream++;
  }
  /** A uniform draw in [0, 1) on the host, for shuffles and sampling (not a kernel). */
  uniform(): number {
    // SplitMix32-style hash of (seed, counter): cheap, seeded, independent of the kernel streams.
    let z = (this.seed * 0x9e3779b9 + 0x7f4a7c15 * (++this.hostCounter)) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  }
  private hostCounter = 0;
  /** Fisher-Yates permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const t = p[i]!; p[i] = p[j]!; p[j] = t;
    }
    return p;
  }
}

/**
 * The generator for step `step` of stage `stage` of a run seeded `seed`: a pure function of the three,
 * so a run resumed at any step draws exactly what an uninterrupted run draws there.
 */
export function stepRng(seed: number, stage: string, step: number): Rng {
  if (!Number.isInteger(step) || step < 0) throw new Error(`stepRng: step must be a non-negative integer, got ${step}`);
  let h = 0x811c9dc5; // FNV-1a of the stage name
  for (let i = 0; i < stage.length; i++) h = Math.imul(h ^ stage.charCodeAt(i), 0x01000193) >>> 0;
  const mix = (a: number, b: number) => {
    let z = (Math.imul(a ^ (a >>> 16), 0x85ebca6b) + Math.imul(b | 0, 0x9e3779b1)) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  return new Rng(mix(mix(mix(seed >>> 0, h), step >>> 0), Math.floor(step / 2 ** 32)) >>> 1);
}

export function randomUniform(shape: Shape, rng: Rng, lo = 0, hi = 1): Tensor {
  checkShape('randomUniform', shape);
  const t = emptyTensor(shape);
  getBackend().randomUniform(t.storage, t.size, rng.seed, rng.nextStream(), lo, hi);
  return t;
}

export function randomNormal(shape: Shape, rng: Rng, mean = 0, std = 1): Tensor {
  checkShape('randomNormal', shape);
  const t = emptyTensor(shape);
  getBackend().randomNormal(t.storage, t.size, rng.seed, rng.nextStream(), mean, std);
  return t;
}
