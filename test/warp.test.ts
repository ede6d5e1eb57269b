import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { backendsUnderTest, checkGrad, expectClose, randData, randInts, t, useBackend, weightedSumRef } from './harness.js';
import { boxSumRef, warpNearestRef, warpRef } from './reference/warp.js';
import { upsampleRef } from './reference/pool.js';

/** Scaling and squaring in float64 with the reference warp. */
function integrateRef(v: Float64Array, shape: number[], steps: number): Float64Array {
  let u = v.map((q) => q / 2 ** steps);
  for (let i = 0; i < steps; i++) {
    const wu = warpRef(u, shape, u);
    u = u.map((q, j) => q + wu[j]!);
  }
  return u;
}

/** Flow with the components along unit axes zeroed (the op's documented convention). */
function dropUnit(flow: Float64Array, shape: number[]): Float64Array {
  const keep = [shape[1]! > 1 ? 1 : 0, shape[2]! > 1 ? 1 : 0, shape[3]! > 1 ? 1 : 0];
  return flow.map((v, i) => v * keep[i % 3]!);
}

describe.each(backendsUnderTest())('spatial transformer on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  const shapes = [[1, 4, 5, 6, 1], [2, 3, 4, 5, 3], [1, 1, 7, 9, 2], [1, 5, 1, 4, 5]];
  it('warp matches the reference, including samples outside the volume (zero padding), and differentiates in image and field', async () => {
    for (const [k, shape] of shapes.entries()) {
      const fshape = [...shape.slice(0, 4), 3];
      const x = randData(shape, 1 + k);
      const flow = randData(fshape, 10 + k, -2.5, 2.5); // pushes many samples across the border
      const ref = warpRef(x, shape, dropUnit(flow, shape));
      const tx = t(x, shape), tf = t(flow, fshape);
      const y = bw.warp(tx, tf);
      expectClose((await y.data()), ref, 1e-5, 1e-4, `warp ${shape}`);
      for (const q of [tx, tf, y]) q.dispose();
      const r = randData(shape, 20 + k);
      await checkGrad(([a, f]) => bw.sum(bw.mul(bw.warp(a!, f!), t(r, shape))), ([a, f]) => weightedSumRef(warpRef(a!, shape, dropUnit(f!, shape)), r),
        [{ data: x, shape }, { data: flow, shape: fshape }], { coords: 30, rtol: 5e-3, atol: 5e-4 });
    }
  });

  it('the field gradient alone (image not differentiated: its scatter is skipped) equals the one taken with both', async () => {
    const shape = [1, 4, 6, 5, 2], fshape = [1, 4, 6, 5, 3];
    const x = t(randData(shape, 40), shape), f = t(randData(fshape, 41, -3, 3), fshape), r = t(randData(shape, 42), shape);
    const loss = () => bw.sum(bw.mul(bw.warp(x, f), r));
    const one = bw.valueAndGrads(loss, [f]);
    const both = bw.valueAndGrads(loss, [x, f]);
    expect(Array.from(await one.grads[0]!.data())).toEqual(Array.from(await both.grads[1]!.data()));
    for (const q of [x, f, r, one.value, both.value, ...one.grads, ...both.grads]) q.dispose();
  });

  it('the zero-padding policy: identity is exact, half a voxel out gives half the border, fully out gives 0', async () => {
    const x = t([1, 2, 3, 4], [1, 1, 1, 4, 1]);
    const flows: [number[], number[]][] = [
      [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 2, 3, 4]],
      [[0, 0, 0.5, 0, 0, 0.5, 0, 0, 0.5, 0, 0, 0.5], [1.5, 2.5, 3.5, 2]],
      [[0, 0, -9, 0, 0, -9, 0, 0, 9, 0, 0, 9], [0, 0, 0, 0]],
    ];
    for (const [f, want] of flows) {
      const tf = t(f, [1, 1, 1, 4, 3]);
      expectClose((await bw.warp(x, tf).data()), want, 1e-6, 0, 'padding');
      tf.dispose();
    }
    x.dispose();
  });

  it('2D data: the depth component of the field has no effect and no gradient', async () => {
    const shape = [1, 1, 5, 6, 1];
    const x = t(randData(shape, 1), shape);
    const f = randData([1, 1, 5, 6, 3], 2);
    const tf = t(f, [1, 1, 5, 6, 3]);
    const tf0 = t(dropUnit(f, shape), [1, 1, 5, 6, 3]);
    expect(Array.from(await bw.warp(x, tf).data())).toEqual(Array.from(await bw.warp(x, tf0).data()));
    const { grads } = bw.valueAndGrads(() => bw.sum(bw.warp(x, tf)), [tf]);
    const g = (await grads[0]!.data());
    for (let i = 0; i < g.length; i += 3) expect(Math.abs(g[i]!)).toBe(0);
  });

  it('warpNearest copies labels (i32 and f32) bit-exactly and fills outside samples', async () => {
    const shape = [2, 3, 4, 5, 1];
    const labels = randInts(120, 40, 3);
    const flow = randData([2, 3, 4, 5, 3], 4, -2, 2);
    const ref = warpNearestRef(labels, shape, flow, -1);
    const tl = bw.tensor(labels, shape), tf = t(flow, [2, 3, 4, 5, 3]);
    const y = bw.warpNearest(tl, tf, -1);
    expect(y.dtype).toBe('i32');
    expect(Array.from(await y.data())).toEqual(Array.from(ref));
    const yf = bw.warpNearest(bw.cast(tl, 'f32'), tf, -1);
    expect(Array.from(await yf.data())).toEqual(Array.from(ref));
  });

  it('warp rejects a field that does not match the image', async () => {
    const x = t(randData([1, 2, 3, 4, 1], 1), [1, 2, 3, 4, 1]);
    const f = t(randData([1, 2, 3, 4, 2], 1), [1, 2, 3, 4, 2]);
    expect(() => bw.warp(x, f)).toThrow(/warp: flow must be \[1, 2, 3, 4, 3\] to match image \[1, 2, 3, 4, 1\], got \[1, 2, 3, 4, 2\]/);
  });

  it('integrateVelocity (scaling and squaring) matches the reference and differentiates', async () => {
    const shape = [1, 4, 5, 6, 3];
    const v = randData(shape, 5, -1.5, 1.5);
    const r = randData(shape, 6);
    await checkGrad(([a]) => bw.sum(bw.mul(bw.integrateVelocity(a!, 4), t(r, shape))), ([a]) => weightedSumRef(integrateRef(a!, shape, 4), r),
      [{ data: v, shape }], { coords: 25, rtol: 5e-3, atol: 1e-3 });
    const tv = t(v, shape);
    expectClose((await bw.integrateVelocity(tv).data()), integrateRef(v, shape, 7), 1e-4, 1e-3, 'integrate 7 steps');
  });

  it('the integrated field of -v approximately inverts that of v', async () => {
    // A smooth velocity: phi_v o phi_{-v} ~ identity, so u(x) + u_(x + u(x)) ~ 0 away from the border.
    const n = 16, shape = [1, 1, n, n, 3];
    const v = new Float64Array(n * n * 3);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) {
      v[(y * n + x) * 3 + 1] = 1.5 * Math.sin((2 * Math.PI * x) / n);
      v[(y * n + x) * 3 + 2] = 1.5 * Math.cos((2 * Math.PI * y) / n);
    }
    const tv = t(v, shape);
    const u = bw.integrateVelocity(tv), ui = bw.integrateVelocity(bw.neg(tv));
    const comp = (await bw.add(ui, bw.warp(u, ui)).data());
    let worst = 0;
    for (let y = 3; y < n - 3; y++) for (let x = 3; x < n - 3; x++) for (const c of [1, 2]) worst = Math.max(worst, Math.abs(comp[(y * n + x) * 3 + c]!));
    expect(worst).toBeLessThan(0.1);
  });

  it('resizeField2x upsamples linearly and doubles the vectors', async () => {
    const shape = [1, 3, 4, 5, 3];
    const f = randData(shape, 7);
    const ref = upsampleRef('linear', f, shape, [2, 2, 2]).y.map((q) => 2 * q);
    const tf = t(f, shape);
    expectClose((await bw.resizeField2x(tf).data()), ref, 1e-5, 1e-4, 'resizeField2x');
  });

  it('boxSum matches direct window sums for radii 0..4 and windows wider than the volume, and is self-adjoint', async () => {
    const shape = [2, 5, 6, 7, 2];
    for (const radius of [[0, 0, 0], [1, 2, 3], [4, 4, 4], [0, 9, 1]] as [number, number, number][]) {
      const x = randData(shape, radius[1]);
      const r = randData(shape, 9);
      await checkGrad(([a]) => bw.sum(bw.mul(bw.boxSum(a!, radius), t(r, shape))), ([a]) => weightedSumRef(boxSumRef(a!, shape, radius), r), [{ data: x, shape }]);
    }
  });
});
