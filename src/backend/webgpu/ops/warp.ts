// Spatial transformer op family: warp, warpBackward, warpNearest. Shaders: warp, warp_backward_flow
// (the field's gradient, a gather), warp_grad_scale / warp_grad_scatter / warp_grad_convert (the image's
// gradient: a bounded deterministic fixed-point scatter, skipped when the image needs no gradient),
// warp_nearest. wasm kernels: assembly/warp.ts; tests: test/warp.test.ts, test/webgpu.test.ts.
import type { DType, Storage } from '../../backend.js';
import { fb, type GpuRuntime } from '../runtime.js';
import { fill } from './elementwise.js';

export const PROGRAMS: string[] = ['warp', 'warp_backward_flow', 'warp_grad_scale', 'warp_grad_scatter', 'warp_grad_convert', 'warp_nearest'];

export function warp(rt: GpuRuntime, x: Storage, flow: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number): void {
  // The image is sampled anywhere: bound whole as up to four windows; field and output per chunk.
  const xw = rt.windows('warp', x, 4);
  for (const [v0, vc] of rt.voxelChunks(n * d * h * w, Math.max(3, c))) {
    const [fb0, f0] = rt.span('warp', flow, 3 * v0, 3 * (v0 + vc));
    const [yb, y0] = rt.span('warp', y, c * v0, c * (v0 + vc));
    rt.threads('warp', {}, { t0: c * v0, n: c * vc, flowBase: f0, yBase: y0, batches: n, d, h, w, c, W: rt.chunk, xBase: 0 }, [...xw, fb0, yb], c * vc);
  }
}

export function warpBackward(rt: GpuRuntime, x: Storage, flow: Storage, dy: Storage, dx: Storage | null, dflow: Storage, n: number, d: number, h: number, w: number, c: number): void {
  const voxels = n * d * h * w;
  const shape = [n, d, h, w, c];
  const xw = rt.windows('warpBackward', x, 4);
  const chunks = rt.voxelChunks(voxels, Math.max(3, c));
  // dflow: a gather per voxel (its own sample's 8 corners), no atomics
  for (const [v0, vc] of chunks) {
    const [fb0, f0] = rt.span('warpBackward', flow, 3 * v0, 3 * (v0 + vc));
    const [gb, g0] = rt.span('warpBackward', dy, c * v0, c * (v0 + vc));
    const [db, d0] = rt.span('warpBackward', dflow, 3 * v0, 3 * (v0 + vc));
    rt.threads('warp_backward_flow', {}, { t0: v0, n: vc, flowBase: f0, dyBase: g0, batches: n, d, h, w, c, W: rt.chunk, dflowBase: d0 }, [...xw, fb0, gb, db], vc);
  }
  if (dx) imageGradient(rt, flow, dy, dx, n, d, h, w, c, chunks);
}

/**
 * dx = the adjoint of trilinear sampling applied to dy, as a deterministic fixed-point scatter
 * (shaders/warp_grad_scale, warp_grad_scatter, warp_grad_convert; the bounds are in warp_common.wgsl
 * fixedShift and docs/webgpu-kernels.md).
 */
function imageGradient(rt: GpuRuntime, flow: Storage, dy: Storage, dx: Storage, n: number, d: number, h: number, w: number, c: number, chunks: [number, number][]): void {
  const total = n * d * h * w * c;
  const vBits = Math.max(0, Math.ceil(Math.log2(d * h * w)));
  const scale = rt.alloc(16);
  const acc = rt.alloc(8 * total);
  const spare = rt.alloc(1024);
  try {
    const sb = rt.whole('warpBackward', scale);
    fill(rt, scale, 4, 0, 'i32');
    for (let t0 = 0; t0 < total; t0 += rt.chunk) {
      const cnt = Math.min(rt.chunk, total - t0);
      rt.launch('warp_grad_scale', {}, { n: cnt }, [rt.win(dy, t0, cnt), sb], Math.ceil(cnt / 1024));
    }
    fill(rt, acc, 2 * total, 0, 'i32');
    // unused window slots get disjoint 256-byte slots of a spare buffer: writable bindings may not alias
    const used = Math.ceil((2 * total) / rt.chunk);
    const aw = rt.windows('warpBackward', acc, 4).map((b, i) => (i < used ? b : rt.win(spare, 64 * i, 4)));
    for (const [v0, vc] of chunks) {
      const [fb0, f0] = rt.span('warpBackward', flow, 3 * v0, 3 * (v0 + vc));
      const [gb, g0] = rt.span('warpBackward', dy, c * v0, c * (v0 + vc));
      rt.threads('warp_grad_scatter', {}, { t0: v0, n: vc, flowBase: f0, dyBase: g0, d, h, w, c, W: rt.chunk, vBits }, [fb0, gb, sb, ...aw], vc);
    }
    const step = Math.floor(rt.chunk / 2 / 64) * 64;
    for (let e0 = 0; e0 < total; e0 += step) {
      const cnt = Math.min(step, total - e0);
      const [ab, a0] = rt.span('warpBackward', acc, 2 * e0, 2 * (e0 + cnt));
      const [xb, x0] = rt.span('warpBackward', dx, e0, e0 + cnt);
      rt.threads('warp_grad_convert', {}, { n: cnt, accBase: a0, dxBase: x0, e0, vBits }, [ab, sb, xb], cnt);
    }
  } finally {
    rt.free(acc);
    rt.free(spare);
    rt.free(scale);
  }
}

export function warpNearest(rt: GpuRuntime, x: Storage, flow: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number, dtype: DType, outside: number): void {
  const bits = dtype === 'f32' ? fb(outside) : outside | 0;
  const xw = rt.windows('warpNearest', x, 4);
  for (const [v0, vc] of rt.voxelChunks(n * d * h * w, Math.max(3, c))) {
    const [fb0, f0] = rt.span('warpNearest', flow, 3 * v0, 3 * (v0 + vc));
    const [yb, y0] = rt.span('warpNearest', y, c * v0, c * (v0 + vc));
    rt.threads('warp_nearest', {}, { t0: c * v0, n: c * vc, outside: bits, flowBase: f0, batches: n, d, h, w, c, W: rt.chunk, yBase: y0 }, [...xw, fb0, yb], c * vc);
  }
}
