// The wasm backend's threads: kernels split into row slabs (several slabs even on one thread once
// the work is large enough) must agree with the float64 references, and give bit-identical results
// on 1 and on 2 threads (slab boundaries and the weight-gradient summation order do not depend on the
// thread count). Shapes are just above the size where the backend starts splitting work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { WasmBackend } from '../src/backend/wasm/backend.js';
import { engine } from '../src/tensor/engine.js';
import { expectClose, randData, t } from './harness.js';
import { conv3dRef, convPadding } from './reference/conv.js';
import { warpRef } from './reference/warp.js';

/** dw[kz,ky,kx,ci,co] and dx of sum(conv3d(x, w) * r), by the obvious float64 loops. */
function convGradsRef(x: Float64Array, xs: number[], w: Float64Array, ws: number[], r: Float64Array, ys: number[],
  stride: number[], pad: number[]): { dx: Float64Array; dw: Float64Array } {
  const [n, d, h, wd, cin] = xs as [number, number, number, number, number];
  const [kd, kh, kw, , cout] = ws as [number, number, number, number, number];
  const [, od, oh, ow] = ys as [number, number, number, number];
  const dx = new Float64Array(x.length), dw = new Float64Array(w.length);
  for (let b = 0; b < n; b++) for (let oz = 0; oz < od; oz++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
    for (let a = 0; a < kd; a++) for (let q = 0; q < kh; q++) for (let e = 0; e < kw; e++) {
      const iz = oz * stride[0]! - pad[0]! + a, iy = oy * stride[1]! - pad[1]! + q, ix = ox * stride[2]! - pad[2]! + e;
      if (iz < 0 || iz >= d || iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
      for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) {
        const g = r[(((b * od + oz) * oh + oy) * ow + ox) * cout + co]!;
        const xi = (((b * d + iz) * h + iy) * wd + ix) * cin + ci, wi = (((a * kh + q) * kw + e) * cin + ci) * cout + co;
        dw[wi]! += x[xi]! * g;
        dx[xi]! += w[wi]! * g;
      }
    }
  }
  return { dx, dw };
}

describe('wasm threads', () => {
  let one: WasmBackend, two: WasmBackend;
  const saved = engine.backend;
  beforeAll(async () => {
    one = await WasmBackend.create({ threads: 1 });
    two = await WasmBackend.create({ threads: 2 });
    await two.warmThreads();
  });
  afterAll(() => {
    one.dispose();
    two.dispose();
    engine.backend = saved;
  });

  const run = (b: WasmBackend, f: () => bw.Tensor[]): Float32Array[] => {
    engine.backend = b;
    const out = f();
    const data = out.map((q) => q.dataSync() as Float32Array);
    out.forEach((q) => q.dispose());
    return data;
  };

  it('reports its thread count and build', () => {
    expect(one.info().threads).toBe(1);
    expect(two.info().threads).toBe(2);
    expect(typeof two.info().relaxedSimd).toBe('boolean');
  });

  const cases = [
    { x: [2, 9, 10, 11, 5], w: [3, 3, 3, 5, 7], stride: [1, 1, 1] as [number, number, number], padding: 'same' as const },
    { x: [1, 16, 14, 12, 6], w: [3, 3, 3, 6, 12], stride: [2, 2, 1] as [number, number, number], padding: 'same' as const },
    { x: [1, 1, 64, 70, 4], w: [1, 3, 3, 4, 16], stride: [1, 1, 1] as [number, number, number], padding: 'same' as const },
    // cin 3 = a 2-channel block + one; cout 18 = a 16-channel block + 2 (the U-Net's first layer shape)
    { x: [1, 1, 64, 70, 3], w: [1, 3, 3, 3, 18], stride: [1, 1, 1] as [number, number, number], padding: 'same' as const },
  ];
  for (const c of cases) {
    it(`conv3d and both gradients, x ${JSON.stringify(c.x)} w ${JSON.stringify(c.w)} stride ${c.stride}: reference, 1 = 2 threads`, () => {
      const x = randData(c.x, 1), w = randData(c.w, 2, -0.5, 0.5);
      const ref = conv3dRef(x, c.x, w, c.w, null, c.stride, c.padding);
      const r = randData(ref.shape, 3);
      const pad = [0, 1, 2].map((i) => convPadding(c.x[i + 1]!, c.w[i]!, c.stride[i]!, c.padding).before);
      const g = convGradsRef(x, c.x, w, c.w, r, ref.shape, c.stride, pad);
      const f = () => {
        const tx = t(x, c.x), tw = t(w, c.w), tr = t(r, ref.shape);
        const y = bw.conv3d(tx, tw, null, { stride: c.stride, padding: c.padding });
        const { value, grads } = bw.valueAndGrads(() => bw.sum(bw.mul(bw.conv3d(tx, tw, null, { stride: c.stride, padding: c.padding }), tr)), [tx, tw]);
        value.dispose(); tx.dispose(); tw.dispose(); tr.dispose();
        return [y, ...grads];
      };
      const [y1, dx1, dw1] = run(one, f);
      const [y2, dx2, dw2] = run(two, f);
      expectClose(y2!, ref.y, 1e-4, 1e-4, 'conv3d');
      expectClose(dx2!, g.dx, 1e-4, 1e-4, 'input gradient');
      expectClose(dw2!, g.dw, 1e-3, 1e-4, 'weight gradient');
      expect(Array.from(y2!)).toEqual(Array.from(y1!));
      expect(Array.from(dx2!)).toEqual(Array.from(dx1!));
      expect(Array.from(dw2!)).toEqual(Array.from(dw1!));
    });
  }

  it('warp (1 and 3 channels, batch 2), its adjoint, and matmul: reference, 1 = 2 threads', () => {
    for (const c of [1, 3]) {
      const v = 24 * 40 * 40, xs = [2, 24, 40, 40, c];
      const x = randData(xs, 4 + c), flow = randData([2, 24, 40, 40, 3], 5, -3, 3);
      const ref = [0, 1].flatMap((b) => Array.from(warpRef(x.subarray(b * v * c, (b + 1) * v * c), [1, 24, 40, 40, c],
        flow.subarray(b * v * 3, (b + 1) * v * 3))));
      const f = () => [bw.warp(t(x, xs), t(flow, [2, 24, 40, 40, 3]))];
      const [a] = run(one, f), [b] = run(two, f);
      expectClose(b!, ref, 1e-4, 1e-4, `warp c=${c}`);
      expect(Array.from(b!)).toEqual(Array.from(a!));
    }
    // The adjoint (split into image-gradient partials): <warp(x), r> = <x, dx>, and 1 = 2 threads.
    {
      const xs = [2, 24, 40, 40, 1], fs = [2, 24, 40, 40, 3];
      const x = randData(xs, 8), flow = randData(fs, 9, -3, 3), r = randData(xs, 10);
      const f = () => {
        const tx = t(x, xs), tf = t(flow, fs), tr = t(r, xs);
        const { value, grads } = bw.valueAndGrads(() => bw.sum(bw.mul(bw.warp(tx, tf), tr)), [tx, tf]);
        tx.dispose(); tf.dispose(); tr.dispose();
        return [value, ...grads];
      };
      const [v1, dx1, df1] = run(one, f), [v2, dx2, df2] = run(two, f);
      let dot = 0;
      for (let i = 0; i < x.length; i++) dot += x[i]! * dx2![i]!;
      expect(Math.abs(dot - v2![0]!)).toBeLessThan(1e-3 * Math.abs(v2![0]!) + 1e-3);
      expect(Array.from(v2!)).toEqual(Array.from(v1!));
      expect(Array.from(dx2!)).toEqual(Array.from(dx1!));
      expect(Array.from(df2!)).toEqual(Array.from(df1!));
    }
    const A = randData([3, 130, 70], 6), B = randData([3, 70, 90], 7);
    const mm = () => [bw.matmul(t(A, [3, 130, 70]), t(B, [3, 70, 90]))];
    const [m1] = run(one, mm), [m2] = run(two, mm);
    const ref = new Float64Array(3 * 130 * 90);
    for (let q = 0; q < 3; q++) for (let i = 0; i < 130; i++) for (let j = 0; j < 90; j++) {
      let s = 0;
      for (let k = 0; k < 70; k++) s += A[(q * 130 + i) * 70 + k]! * B[(q * 70 + k) * 90 + j]!;
      ref[(q * 130 + i) * 90 + j] = s;
    }
    expectClose(m2!, ref, 1e-4, 1e-4, 'matmul');
    expect(Array.from(m2!)).toEqual(Array.from(m1!));
  });
});
