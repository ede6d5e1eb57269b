// Box sums (the local sums of NCC): separable passes along W, H, D by compensated running sums
// (shaders/box_pass.wgsl), so the cost per element does not grow with the radius. wasm kernel:
// assembly/warp.ts boxSum; tests: test/warp.test.ts (reference), test/webgpu.test.ts (chunks, big radii).
import type { Storage } from '../../backend.js';
import type { GpuRuntime } from '../runtime.js';
import { copy } from './elementwise.js';

export const PROGRAMS: string[] = ['box_pass'];

/** Segment length of one thread's running sum: long enough that the first window (2r + 1 loads) is paid once per >= 2r + 1 outputs. */
function segment(len: number, r: number): number {
  return Math.min(len, Math.max(32, 2 * r + 1));
}

export function boxSum(rt: GpuRuntime, x: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number, rd: number, rh: number, rw: number): void {
  const total = n * d * h * w * c;
  const plane = h * w * c;
  // Each pass: [len, inner, r, halo, rows per plane] with the window along len. Passes along W and H stay
  // inside a depth plane (lines are rows of planes); the pass along D reads rd planes either side.
  const passes: { len: number; inner: number; r: number; halo: number; alongD: boolean; linesPerPlane: number }[] = [];
  if (rw > 0) passes.push({ len: w, inner: c, r: rw, halo: 0, alongD: false, linesPerPlane: h });
  if (rh > 0) passes.push({ len: h, inner: w * c, r: rh, halo: 0, alongD: false, linesPerPlane: 1 });
  if (rd > 0) passes.push({ len: d, inner: plane, r: rd, halo: rd, alongD: true, linesPerPlane: 0 });
  if (passes.length === 0) { copy(rt, x, 0, y, 0, total); return; }
  // Ping-pong so that the last pass writes y.
  const tmp = passes.length > 1 ? rt.alloc(4 * total) : null;
  let src = x;
  passes.forEach((ps, i) => {
    const dst = (passes.length - 1 - i) % 2 === 0 ? y : tmp!;
    for (const [b, z0, z1] of rt.planeChunks('boxSum', rt.fits(src, dst), n, d, (zc) => (zc + 2 * ps.halo) * plane)) {
      const [sb, s0] = rt.planeSpan('boxSum', src, b, d, plane, z0 - ps.halo, z1 + ps.halo);
      const [db, d0] = rt.planeSpan('boxSum', dst, b, d, plane, z0, z1);
      // lines [o0, o0 + oc) and positions [lo, hi) of this slab (b < 0: the whole tensor)
      let o0: number, oc: number, lo: number, hi: number;
      if (ps.alongD) {
        o0 = Math.max(b, 0); oc = b < 0 ? n : 1; lo = z0; hi = z1;
      } else {
        const perBatch = d * ps.linesPerPlane;
        o0 = b < 0 ? 0 : b * perBatch + z0 * ps.linesPerPlane;
        oc = b < 0 ? n * perBatch : (z1 - z0) * ps.linesPerPlane;
        lo = 0; hi = ps.len;
      }
      const seg = segment(hi - lo, ps.r), nseg = Math.ceil((hi - lo) / seg);
      const threads = oc * nseg * ps.inner;
      rt.threads('box_pass', {}, { n: threads, o0, lo, hi, len: ps.len, inner: ps.inner, r: ps.r, seg, nseg, srcBase: s0, dstBase: d0 }, [sb, db], threads);
    }
    src = dst;
  });
  if (tmp) rt.free(tmp);
}
