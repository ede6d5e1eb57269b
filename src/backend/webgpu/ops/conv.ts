// Convolution op family: conv3d, conv3dBackwardInput, conv3dBackwardWeight (2D is D = 1).
import type { ConvGeometry, Storage } from '../../backend.js';
import { type Bind, type GpuRuntime, type GpuStorage } from '../runtime.js';

export const PROGRAMS: string[] = ['conv3d', 'conv3d_backward_input', 'conv3d_backward_weight'];

function geom(rt: GpuRuntime, g: ConvGeometry): number[] {
  return [g.n, g.d, g.h, g.w, g.cin, g.kd, g.kh, g.kw, g.cout, g.sd, g.sh, g.sw, g.pd, g.ph, g.pw, g.od, g.oh, g.ow];
}

export function conv3d(rt: GpuRuntime, x: Storage, w: Storage, bias: Storage | null, y: Storage, g: ConvGeometry): void {
  const wb = rt.whole('conv3d', w);
  const bb = bias ? rt.whole('conv3d', bias) : wb;
  const outSlab = g.oh * g.ow * g.cout, inSlab = g.h * g.w * g.cin;
  const total = g.n * g.od * outSlab;
  if (4 * total <= rt.maxBind && (x as GpuStorage).bytes <= rt.maxBind) {
    rt.threads('conv3d', {}, [0, total, 0, 0, ...geom(rt, g), bias ? 1 : 0], [rt.whole('conv3d', x), wb, bb, rt.whole('conv3d', y)], total);
    return;
  }
  // Split along D: output planes [z0, z1) of one batch read input planes [z0*sd - pd, (z1-1)*sd - pd + kd).
  const budget = rt.chunk - 64;
  let zc = Math.floor(budget / outSlab);
  while (zc > 0 && ((zc - 1) * g.sd + g.kd) * inSlab > budget) zc--;
  if (zc < 1) throw new Error(`webgpu backend: conv3d: one depth plane (input ${inSlab}, output ${outSlab} elements) exceeds the binding limit`);
  for (let b = 0; b < g.n; b++) {
    for (let z0 = 0; z0 < g.od; z0 += zc) {
      const z1 = Math.min(g.od, z0 + zc);
      const iz0 = Math.max(0, z0 * g.sd - g.pd), iz1 = Math.min(g.d, (z1 - 1) * g.sd - g.pd + g.kd);
      const t0 = (b * g.od + z0) * outSlab, cnt = (z1 - z0) * outSlab;
      const [xb, x0] = rt.span('conv3d', x, (b * g.d + iz0) * inSlab, (b * g.d + Math.max(iz1, iz0 + 1)) * inSlab);
      const [yb, y0] = rt.span('conv3d', y, t0, t0 + cnt);
      rt.threads('conv3d', {}, [t0, cnt, x0, y0, ...geom(rt, g), bias ? 1 : 0], [xb, wb, bb, yb], cnt);
    }
  }
}

export function conv3dBackwardInput(rt: GpuRuntime, dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void {
  const wb = rt.whole('conv3dBackwardInput', w);
  const inPlane = g.h * g.w * g.cin, outPlane = g.oh * g.ow * g.cout;
  if (rt.fits(dy, dx)) {
    const n = g.n * g.d * inPlane;
    rt.threads('conv3d_backward_input', {}, [0, n, 0, 0, ...geom(rt, g)], [rt.whole('conv3dBackwardInput', dy), wb, rt.whole('conv3dBackwardInput', dx)], n);
    return;
  }
  // Split dx along D: planes [z0, z1) gather from output planes [ceil((z0 + pd - kd + 1) / sd), floor((z1 - 1 + pd) / sd)].
  const zc = rt.planes('conv3dBackwardInput', inPlane, outPlane, 1, Math.ceil(g.kd / g.sd) + 1);
  for (let b = 0; b < g.n; b++) {
    for (let z0 = 0; z0 < g.d; z0 += zc) {
      const z1 = Math.min(g.d, z0 + zc);
      const o0 = Math.max(0, Math.ceil((z0 + g.pd - g.kd + 1) / g.sd)), o1 = Math.min(g.od, Math.floor((z1 - 1 + g.pd) / g.sd) + 1);
      const t0 = (b * g.d + z0) * inPlane, cnt = (z1 - z0) * inPlane;
      const [gb, gy0] = rt.span('conv3dBackwardInput', dy, (b * g.od + o0) * outPlane, (b * g.od + Math.max(o1, o0 + 1)) * outPlane);
      const [xb, x0] = rt.span('conv3dBackwardInput', dx, t0, t0 + cnt);
      rt.threads('conv3d_backward_input', {}, [t0, cnt, gy0, x0, ...geom(rt, g)], [gb, wb, xb], cnt);
    }
  }
}

export function conv3dBackwardWeight(rt: GpuRuntime, x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void {
  const dwb = rt.whole('conv3dBackwardWeight', dw);
  if (rt.fits(x, dy)) {
    weightGrad(rt, rt.whole('conv3dBackwardWeight', x), 0, rt.whole('conv3dBackwardWeight', dy), 0, dwb, g, 0, g.n * g.od, false);
    return;
  }
  // Output planes [o0, o1) of one batch read input planes [o0*sd - pd, (o1-1)*sd - pd + kd); launches accumulate.
  const inPlane = g.h * g.w * g.cin, outPlane = g.oh * g.ow * g.cout;
  const zc = rt.planes('conv3dBackwardWeight', outPlane, inPlane, g.sd, g.kd);
  let first = true;
  for (let b = 0; b < g.n; b++) {
    for (let o0 = 0; o0 < g.od; o0 += zc) {
      const o1 = Math.min(g.od, o0 + zc);
      const iz0 = Math.max(0, o0 * g.sd - g.pd), iz1 = Math.min(g.d, (o1 - 1) * g.sd - g.pd + g.kd);
      const [xb, x0] = rt.span('conv3dBackwardWeight', x, (b * g.d + iz0) * inPlane, (b * g.d + Math.max(iz1, iz0 + 1)) * inPlane);
      const [gb, gy0] = rt.span('conv3dBackwardWeight', dy, (b * g.od + o0) * outPlane, (b * g.od + o1) * outPlane);
      weightGrad(rt, xb, x0, gb, gy0, dwb, g, b * g.od + o0, b * g.od + o1, !first);
      first = false;
    }
  }
}

/** dw (+)= the weight gradient over (b, oz) rows [rowLo, rowHi): block partials, then their sum. */
function weightGrad(rt: GpuRuntime, xb: Bind, x0: number, gb: Bind, gy0: number, dwb: Bind, g: ConvGeometry, rowLo: number, rowHi: number, accumulate: boolean): void {
  const nW = g.kd * g.kh * g.kw * g.cin * g.cout;
  const positions = (rowHi - rowLo) * g.oh * g.ow;
  // At most 64 blocks: the sum over blocks is then one short serial loop per weight.
  const nb = Math.max(1, Math.min(64, Math.ceil(positions / 256)));
  const P = Math.ceil(positions / nb);
  const partial = rt.alloc(4 * nb * nW);
  const pb = rt.whole('conv3dBackwardWeight', partial);
  rt.threads('conv3d_backward_weight', {}, [0, nb * nW, x0, gy0, ...geom(rt, g), rowLo, rowHi, nW, P], [xb, gb, pb], nb * nW);
  if (!accumulate) {
    rt.threads('reduce', { OP: 0 }, [0, nW, 0, 0, nb, nW], [pb, dwb], nW);
  } else {
    const sum = rt.alloc(4 * nW);
    const sb = rt.whole('conv3dBackwardWeight', sum);
    rt.threads('reduce', { OP: 0 }, [0, nW, 0, 0, nb, nW], [pb, sb], nW);
    rt.threads('reduce_acc', { OP: 0 }, [0, nW], [sb, dwb], nW);
    rt.free(sum);
  }
  rt.free(partial);
}
