// Convolution op family: conv3d, conv3dBackwardInput, conv3dBackwardWeight (2D is D = 1), all three as
// implicit GEMMs on one tiled core (shaders/gemm_core.wgsl):
//   conv_data.wgsl+gemm_core     forward (TRANSPOSED = false) and input gradient (TRANSPOSED = true)
//   conv_weight.wgsl+gemm_core   weight gradient, K split into slices summed by the parallel reduction
// Chunk planner: when a tensor exceeds the binding limit, launches cover slabs of depth planes of one
// batch (the input window with its halo). wasm kernels: assembly/conv.ts; reference and tests:
// test/conv-pool.test.ts, test/webgpu.test.ts. Design: docs/webgpu-kernels.md.
import type { ConvGeometry, Storage } from '../../backend.js';
import { type Bind, type GpuRuntime } from '../runtime.js';
import { copy } from './elementwise.js';
import { gemmGrid, gemmProgram } from './gemm.js';
import { permute } from './layout.js';
import { reduce } from './reduce.js';

export const PROGRAMS: string[] = ['conv_data+gemm_core', 'conv_weight+gemm_core', 'conv_direct', 'conv_weight_direct'];

/** Rows (positions or weight rows: one per thread) x columns of one workgroup of the direct kernels. */
const DIRECT_ROWS = 64, DIRECT_COLS = 16;

/** Parameters every conv kernel shares (struct Params fields of conv_data / conv_weight). */
function geom(g: ConvGeometry): Record<string, number> {
  return {
    d: g.d, h: g.h, w: g.w, cin: g.cin, kd: g.kd, kh: g.kh, kw: g.kw, cout: g.cout,
    sd: g.sd, sh: g.sh, sw: g.sw, pd: g.pd, ph: g.ph, pw: g.pw, od: g.od, oh: g.oh, ow: g.ow,
  };
}

/** One launch of conv_data: rows [t0, t0 + M) of the GEMM (positions), src/out bound as windows. */
function dataLaunch(rt: GpuRuntime, transposed: boolean, src: Bind, srcBase: number, wb: Bind, bias: Bind | null, out: Bind, outBase: number,
  g: ConvGeometry, t0: number, M: number): void {
  const N = transposed ? g.cin : g.cout, cs = transposed ? g.cout : g.cin;
  if (rt.gemmCore === 'direct') {
    const tilesN = Math.ceil(N / DIRECT_COLS), groups = Math.ceil(M / DIRECT_ROWS) * tilesN;
    const { d, h, w, cin, kd, kh, kw, cout, sd, sh, sw, pd, ph, pw, od, oh, ow } = g;
    rt.launch('conv_direct', {}, {
      groups, tilesN, M, N, t0, srcBase, outBase, hasBias: bias ? 1 : 0, transposed: transposed ? 1 : 0,
      a4: cs % 4 === 0 ? 1 : 0, b4: N % 4 === 0 ? 1 : 0, d, h, w, cin, kd, kh, kw, cout, sd, sh, sw, pd, ph, pw, od, oh, ow,
    }, [src, wb, bias ?? wb, out, src, wb], groups);
    return;
  }
  const K = g.kd * g.kh * g.kw * cs;
  const grid = gemmGrid(M, N, 1, rt.gemmCore);
  rt.launch(gemmProgram('conv_data', rt.gemmCore), { TM: grid.TM, TN: grid.TN }, {
    groups: grid.groups, tilesM: grid.tilesM, tilesN: grid.tilesN, M, N, K, t0, srcBase, outBase, hasBias: bias ? 1 : 0,
    transposed: transposed ? 1 : 0, a4: cs % 4 === 0 ? 1 : 0, b4: N % 4 === 0 ? 1 : 0, ...geom(g),
  }, [src, wb, bias ?? wb, out], grid.groups);
}

export function conv3d(rt: GpuRuntime, x: Storage, w: Storage, bias: Storage | null, y: Storage, g: ConvGeometry): void {
  const wb = rt.whole('conv3d', w);
  const bb = bias ? rt.whole('conv3d', bias) : null;
  const outPlane = g.oh * g.ow, inSlab = g.h * g.w * g.cin;
  if (rt.fits(x, y)) {
    dataLaunch(rt, false, rt.whole('conv3d', x), 0, wb, bb, rt.whole('conv3d', y), 0, g, 0, g.n * g.od * outPlane);
    return;
  }
  // Split along D: output planes [z0, z1) of one batch read input planes [z0*sd - pd, (z1-1)*sd - pd + kd).
  const zc = rt.planes('conv3d', outPlane * g.cout, inSlab, g.sd, g.kd);
  for (let b = 0; b < g.n; b++) {
    for (let z0 = 0; z0 < g.od; z0 += zc) {
      const z1 = Math.min(g.od, z0 + zc);
      const iz0 = Math.max(0, z0 * g.sd - g.pd), iz1 = Math.min(g.d, (z1 - 1) * g.sd - g.pd + g.kd);
      const t0 = (b * g.od + z0) * outPlane, M = (z1 - z0) * outPlane;
      const [xb, x0] = rt.span('conv3d', x, (b * g.d + iz0) * inSlab, (b * g.d + Math.max(iz1, iz0 + 1)) * inSlab);
      const [yb, y0] = rt.span('conv3d', y, t0 * g.cout, (t0 + M) * g.cout);
      dataLaunch(rt, false, xb, x0, wb, bb, yb, y0, g, t0, M);
    }
  }
}

export function conv3dBackwardInput(rt: GpuRuntime, dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void {
  // B = w with its channel axes swapped ([taps, cout, cin], row-major along the GEMM's N = cin)
  const taps = g.kd * g.kh * g.kw;
  const wT = rt.alloc(4 * taps * g.cin * g.cout);
  try {
    permute(rt, w, wT, [taps, g.cin, g.cout], [0, 2, 1]);
    const wb = rt.whole('conv3dBackwardInput', wT);
    const inPlane = g.h * g.w, outSlab = g.oh * g.ow * g.cout;
    if (rt.fits(dy, dx)) {
      dataLaunch(rt, true, rt.whole('conv3dBackwardInput', dy), 0, wb, null, rt.whole('conv3dBackwardInput', dx), 0, g, 0, g.n * g.d * inPlane);
      return;
    }
    // Split dx along D: planes [z0, z1) gather from output planes [ceil((z0 + pd - kd + 1) / sd), floor((z1 - 1 + pd) / sd)].
    const zc = rt.planes('conv3dBackwardInput', inPlane * g.cin, outSlab, 1, Math.ceil(g.kd / g.sd) + 1);
    for (let b = 0; b < g.n; b++) {
      for (let z0 = 0; z0 < g.d; z0 += zc) {
        const z1 = Math.min(g.d, z0 + zc);
        const o0 = Math.max(0, Math.ceil((z0 + g.pd - g.kd + 1) / g.sd)), o1 = Math.min(g.od, Math.floor((z1 - 1 + g.pd) / g.sd) + 1);
        const t0 = (b * g.d + z0) * inPlane, M = (z1 - z0) * inPlane;
        const [gb, gy0] = rt.span('conv3dBackwardInput', dy, (b * g.od + o0) * outSlab, (b * g.od + Math.max(o1, o0 + 1)) * outSlab);
        const [xb, x0] = rt.span('conv3dBackwardInput', dx, t0 * g.cin, (t0 + M) * g.cin);
        dataLaunch(rt, true, gb, gy0, wb, null, xb, x0, g, t0, M);
      }
    }
  } finally {
    rt.free(wT);
  }
}

export function conv3dBackwardWeight(rt: GpuRuntime, x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void {
  const outPlane = g.oh * g.ow;
  if (rt.fits(x, dy)) {
    weightGrad(rt, rt.whole('conv3dBackwardWeight', x), 0, rt.whole('conv3dBackwardWeight', dy), 0, dw, g, 0, g.n * g.od * outPlane, false);
    return;
  }
  // Output planes [o0, o1) of one batch read input planes [o0*sd - pd, (o1-1)*sd - pd + kd); launches accumulate.
  const inSlab = g.h * g.w * g.cin, outSlab = outPlane * g.cout;
  const zc = rt.planes('conv3dBackwardWeight', outSlab, inSlab, g.sd, g.kd);
  let first = true;
  for (let b = 0; b < g.n; b++) {
    for (let o0 = 0; o0 < g.od; o0 += zc) {
      const o1 = Math.min(g.od, o0 + zc);
      const iz0 = Math.max(0, o0 * g.sd - g.pd), iz1 = Math.min(g.d, (o1 - 1) * g.sd - g.pd + g.kd);
      const [xb, x0] = rt.span('conv3dBackwardWeight', x, (b * g.d + iz0) * inSlab, (b * g.d + Math.max(iz1, iz0 + 1)) * inSlab);
      const [gb, gy0] = rt.span('conv3dBackwardWeight', dy, (b * g.od + o0) * outSlab, (b * g.od + o1) * outSlab);
      weightGrad(rt, xb, x0, gb, gy0, dw, g, (b * g.od + o0) * outPlane, (b * g.od + o1) * outPlane, !first);
      first = false;
    }
  }
}

/** Most bytes of partial weight gradients one launch writes. */
const PARTIAL_CAP_BYTES = 64 * 1024 * 1024;

/**
 * dw (+)= the weight gradient over output positions [q0, q1): the GEMM over K = positions cut into
 * slices, each slice's partial [taps * cin, cout] written apart, then summed by the parallel reduction.
 */
function weightGrad(rt: GpuRuntime, xb: Bind, x0: number, gb: Bind, gy0: number, dw: Storage, g: ConvGeometry, q0: number, q1: number, accumulate: boolean): void {
  const M = g.kd * g.kh * g.kw * g.cin, N = g.cout, K = q1 - q0, nW = M * N;
  const direct = rt.gemmCore === 'direct';
  const one = gemmGrid(M, N, 1, rt.gemmCore);
  const tilesM = direct ? Math.ceil(M / DIRECT_ROWS) : one.tilesM;
  const tilesN = direct ? Math.ceil(N / DIRECT_COLS) : one.tilesN;
  // Enough slices for ~2048 workgroups on a GPU (16 on a CPU adapter: a few per core), each slice at
  // least 64 positions, the partials within the cap.
  const target = direct ? 16 : 2048;
  const maxSlices = Math.max(1, Math.min(Math.ceil(K / 64), Math.floor(Math.min(PARTIAL_CAP_BYTES, rt.maxBind) / (4 * nW))));
  let slices = Math.max(1, Math.min(maxSlices, Math.ceil(target / (tilesM * tilesN))));
  const kPer = Math.ceil(Math.ceil(K / slices) / 8) * 8;
  slices = Math.ceil(K / kPer);
  const part = rt.alloc(4 * slices * nW);
  try {
    if (direct) {
      const groups = slices * tilesM * tilesN;
      const { d, h, w, cin, kd, kh, kw, cout, sd, sh, sw, pd, ph, pw, od, oh, ow } = g;
      rt.launch('conv_weight_direct', {}, {
        groups, tilesM, tilesN, M, N, K, kPer, t0: q0, xBase: x0, dyBase: gy0, b4: N % 4 === 0 ? 1 : 0,
        d, h, w, cin, kd, kh, kw, cout, sd, sh, sw, pd, ph, pw, od, oh, ow,
      }, [xb, gb, rt.whole('conv3dBackwardWeight', part), gb], groups);
    } else {
      const grid = gemmGrid(M, N, slices, rt.gemmCore);
      rt.launch(gemmProgram('conv_weight', rt.gemmCore), { TM: grid.TM, TN: grid.TN }, {
        groups: grid.groups, tilesM: grid.tilesM, tilesN: grid.tilesN, M, N, K, kPer, t0: q0, xBase: x0, dyBase: gy0, b4: N % 4 === 0 ? 1 : 0, ...geom(g),
      }, [xb, gb, rt.whole('conv3dBackwardWeight', part)], grid.groups);
    }
    if (!accumulate) {
      reduce(rt, 'sum', part, dw, 1, slices, nW);
    } else {
      const sum = rt.alloc(4 * nW);
      reduce(rt, 'sum', part, sum, 1, slices, nW);
      rt.threads('reduce_acc', { OP: 0 }, { t0: 0, n: nW }, [rt.whole('conv3dBackwardWeight', sum), rt.whole('conv3dBackwardWeight', dw)], nW);
      rt.free(sum);
    }
  } finally {
    rt.free(part);
  }
}

