import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { backendsUnderTest, randData, t, useBackend } from './harness.js';

describe.each(backendsUnderTest())('autograd, scopes and memory on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('tidy frees intermediates and keeps what it returns', async () => {
    const before = bw.memory().liveBuffers;
    const kept = bw.tidy(() => {
      const a = bw.full([100], 2);
      const b = bw.mul(a, a);
      return bw.add(b, 1);
    });
    expect(bw.memory().liveBuffers).toBe(before + 1);
    expect((await kept.data())[0]).toBe(5);
    kept.dispose();
    expect(bw.memory().liveBuffers).toBe(before);
  });

  it('a tensor used twice accumulates its gradient', async () => {
    const x = t([1.5, -2], [2]);
    const { value, grads } = bw.valueAndGrads(() => bw.sum(bw.add(bw.mul(x, x), bw.mulScalar(x, 3))), [x]);
    expect((await value.data())[0]).toBeCloseTo(2.25 + 4 + 4.5 - 6, 5);
    expect(Array.from(await grads[0]!.data())).toEqual([2 * 1.5 + 3, 2 * -2 + 3]);
    value.dispose(); grads[0]!.dispose(); x.dispose();
  });

  it('an input the value does not depend on gets a zero gradient; duplicated gradients are distinct tensors', async () => {
    const x = t([1, 2], [2]), y = t([3, 4], [2]), z = t([5, 6], [2]);
    const { value, grads } = bw.valueAndGrads(() => bw.sum(bw.add(x, y)), [x, y, z]);
    expect(Array.from(await grads[2]!.data())).toEqual([0, 0]);
    expect(grads[0]).not.toBe(grads[1]);
    grads[0]!.dispose();
    expect(Array.from(await grads[1]!.data())).toEqual([1, 1]);
    for (const q of [value, ...grads, x, y, z]) q.dispose();
  });

  it('nested gradient computations are refused', async () => {
    const x = t([1], [1]);
    expect(() => bw.valueAndGrads(() => bw.valueAndGrads(() => bw.sum(x), [x]).value, [x])).toThrow(/nested/);
    x.dispose();
  });

  it('grads of a disposed tensor are refused with its shape', async () => {
    const x = t([1, 2, 3], [3]);
    x.dispose();
    expect(() => bw.valueAndGrads(() => bw.sum(x), [x])).toThrow(/tensor #\d+ of shape \[3\] was disposed/);
  });

  it('a training step of a small conv net leaks no memory', async () => {
    const rng = new bw.Rng(1);
    const params = [
      bw.randomNormal([3, 3, 1, 2, 4], rng, 0, 0.3), bw.zeros([4]),
      bw.randomNormal([3, 3, 1, 4, 3], rng, 0, 0.3), bw.zeros([3]),
      bw.randomNormal([12, 5], rng, 0, 0.1), bw.zeros([5]),
    ];
    const x = t(randData([2, 1, 8, 8, 2], 1), [2, 1, 8, 8, 2]);
    const labels = bw.tensor(new Int32Array([1, 3]), [2]);
    const opt = new bw.Adam({ lr: 1e-2 });
    const step = async () => {
      const { value, grads } = bw.valueAndGrads(() => {
        const h1 = bw.leakyRelu(bw.conv3d(x, params[0]!, params[1]!), 0.2);
        const p1 = bw.maxPool(h1);
        const h2 = bw.relu(bw.conv3d(p1, params[2]!, params[3]!, { stride: 2 }));
        const up = bw.upsample(h2, 'linear');
        const flat = bw.reshape(bw.avgPool(up), [2, -1]);
        return bw.softmaxCrossEntropy(bw.linear(flat, params[4]!, params[5]!), labels);
      }, params);
      opt.step(params, grads);
      const v = await value.item();
      value.dispose();
      for (const g of grads) g.dispose();
      return v;
    };
    return (async () => {
      const first = await step(); // allocates the optimizer state
      const before = bw.memory();
      let last = first;
      for (let i = 0; i < 5; i++) last = await step();
      const after = bw.memory();
      expect(after.liveBuffers).toBe(before.liveBuffers);
      expect(after.liveBytes).toBe(before.liveBytes);
      expect(last).toBeLessThan(first);
      opt.dispose();
      for (const q of [...params, x, labels]) q.dispose();
    })();
  });
});

describe.each(backendsUnderTest())('composite ops outside any scope on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('free their intermediates: only the result stays allocated', async () => {
    const a = t(randData([1, 3, 6, 5, 3], 1), [1, 3, 6, 5, 3]);
    const b = t(randData([1, 3, 6, 5, 3], 2), [1, 3, 6, 5, 3]);
    const flat = t(randData([1, 1, 6, 5, 3], 3), [1, 1, 6, 5, 3]);
    const m = t(randData([4, 5], 4), [4, 5]);
    const labels = bw.tensor(new Int32Array([0, 1, 4, 2]), [4]);
    const weight = bw.ones([1, 3, 6, 5, 1]), w52 = bw.ones([5, 2]), b2 = bw.ones([2]), k2d = bw.ones([3, 3, 3, 2]);
    const a4 = bw.reshape(a, [3, 6, 5, 3]);
    const calls: [string, () => bw.Tensor][] = [
      ['add scalar', () => bw.add(a, 1)], ['mul scalar', () => bw.mul(2, a)], ['maximum', () => bw.maximum(a, 0)],
      ['mean', () => bw.mean(a)], ['max', () => bw.max(a, [1, 2])], ['mse', () => bw.mse(a, b)],
      ['bceWithLogits', () => bw.bceWithLogits(a, b)], ['nccLoss', () => bw.nccLoss(a, b, 3)],
      ['smoothness', () => bw.smoothness(a, { weight })], ['softDiceLoss', () => bw.softDiceLoss(a, b)],
      ['softmaxCrossEntropy', () => bw.softmaxCrossEntropy(m, labels)], ['linear', () => bw.linear(m, w52, b2)],
      ['warp 3D', () => bw.warp(a, b)], ['warp 2D', () => bw.warp(flat, flat)], ['warpNearest 2D', () => bw.warpNearest(flat, flat)],
      ['integrateVelocity', () => bw.integrateVelocity(b)], ['resizeField2x', () => bw.resizeField2x(b)],
      ['dropout', () => bw.dropout(a, 0.5, new bw.Rng(1))], ['globalNorm', () => bw.globalNorm([a, b])],
      ['conv2d', () => bw.conv2d(a4, k2d)],
    ];
    for (const [name, call] of calls) {
      const before = bw.memory().liveBuffers;
      const y = call();
      expect(bw.memory().liveBuffers - before, name).toBe(1);
      y.dispose();
    }
  });
});
