// Resampling op family: pool (max/avg), poolBackward, upsample (nearest/linear), upsampleBackward.
// Shaders: pool, pool_backward, upsample, upsample_backward; launches in slabs of depth planes.
import type { ResampleGeometry, Storage } from '../../backend.js';
import type { GpuRuntime } from '../runtime.js';

export const PROGRAMS = ['pool', 'pool_backward', 'upsample', 'upsample_backward'];

/** The geometry fields (batches, d .. ow) of the resampling kernels' Params. */
function rgeom(g: ResampleGeometry): Record<string, number> {
  return { batches: g.n, d: g.d, h: g.h, w: g.w, c: g.c, fd: g.fd, fh: g.fh, fw: g.fw, od: g.od, oh: g.oh, ow: g.ow };
}

export function pool(rt: GpuRuntime, op: 'max' | 'avg', x: Storage, y: Storage, g: ResampleGeometry): void {
  const inP = g.h * g.w * g.c, outP = g.oh * g.ow * g.c;
  for (const [b, z0, z1] of rt.planeChunks('pool', rt.fits(x, y), g.n, g.od, (zc) => Math.max(zc * g.fd * inP, zc * outP))) {
    const t0 = Math.max(b, 0) * g.od * outP + z0 * outP, cnt = (b < 0 ? g.n * g.od : z1 - z0) * outP;
    const [xb, x0] = rt.planeSpan('pool', x, b, g.d, inP, z0 * g.fd, z1 * g.fd);
    const [yb, y0] = rt.planeSpan('pool', y, b, g.od, outP, z0, z1);
    rt.threads('pool', { OP: op === 'max' ? 0 : 1 }, { t0, n: cnt, ...rgeom(g), xBase: x0, yBase: y0 }, [xb, yb], cnt);
  }
}

export function poolBackward(rt: GpuRuntime, op: 'max' | 'avg', x: Storage, dy: Storage, dx: Storage, g: ResampleGeometry): void {
  const inP = g.h * g.w * g.c, outP = g.oh * g.ow * g.c;
  // dx planes in whole pooling windows: chunks of zc output planes cover zc * fd input planes
  const chunks = rt.planeChunks('poolBackward', rt.fits(x, dy, dx), g.n, Math.ceil(g.d / g.fd), (zc) => Math.max(zc * g.fd * inP, zc * outP));
  for (const [b, q0, q1] of chunks) {
    const z0 = q0 * g.fd, z1 = b < 0 ? g.d : Math.min(g.d, q1 * g.fd);
    const t0 = Math.max(b, 0) * g.d * inP + z0 * inP, cnt = (b < 0 ? g.n * g.d : z1 - z0) * inP;
    const [xb, x0] = rt.planeSpan('poolBackward', x, b, g.d, inP, z0, z1);
    const [gb, g0] = rt.planeSpan('poolBackward', dy, b, g.od, outP, q0, q1);
    const [db, d0] = rt.planeSpan('poolBackward', dx, b, g.d, inP, z0, z1);
    rt.threads('pool_backward', { OP: op === 'max' ? 0 : 1 }, { t0, n: cnt, ...rgeom(g), xBase: x0, dyBase: g0, dxBase: d0 }, [xb, gb, db], cnt);
  }
}

export function upsample(rt: GpuRuntime, mode: 'nearest' | 'linear', x: Storage, y: Storage, g: ResampleGeometry): void {
  const inP = g.h * g.w * g.c, outP = g.oh * g.ow * g.c;
  // output planes [z0, z1) read input planes [floor(z0 / fd) - 1, floor((z1 - 1) / fd) + 2)
  for (const [b, z0, z1] of rt.planeChunks('upsample', rt.fits(x, y), g.n, g.od, (zc) => Math.max(zc * outP, (Math.ceil(zc / g.fd) + 3) * inP))) {
    const t0 = Math.max(b, 0) * g.od * outP + z0 * outP, cnt = (b < 0 ? g.n * g.od : z1 - z0) * outP;
    const [xb, x0] = rt.planeSpan('upsample', x, b, g.d, inP, Math.floor(z0 / g.fd) - 1, Math.floor((z1 - 1) / g.fd) + 2);
    const [yb, y0] = rt.planeSpan('upsample', y, b, g.od, outP, z0, z1);
    rt.threads('upsample', { MODE: mode === 'nearest' ? 0 : 1 }, { t0, n: cnt, ...rgeom(g), xBase: x0, yBase: y0 }, [xb, yb], cnt);
  }
}

export function upsampleBackward(rt: GpuRuntime, mode: 'nearest' | 'linear', dy: Storage, dx: Storage, g: ResampleGeometry): void {
  const inP = g.h * g.w * g.c, outP = g.oh * g.ow * g.c;
  // input planes [z0, z1) gather output planes [2 z0 - 2, 2 z1 + 2) (f = 2) or [z0, z1) (f = 1)
  const halo = g.fd === 2 ? 2 : 0;
  for (const [b, z0, z1] of rt.planeChunks('upsampleBackward', rt.fits(dy, dx), g.n, g.d, (zc) => Math.max(zc * inP, (zc * g.fd + 2 * halo) * outP))) {
    const t0 = Math.max(b, 0) * g.d * inP + z0 * inP, cnt = (b < 0 ? g.n * g.d : z1 - z0) * inP;
    const [gb, g0] = rt.planeSpan('upsampleBackward', dy, b, g.od, outP, g.fd * z0 - halo, g.fd * z1 + halo);
    const [db, d0] = rt.planeSpan('upsampleBackward', dx, b, g.d, inP, z0, z1);
    rt.threads('upsample_backward', { MODE: mode === 'nearest' ? 0 : 1 }, { t0, n: cnt, ...rgeom(g), dyBase: g0, dxBase: d0 }, [gb, db], cnt);
  }
}
