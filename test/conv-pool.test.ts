import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { backendsUnderTest, checkGrad, expectClose, randData, t, useBackend, weightedSumRef } from './harness.js';
import { conv3dRef } from './reference/conv.js';
import { poolRef, upsampleRef } from './reference/pool.js';

type ConvCase = { x: number[]; w: number[]; stride: [number, number, number]; padding: 'same' | 'valid'; bias: boolean };
const convCases: ConvCase[] = [
  { x: [2, 3, 5, 4, 3], w: [3, 3, 3, 3, 5], stride: [1, 1, 1], padding: 'same', bias: true },     // batch 2, odd sizes
  { x: [1, 1, 7, 9, 2], w: [1, 3, 3, 2, 3], stride: [1, 2, 2], padding: 'same', bias: true },     // 2D, stride 2 on odd sizes
  { x: [2, 1, 1, 11, 3], w: [1, 1, 5, 3, 4], stride: [1, 1, 1], padding: 'valid', bias: false },  // 1D, valid
  { x: [1, 7, 7, 7, 2], w: [3, 3, 3, 2, 6], stride: [2, 2, 2], padding: 'valid', bias: true },    // 3D stride 2 valid
  { x: [3, 2, 1, 4, 5], w: [1, 1, 1, 5, 1], stride: [1, 1, 1], padding: 'same', bias: true },     // 1x1x1, cout 1, size-1 axes
  { x: [1, 4, 6, 5, 1], w: [5, 3, 3, 1, 17], stride: [2, 1, 2], padding: 'same', bias: false },   // cin 1, cout 17, mixed strides
  { x: [1, 6, 6, 6, 16], w: [3, 3, 3, 16, 16], stride: [1, 1, 1], padding: 'same', bias: true }, // the SIMD fast path
];

describe.each(backendsUnderTest())('convolution, pooling and upsampling on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  for (const [k, c] of convCases.entries()) {
    it(`conv3d x ${JSON.stringify(c.x)} w ${JSON.stringify(c.w)} stride ${c.stride} ${c.padding}: reference and finite differences`, async () => {
      const x = randData(c.x, 10 + k), w = randData(c.w, 20 + k, -0.5, 0.5), b = randData([c.w[4]!], 30 + k);
      const ref = conv3dRef(x, c.x, w, c.w, c.bias ? b : null, c.stride, c.padding);
      const tx = t(x, c.x), tw = t(w, c.w), tb = c.bias ? t(b, [c.w[4]!]) : null;
      const y = bw.conv3d(tx, tw, tb, { stride: c.stride, padding: c.padding });
      expect(y.shape).toEqual(ref.shape);
      expectClose((await y.data()), ref.y, 1e-5, 1e-4, 'conv3d');
      for (const q of [tx, tw, tb, y]) q?.dispose();
      const r = randData(ref.shape, 40 + k);
      const inputs = [{ data: x, shape: c.x }, { data: w, shape: c.w }, ...(c.bias ? [{ data: b, shape: [c.w[4]!] }] : [])];
      await checkGrad((ts) => bw.sum(bw.mul(bw.conv3d(ts[0]!, ts[1]!, ts[2] ?? null, { stride: c.stride, padding: c.padding }), t(r, ref.shape))),
        (as) => weightedSumRef(conv3dRef(as[0]!, c.x, as[1]!, c.w, c.bias ? as[2]! : null, c.stride, c.padding).y, r),
        inputs, { coords: 20, rtol: 3e-3, atol: 5e-4 });
    });
  }

  it('conv2d wraps conv3d on [N, H, W, C]', async () => {
    const x = randData([2, 5, 6, 3], 1), w = randData([3, 3, 3, 4], 2);
    const tx = t(x, [2, 5, 6, 3]), tw = t(w, [3, 3, 3, 4]);
    const y = bw.conv2d(tx, tw, null, { stride: 2 });
    const ref = conv3dRef(x, [2, 1, 5, 6, 3], w, [1, 3, 3, 3, 4], null, [1, 2, 2], 'same');
    expect(y.shape).toEqual([2, 3, 3, 4]);
    expectClose((await y.data()), ref.y, 1e-5, 1e-4, 'conv2d');
    for (const q of [tx, tw, y]) q.dispose();
  });

  it('conv3d rejects mismatched channels, bad strides and kernels larger than a valid input', async () => {
    const x = t(randData([1, 4, 4, 4, 3], 1), [1, 4, 4, 4, 3]);
    const w = t(randData([3, 3, 3, 2, 4], 1), [3, 3, 3, 2, 4]);
    expect(() => bw.conv3d(x, w)).toThrow(/conv3d: w expects 2 input channels, x \[1, 4, 4, 4, 3\] has 3/);
    const w3 = t(randData([5, 5, 5, 3, 1], 1), [5, 5, 5, 3, 1]);
    expect(() => bw.conv3d(x, w3, null, { padding: 'valid' })).toThrow(/does not fit 'valid'/);
    expect(() => bw.conv3d(x, w3, null, { stride: 3 })).toThrow(/stride must be 1 or 2/);
    const x4 = t(randData([4, 4, 3], 1), [4, 4, 3]);
    expect(() => bw.conv3d(x4, w3)).toThrow(/conv3d: x must be \[N, D, H, W, C\], got \[4, 4, 3\]/);
    for (const q of [x, w, w3, x4]) q.dispose();
  });

  const resampleShapes = [[2, 5, 4, 7, 3], [1, 1, 6, 5, 2], [1, 3, 1, 1, 5], [1, 4, 4, 4, 16]];
  for (const op of ['max', 'avg'] as const) {
    it(`${op} pool x2 on axes longer than 1 (odd sizes drop the last voxel)`, async () => {
      for (const [k, shape] of resampleShapes.entries()) {
        const f = [1, 2, 3].map((a) => (shape[a]! > 1 ? 2 : 1)) as [number, number, number];
        const x = randData(shape, 50 + k);
        const ref = poolRef(op, x, shape, f);
        const r = randData(ref.shape, 60 + k);
        const fn = op === 'max' ? bw.maxPool : bw.avgPool;
        await checkGrad(([a]) => bw.sum(bw.mul(fn(a!), t(r, ref.shape))), ([a]) => weightedSumRef(poolRef(op, a!, shape, f).y, r), [{ data: x, shape }]);
      }
    });
  }

  for (const mode of ['nearest', 'linear'] as const) {
    it(`upsample x2 ${mode}`, async () => {
      for (const [k, shape] of resampleShapes.entries()) {
        const f = [1, 2, 3].map((a) => (shape[a]! > 1 ? 2 : 1)) as [number, number, number];
        const x = randData(shape, 70 + k);
        const ref = upsampleRef(mode, x, shape, f);
        const r = randData(ref.shape, 80 + k);
        await checkGrad(([a]) => bw.sum(bw.mul(bw.upsample(a!, mode), t(r, ref.shape))), ([a]) => weightedSumRef(upsampleRef(mode, a!, shape, f).y, r), [{ data: x, shape }]);
      }
    });
  }
});
