// Matrix multiplication (batched; transposes through strides) on the tiled GEMM core
// (shaders/matmul_gemm.wgsl + gemm_core.wgsl); batch b is the core's slice. With tiledMatmul: false,
// one thread per output (shaders/matmul.wgsl), kept as the simple reference path.
// wasm kernel: assembly/matmul.ts; tests: test/linalg-loss.test.ts, test/webgpu.test.ts.
import type { Storage } from '../../backend.js';
import type { GpuRuntime } from '../runtime.js';
import { gemmGrid, gemmProgram } from './gemm.js';

export const PROGRAMS: string[] = ['matmul_gemm+gemm_core', 'matmul_gemm+gemm_direct', 'matmul'];

export function matmul(rt: GpuRuntime, a: Storage, b: Storage, out: Storage, batch: number, m: number, k: number, n: number,
  transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number, tiled: boolean): void {
  const aRow = transA ? 1 : k, aCol = transA ? m : 1, bRow = transB ? 1 : n, bCol = transB ? k : 1;
  const binds = [rt.whole('matmul', a), rt.whole('matmul', b), rt.whole('matmul', out)];
  if (!tiled) {
    const total = batch * m * n;
    rt.threads('matmul', {}, { t0: 0, n: total, m, k, ncols: n, aRow, aCol, aBatch: aBatchStride, bRow, bCol, bBatch: bBatchStride }, binds, total);
    return;
  }
  const grid = gemmGrid(m, n, batch, rt.gemmCore);
  const A4 = aCol === 1 && aRow % 4 === 0 && aBatchStride % 4 === 0 && k % 4 === 0;
  const B4 = bCol === 1 && bRow % 4 === 0 && bBatchStride % 4 === 0 && n % 4 === 0;
  rt.launch(gemmProgram('matmul_gemm', rt.gemmCore), { TM: grid.TM, TN: grid.TN }, {
    groups: grid.groups, tilesM: grid.tilesM, tilesN: grid.tilesN, M: m, N: n, K: k,
    aRow, aCol, aBatch: aBatchStride, bRow, bCol, bBatch: bBatchStride, a4: A4 ? 1 : 0, b4: B4 ? 1 : 0, c4: n % 4 === 0 ? 1 : 0,
  }, binds, grid.groups);
}
