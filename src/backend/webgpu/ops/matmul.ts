// Matrix multiplication (batched, transposes through strides).
import type { Storage } from '../../backend.js';
import type { GpuRuntime } from '../runtime.js';

export const PROGRAMS: string[] = ['matmul', 'matmul_tiled'];

export function matmul(rt: GpuRuntime, a: Storage, b: Storage, out: Storage, batch: number, m: number, k: number, n: number,
  transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number, tiled: boolean): void {
  const total = batch * m * n;
  const strides = [m, k, n, transA ? 1 : k, transA ? m : 1, aBatchStride, transB ? 1 : n, transB ? k : 1, bBatchStride];
  const binds = [rt.whole('matmul', a), rt.whole('matmul', b), rt.whole('matmul', out)];
  if (tiled) {
    const rb = Math.ceil(m / 16), cb = Math.ceil(n / 16), groups = batch * rb * cb;
    rt.launch('matmul_tiled', {}, [0, groups, ...strides, rb, cb], binds, groups);
  } else {
    rt.threads('matmul', {}, [0, total, ...strides], binds, total);
  }
}
