// Test harness shared by every suite: seeded host data, allclose, and gradient checks of the
// backend's autograd against central finite differences of the float64 reference.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { tensor, valueAndGrads, tidy, type Tensor, setBackend, getBackend } from '../src/index.js';
import type { BackendName } from '../src/index.js';

/** Backends every parity suite runs on (BLENDWARP_TEST_BACKENDS=wasm,webgpu). */
export function backendsUnderTest(): BackendName[] {
  const env = process.env.BLENDWARP_TEST_BACKENDS;
  return (env ? env.split(',') : ['wasm']) as BackendName[];
}

export async function useBackend(name: BackendName): Promise<void> {
  if (!hasBackend(name)) await setBackend(name);
}

function hasBackend(name: BackendName): boolean {
  try { return getBackend().name === name; } catch { return false; }
}

/** Mulberry32: a tiny seeded host generator for test data (independent of the kernels' PCG32). */
export function hostRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randData(shape: readonly number[], seed: number, lo = -1, hi = 1): Float64Array {
  const r = hostRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * r());
}

export function randInts(n: number, hi: number, seed: number): Int32Array {
  const r = hostRng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(r() * hi));
}

export function t(data: Float64Array | number[], shape: readonly number[]): Tensor {
  return tensor(Float32Array.from(data), shape);
}

/** |a - e| <= atol + rtol |e| elementwise, with a message naming the first offender. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 1e-5, rtol = 1e-4, what = 'values'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1, worstErr = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    const err = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(err <= 0) && (worst < 0 || !(err <= worstErr))) { worst = i; worstErr = err; }
  }
  if (worst >= 0) {
    expect.fail(`${what}: index ${worst}: got ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}

export interface GradInput { data: Float64Array; shape: readonly number[]; }

/**
 * Checks the backend's value and autograd gradients of a scalar function against the float64
 * reference: the value directly, the gradients by central differences of the reference.
 * `coords` caps how many coordinates per input are probed (spread evenly).
 */
export async function checkGrad(
  f: (xs: Tensor[]) => Tensor,
  ref: (xs: Float64Array[]) => number,
  inputs: GradInput[],
  opts: { eps?: number; atol?: number; rtol?: number; coords?: number; valueTol?: number } = {},
): Promise<void> {
  const eps = opts.eps ?? 1e-4, atol = opts.atol ?? 2e-4, rtol = opts.rtol ?? 2e-3, coords = opts.coords ?? 40;
  const xs = inputs.map((i) => t(i.data, i.shape));
  const { value, grads } = valueAndGrads(() => f(xs), xs);
  // Reads are asynchronous on WebGPU: the check awaits them on every backend.
  const v = (await value.data())[0]!;
  const base = inputs.map((i) => Float64Array.from(i.data));
  const refValue = ref(base);
  expect(Math.abs(v - refValue), `value: got ${v}, reference ${refValue}`).toBeLessThanOrEqual((opts.valueTol ?? 1e-4) * (1 + Math.abs(refValue)));
  for (const [k, inp] of inputs.entries()) {
    const g = await grads[k]!.data();
    const n = inp.data.length;
    const stepK = Math.max(1, Math.floor(n / coords));
    for (let i = 0; i < n; i += stepK) {
      const plus = base.map((b) => Float64Array.from(b));
      const minus = base.map((b) => Float64Array.from(b));
      plus[k]![i] += eps;
      minus[k]![i] -= eps;
      const fd = (ref(plus) - ref(minus)) / (2 * eps);
      const err = Math.abs(g[i]! - fd);
      if (!(err <= atol + rtol * Math.abs(fd))) {
        expect.fail(`gradient of input ${k} at ${i}: autograd ${g[i]}, finite difference ${fd}`);
      }
    }
  }
  tidy(() => { value.dispose(); for (const g of grads) g.dispose(); for (const x of xs) x.dispose(); });
}

/** sum(y * r) for a fixed random r: turns any op into a scalar with a generic gradient. */
export function weightedSumRef(y: Float64Array, r: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i]! * r[i]!;
  return s;
}

/**
 * Path of a file or folder under ../shared/data, or null when it is absent (a user's fresh clone:
 * the caller skips with this message). Under CI=true a missing path is an error, not a skip.
 */
export function sharedData(relative: string): string | null {
  const path = join(import.meta.dirname, '..', '..', 'shared', 'data', relative);
  if (existsSync(path)) return path;
  if (process.env.CI === 'true') throw new Error(`CI=true but the shared data ${path} is missing: these tests must run in CI`);
  console.warn(`skipping: ${path} is absent (the real-data tests need ../shared/data beside the project)`);
  return null;
}
