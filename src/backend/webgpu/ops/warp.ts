// Spatial transformer op family: warp, warpBackward, warpNearest.
import type { DType, Storage } from '../../backend.js';
import { fb, type GpuRuntime } from '../runtime.js';

export const PROGRAMS: string[] = ['warp', 'warp_backward_flow', 'warp_backward_image', 'warp_radius', 'warp_nearest'];

export function warp(rt: GpuRuntime, x: Storage, flow: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number): void {
  // The image is sampled anywhere: bound whole as up to four windows; field and output per chunk.
  const xw = rt.windows('warp', x, 4);
  for (const [v0, vc] of rt.voxelChunks(n * d * h * w, Math.max(3, c))) {
    const [fb0, f0] = rt.span('warp', flow, 3 * v0, 3 * (v0 + vc));
    const [yb, y0] = rt.span('warp', y, c * v0, c * (v0 + vc));
    rt.threads('warp', {}, [c * v0, c * vc, f0, y0, n, d, h, w, c, rt.chunk, 0], [...xw, fb0, yb], c * vc);
  }
}

export function warpBackward(rt: GpuRuntime, x: Storage, flow: Storage, dy: Storage, dx: Storage | null, dflow: Storage, n: number, d: number, h: number, w: number, c: number): void {
  const voxels = n * d * h * w;
  const shape = [n, d, h, w, c];
  const xw = rt.windows('warpBackward', x, 4);
  const chunks = rt.voxelChunks(voxels, Math.max(3, c));
  const rad = rt.alloc(16);
  const radB = rt.whole('warpBackward', rad);
  for (const [i, [v0, vc]] of chunks.entries()) {
    const [fb0, f0] = rt.span('warpBackward', flow, 3 * v0, 3 * (v0 + vc));
    const [gb, g0] = rt.span('warpBackward', dy, c * v0, c * (v0 + vc));
    const [db, d0] = rt.span('warpBackward', dflow, 3 * v0, 3 * (v0 + vc));
    rt.threads('warp_backward_flow', {}, [v0, vc, f0, g0, ...shape, rt.chunk, d0], [...xw, fb0, gb, db], vc);
    rt.launch('warp_radius', {}, [v0, vc, f0, i > 0 ? 1 : 0, ...shape], [fb0, radB], 1);
  }
  // dx gathers from field and dy anywhere within the radius: both bound whole (up to three windows).
  const fw = rt.windows('warpBackward', flow, 3), gw = rt.windows('warpBackward', dy, 3);
  for (const [v0, vc] of chunks) {
    if (!dx) break;
    const [xb, x0] = rt.span('warpBackward', dx, c * v0, c * (v0 + vc));
    rt.threads('warp_backward_image', {}, [c * v0, c * vc, x0, 0, ...shape, rt.chunk], [...fw, ...gw, radB, xb], c * vc);
  }
  rt.free(rad);
}

export function warpNearest(rt: GpuRuntime, x: Storage, flow: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number, dtype: DType, outside: number): void {
  const bits = dtype === 'f32' ? fb(outside) : outside | 0;
  const xw = rt.windows('warpNearest', x, 4);
  for (const [v0, vc] of rt.voxelChunks(n * d * h * w, Math.max(3, c))) {
    const [fb0, f0] = rt.span('warpNearest', flow, 3 * v0, 3 * (v0 + vc));
    const [yb, y0] = rt.span('warpNearest', y, c * v0, c * (v0 + vc));
    rt.threads('warp_nearest', {}, [c * v0, c * vc, bits, f0, n, d, h, w, c, rt.chunk, y0], [...xw, fb0, yb], c * vc);
  }
}
