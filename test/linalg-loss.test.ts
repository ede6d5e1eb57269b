import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { backendsUnderTest, checkGrad, expectClose, randData, randInts, t, useBackend, weightedSumRef } from './harness.js';
import { diceRef, matmulRef, nccRef, smoothnessRef, softDiceRef, softmaxCrossEntropyRef } from './reference/core.js';

describe.each(backendsUnderTest())('matmul, linear and losses on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('matmul with every transpose combination and awkward sizes', async () => {
    for (const [m, k, n] of [[1, 1, 1], [5, 3, 7], [4, 8, 8], [9, 6, 13], [33, 17, 10]] as const) {
      for (const ta of [false, true]) for (const tb of [false, true]) {
        const as = ta ? [k, m] : [m, k], bs = tb ? [n, k] : [k, n];
        const a = randData(as, m * 7 + k), b = randData(bs, n * 3 + 1);
        const r = randData([m, n], 2);
        await checkGrad(([x, y]) => bw.sum(bw.mul(bw.matmul(x!, y!, { transposeA: ta, transposeB: tb }), t(r, [m, n]))),
          ([x, y]) => weightedSumRef(matmulRef(x!, y!, m, k, n, ta, tb), r), [{ data: a, shape: as }, { data: b, shape: bs }], { coords: 12 });
      }
    }
  });

  it('batched matmul, with a shared rank-2 operand', async () => {
    const a = randData([3, 4, 5], 1), b = randData([5, 6], 2);
    const r = randData([3, 4, 6], 3);
    await checkGrad(([x, y]) => bw.sum(bw.mul(bw.matmul(x!, y!), t(r, [3, 4, 6]))), ([x, y]) => {
      let s = 0;
      for (let i = 0; i < 3; i++) s += weightedSumRef(matmulRef(x!.subarray(i * 20, i * 20 + 20), y!, 4, 5, 6), r.subarray(i * 24, i * 24 + 24));
      return s;
    }, [{ data: a, shape: [3, 4, 5] }, { data: b, shape: [5, 6] }], { coords: 15 });
    const ta = t(a, [3, 4, 5]), tb = t(randData([4, 6], 1), [4, 6]);
    expect(() => bw.matmul(ta, tb)).toThrow(/matmul: inner dimensions differ: a \[3, 4, 5\] has k = 5, b \[4, 6\] has k = 4/);
    ta.dispose(); tb.dispose();
  });

  it('linear = x @ w + b', async () => {
    const x = randData([6, 5], 1), w = randData([5, 3], 2), b = randData([3], 3), r = randData([6, 3], 4);
    await checkGrad(([X, W, B]) => bw.sum(bw.mul(bw.linear(X!, W!, B!), t(r, [6, 3]))), ([X, W, B]) => {
      const y = matmulRef(X!, W!, 6, 5, 3);
      for (let i = 0; i < 18; i++) y[i] += B![i % 3]!;
      return weightedSumRef(y, r);
    }, [{ data: x, shape: [6, 5] }, { data: w, shape: [5, 3] }, { data: b, shape: [3] }]);
  });

  it('softmax cross-entropy on integer labels (2D and per-voxel logits)', async () => {
    for (const shape of [[7, 5], [2, 1, 3, 4, 6]]) {
      const classes = shape[shape.length - 1]!;
      const rows = shape.reduce((a, b) => a * b, 1) / classes;
      const logits = randData(shape, 5, -3, 3);
      const labels = bw.tensor(randInts(rows, classes, 6), shape.slice(0, -1));
      const lv = (await labels.data());
      await checkGrad(([x]) => bw.softmaxCrossEntropy(x!, labels), ([x]) => softmaxCrossEntropyRef(x!, lv, classes), [{ data: logits, shape }]);
      labels.dispose();
    }
    const x = t([1, 2, 3, 4], [2, 2]);
    const bad = bw.tensor(new Int32Array([0, 2]), [2]);
    const nan = t([1, NaN, 3, 4], [2, 2]);
    const ok = bw.tensor(new Int32Array([0, 1]), [2]);
    // Labels and the loss are checked where values are host-visible (wasm); on WebGPU reading them
    // would stall the queue, so the checks are the caller's (src/ops/loss.ts).
    if (bw.getBackend().readSync) expect(() => bw.softmaxCrossEntropy(x, bad)).toThrow(/softmaxCrossEntropy: label 2 at index 1 is outside \[0, 2\)/);
    if (bw.getBackend().readSync) expect(() => bw.softmaxCrossEntropy(nan, ok)).toThrow(/softmaxCrossEntropy: loss is NaN: input 'logits' \[2, 2\] holds NaN at flat index 1/);
    for (const q of [x, bad, nan, ok]) q.dispose();
  });

  it('softmax rows sum to one', async () => {
    const x = t(randData([4, 7], 1, -20, 20), [4, 7]);
    const p = (await bw.softmax(x).data());
    for (let r = 0; r < 4; r++) expect(p.slice(r * 7, r * 7 + 7).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    x.dispose();
  });

  it('binary cross-entropy with logits is stable and differentiable', async () => {
    const logits = randData([3, 5], 1, -30, 30), z = randData([3, 5], 2, 0, 1);
    const ref = (x: Float64Array) => x.reduce((s, v, i) => s + Math.max(v, 0) - v * z[i]! + Math.log1p(Math.exp(-Math.abs(v))), 0) / x.length;
    await checkGrad(([x]) => bw.bceWithLogits(x!, t(z, [3, 5])), ([x]) => ref(x!), [{ data: logits, shape: [3, 5] }]);
  });

  it('mse', async () => {
    const a = randData([2, 3, 4], 1), b = randData([2, 3, 4], 2);
    await checkGrad(([x, y]) => bw.mse(x!, y!), ([x, y]) => x!.reduce((s, v, i) => s + (v - y![i]!) ** 2, 0) / x!.length,
      [{ data: a, shape: [2, 3, 4] }, { data: b, shape: [2, 3, 4] }]);
  });

  it('local NCC matches VoxelMorph\'s direct window sums, 2D and 3D, and differentiates', async () => {
    for (const [shape, win] of [[[1, 1, 11, 9, 1], 9], [[2, 5, 6, 7, 1], 3], [[1, 4, 5, 6, 2], 5]] as const) {
      const I = randData(shape, 1, 0, 1), J = randData(shape, 2, 0, 1);
      await checkGrad(([a, b]) => bw.nccLoss(a!, b!, win), ([a, b]) => nccRef(a!, b!, shape, win),
        [{ data: I, shape }, { data: J, shape }], { rtol: 5e-3, atol: 5e-4, coords: 25 });
    }
  });

  it('smoothness: l2 and l1, with and without a per-voxel weight map', async () => {
    const shape = [2, 3, 4, 5, 3];
    const u = randData(shape, 3);
    const w = randData([2, 3, 4, 5, 1], 4, 0, 1);
    for (const penalty of ['l2', 'l1'] as const) {
      await checkGrad(([x]) => bw.smoothness(x!, { penalty }), ([x]) => smoothnessRef(x!, shape, penalty), [{ data: u, shape }]);
      await checkGrad(([x]) => bw.smoothness(x!, { penalty, weight: t(w, [2, 3, 4, 5, 1]) }), ([x]) => smoothnessRef(x!, shape, penalty, w), [{ data: u, shape }]);
    }
    const flat = [1, 1, 6, 7, 2];
    await checkGrad(([x]) => bw.smoothness(x!), ([x]) => smoothnessRef(x!, flat, 'l2'), [{ data: randData(flat, 5), shape: flat }]);
  });

  it('soft Dice and hard per-label Dice', async () => {
    const p = randData([10, 4], 1, 0, 1), tt = new Float64Array(40);
    const lab = randInts(10, 4, 2);
    lab.forEach((l, i) => { tt[i * 4 + l] = 1; });
    await checkGrad(([x]) => bw.softDiceLoss(x!, t(tt, [10, 4])), ([x]) => softDiceRef(x!, tt, 4), [{ data: p, shape: [10, 4] }]);
    return (async () => {
      const pred = randInts(200, 5, 3), truth = randInts(200, 5, 4);
      const a = bw.tensor(pred, [200]), b = bw.tensor(truth, [200]);
      const d = await bw.diceScores(a, b, [0, 1, 2, 3, 4, 7]);
      for (const l of [0, 1, 2, 3, 4]) expect(d.get(l)).toBeCloseTo(diceRef(pred, truth, l), 6);
      expect(Number.isNaN(d.get(7))).toBe(true);
      a.dispose(); b.dispose();
    })();
  });
});
