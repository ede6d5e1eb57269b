// Box sums (the local sums of NCC): separable passes along W, H, D.
import type { Storage } from '../../backend.js';
import type { GpuRuntime } from '../runtime.js';
import { copy } from './elementwise.js';

export const PROGRAMS: string[] = ['box_pass'];

export function boxSum(rt: GpuRuntime, x: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number, rd: number, rh: number, rw: number): void {
  const total = n * d * h * w * c;
  const plane = h * w * c;
  // Each pass: [outer, len, inner] with the window along len. Passes along W and H stay inside a
  // depth plane; the pass along D reads rd planes either side.
  const passes: [number, number, number, number][] = [];
  if (rw > 0) passes.push([w, c, rw, 0]);
  if (rh > 0) passes.push([h, w * c, rh, 0]);
  if (rd > 0) passes.push([d, plane, rd, rd]);
  if (passes.length === 0) { copy(rt, x, 0, y, 0, total); return; }
  // Ping-pong so that the last pass writes y.
  const tmp = passes.length > 1 ? rt.alloc(4 * total) : null;
  let src = x;
  passes.forEach(([len, inner, r, halo], i) => {
    const dst = (passes.length - 1 - i) % 2 === 0 ? y : tmp!;
    for (const [b, z0, z1] of rt.planeChunks('boxSum', rt.fits(src, dst), n, d, (zc) => (zc + 2 * halo) * plane)) {
      const t0 = Math.max(b, 0) * d * plane + z0 * plane, cnt = (b < 0 ? total : (z1 - z0) * plane);
      const [sb, s0] = rt.planeSpan('boxSum', src, b, d, plane, z0 - halo, z1 + halo);
      const [db, d0] = rt.planeSpan('boxSum', dst, b, d, plane, z0, z1);
      rt.threads('box_pass', {}, [t0, cnt, len, inner, r, s0, d0], [sb, db], cnt);
    }
    src = dst;
  });
  if (tmp) rt.free(tmp);
}
