// OGR, GB_Estimate's weight formula and clipping, the guards, the metrics, and the direct estimator of
// Proposition 1 against dot products computed on the host.
import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import type { Dataset } from '../src/gblend/data.js';
import { averagePrecision, rocAuc, topK, crossEntropy } from '../src/gblend/metrics.js';
import { BlendModel } from '../src/gblend/model.js';
import { applyFloor, batchTensors, blendWeights, derivedSeed, gbEstimate, gradientEstimate, ogrBetween, prop1Estimate, smoothWeights, type Splits, type TrainConfig } from '../src/gblend/train.js';
import { backendsUnderTest, hostRng, useBackend } from './harness.js';


describe('OGR and the blend weights', () => {
  it('O, G and OGR between two checkpoints, by hand', () => {
    // O_N = 1.2 - 1.0 = 0.2, O_N+n = 0.9 - 0.3 = 0.6: dO = 0.4; dG = 1.2 - 0.9 = 0.3; OGR = 4/3.
    const r = ogrBetween({ train: 1.0, val: 1.2 }, { train: 0.3, val: 0.9 });
    expect(r.dO).toBeCloseTo(0.4, 12);
    expect(r.dG).toBeCloseTo(0.3, 12);
    expect(r.ogr).toBeCloseTo(4 / 3, 12);
    expect(ogrBetween({ train: 1, val: 1 }, { train: 0.5, val: 1 }).ogr).toBeNull();
  });

  it('w = G / O^2 normalised, with the tsai clipping for G <= 0 and O ~ 0', () => {
    // Raw: 0.3 / 0.16 = 1.875, 0.1 / 0.01 = 10, G < 0 -> 1e-8.
    const w = blendWeights([0.3, 0.1, -0.2], [0.4, -0.1, 0.5]);
    expect(w[0]).toBeCloseTo(1.875 / 11.875, 8);
    expect(w[1]).toBeCloseTo(10 / 11.875, 8);
    expect(w[2]).toBeCloseTo(1e-8 / 11.875, 14);
    // dO = 0 is clipped to dO^2 = 1e-8, not a division by zero.
    const z = blendWeights([1e-4, 1e-4], [0, 1]);
    expect(z[0]).toBeCloseTo(1e4 / (1e4 + 1e-4), 8);
    // Every G <= 0: all weights 1e-8, i.e. equal after normalising (what the no-gain guard catches).
    expect(blendWeights([-1, -2, 0], [1, 1, 1])).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('the floor keeps every weight >= floor and the sum at 1; smoothing averages with the previous weights', () => {
    const f = applyFloor([0.98, 0.02, 0], 0.05);
    expect(f[1]).toBeCloseTo(0.05, 12);
    expect(f[2]).toBeCloseTo(0.05, 12);
    expect(f[0]).toBeCloseTo(0.9, 12);
    expect(applyFloor([0.5, 0.5], 0)).toEqual([0.5, 0.5]);
    expect(() => applyFloor([1, 0, 0], 0.4)).toThrow(/too large for 3 heads/);
    const s = smoothWeights([0.2, 0.8], [1, 0], 0.5);
    expect(s[0]).toBeCloseTo(0.6, 12);
    expect(smoothWeights(null, [1, 0], 0.5)).toEqual([1, 0]);
  });
});

describe('metrics', () => {
  it('top-k, cross-entropy, AP and AUC on hand cases', () => {
    const scores = Float32Array.from([3, 2, 1, 0, 1, 2]);
    expect(topK(scores, 3, Int32Array.from([0, 2]), 1)).toBe(1);
    expect(topK(scores, 3, Int32Array.from([1, 0]), 1)).toBe(0);
    expect(topK(scores, 3, Int32Array.from([1, 1]), 2)).toBe(1);
    expect(crossEntropy(Float32Array.from([0, 0]), 2, Int32Array.from([1]))).toBeCloseTo(Math.log(2), 6);
    // Ranking: p, n, p -> AP = (1/1 + 2/3) / 2.
    expect(averagePrecision([0.9, 0.8, 0.7], [1, 0, 1])).toBeCloseTo((1 + 2 / 3) / 2, 12);
    expect(rocAuc([0.9, 0.8, 0.7], [1, 0, 1])).toBeCloseTo(0.5, 12);
    expect(rocAuc([0.9, 0.1], [1, 0])).toBe(1);
  });
});

function blobs(n: number, seed: number, informative: number[]): Dataset {
  const r = hostRng(seed), dims = 8;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const mods = informative.map((inf, mi) => ({
    name: `m${mi}`, shape: [dims],
    data: Float32Array.from({ length: n * dims }, (_, k) => { const i = Math.floor(k / dims), d = k % dims; return (d === labels[i] ? inf * 2 : 0) + (r() - 0.5) * 2; }),
  }));
  return { modalities: mods, classes: 3, labels };
}

describe.each(backendsUnderTest())('estimators on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  const cfg: TrainConfig = { optimizer: 'adam', lr: 0.01, batchSize: 16, seed: 3 };
  const model = () => new BlendModel({ modalities: [{ name: 'm0', shape: [8], encoder: { kind: 'mlp', hidden: [32] } }, { name: 'm1', shape: [8], encoder: { kind: 'mlp', hidden: [32] } }], classes: 3, fusedDropout: 0 }, new bw.Rng(3));

  it('GB_Estimate gives an uninformative modality (pure noise) almost no weight', async () => {
    const train = blobs(150, 1, [1, 0]), val = blobs(90, 2, [1, 0]);
    const splits: Splits = { train, trainEval: train, val };
    const m = model();
    const { weights, heads } = await gbEstimate(m.config, await m.snapshot(), splits, cfg, { epochs: 6 }, 1, 'test', {});
    m.dispose();
    const ogr = heads.map((h) => Math.abs(h.dO / h.dG));
    // The informative head generalises (OGR ~0.1); the noise head mostly memorises (its small dG is
    // the calibration away from a random initialisation's overconfident outputs).
    expect(ogr[0]).toBeLessThan(0.3);
    expect(ogr[1]).toBeGreaterThan(2);
    expect(weights[1]).toBeLessThan(weights[0]! / 10);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('GB_Estimate with the accuracy metric measures O and G on error rates', async () => {
    const train = blobs(150, 1, [1, 0]), val = blobs(90, 2, [1, 0]);
    const m = model();
    const { weights, heads } = await gbEstimate(m.config, await m.snapshot(), { train, trainEval: train, val }, cfg, { epochs: 3, metric: 'accuracy' }, 1, 'test', {});
    m.dispose();
    for (const h of heads) {
      for (const v of [h.before.train, h.before.val, h.after.train, h.after.val]) { expect(v).toBeGreaterThanOrEqual(0); expect(v).toBeLessThanOrEqual(1); }
    }
    // The informative head's validation error falls a lot (chance is 2/3); the noise head's does not.
    expect(heads[0]!.dG).toBeGreaterThan(0.3);
    expect(heads[1]!.dG).toBeLessThan(0.2);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('Proposition 1 (gblend-prop1): G_k = <g*_V of the target, v_k>, O_k = <g^T - g*, v_k> over all parameters, computed on the host', async () => {
    const train = blobs(40, 5, [1, 0.5]), val = blobs(30, 6, [1, 0.5]);
    const splits: Splits = { train, trainEval: train, val };
    const m = model();
    const est = await prop1Estimate(m, splits, cfg, 1, 0);
    const params = m.params.list();
    const gradOn = async (ds: Dataset, h: number) => {
      const r = bw.valueAndGrads(() => {
        const xs = ds.modalities.map((mod) => bw.tensor(mod.data, [ds.labels.length, ...mod.shape]));
        return bw.softmaxCrossEntropy(m.forward(xs, { heads: [h] })[h]!, bw.tensor(ds.labels, [ds.labels.length], 'i32'));
      }, params);
      const flat = (await bw.readAll(r.grads)).flatMap((g) => [...(g as Float32Array)]);
      r.value.dispose(); r.grads.forEach((g) => g.dispose());
      return flat;
    };
    const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
    const gStar = await gradOn(val, 2), gT = await gradOn(train, 2);
    for (let h = 0; h <= 2; h++) {
      const v = await gradOn(train, h);
      expect(est.dG[h]).toBeCloseTo(dot(gStar, v), 4);
      expect(Math.abs(est.dO[h]!)).toBeCloseTo(Math.abs(dot(gT, v) - dot(gStar, v)), 4);
    }
    // A unimodal head meets the target only on its encoder: not the per-head estimator's numbers.
    const per = await gradientEstimate(m, splits, cfg, 1, 0);
    expect(Math.abs(per.dG[0]! - est.dG[0]!)).toBeGreaterThan(1e-6);
    // The fused head's G and O are the per-head estimator's (same gradients, same space).
    expect(est.dG[2]).toBeCloseTo(per.dG[2]!, 4);
    expect(est.weights).toEqual(blendWeights(est.dG, est.dO));
    m.dispose();
  });

  it('Proposition 1 (gblend-prop1) over several batch pairs: the host means of <g*, v_k> and of (<g^T, v_k> - <g*, v_k>)^2 over the same draws', async () => {
    // Batches of 4 * batchSize = 12 out of 40 / 30 examples: each pair sees other examples.
    const train = blobs(40, 5, [1, 0.5]), val = blobs(30, 6, [1, 0.5]);
    const splits: Splits = { train, trainEval: train, val };
    const small: TrainConfig = { ...cfg, batchSize: 3 };
    const m = model();
    const pairs = 3, epoch = 1;
    const est = await prop1Estimate(m, splits, small, pairs, epoch);
    // The estimator's draws: one generator per (seed, epoch), a train then a val permutation per pair.
    const rng = new bw.Rng(derivedSeed(small.seed, 983, epoch));
    const params = m.params.list();
    const gradOn = async (ds: Dataset, idx: Int32Array, h: number) => {
      const r = bw.valueAndGrads(() => {
        const { xs, y } = batchTensors(ds, idx, 0, 12);
        return bw.softmaxCrossEntropy(m.forward(xs, { heads: [h] })[h]!, y);
      }, params);
      const flat = Float64Array.from((await bw.readAll(r.grads)).flatMap((g) => [...(g as Float32Array)]));
      r.value.dispose(); r.grads.forEach((g) => g.dispose());
      return flat;
    };
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((q, v, i) => q + v * b[i]!, 0);
    const G = [0, 0, 0], O = [0, 0, 0], O2 = [0, 0, 0], perPair: number[] = [];
    for (let b = 0; b < pairs; b++) {
      const it = rng.permutation(40), iv = rng.permutation(30);
      const gStar = await gradOn(val, iv, 2), gT = await gradOn(train, it, 2);
      for (let h = 0; h <= 2; h++) {
        const v = h === 2 ? gT : await gradOn(train, it, h);
        const g = dot(gStar, v), o = dot(gT, v) - g;
        G[h] += g / pairs; O[h] += o / pairs; O2[h] += (o * o) / pairs;
        if (h === 0) perPair.push(g);
      }
    }
    // The pairs differ (so this is not one pair counted three times), and O is the root mean square.
    expect(new Set(perPair.map((v) => v.toFixed(6))).size).toBe(pairs);
    for (let h = 0; h <= 2; h++) {
      expect(est.dG[h]).toBeCloseTo(G[h]!, 4);
      expect(est.dO[h]).toBeCloseTo(Math.sign(O[h] || 1) * Math.sqrt(O2[h]!), 4);
    }
    expect(est.weights).toEqual(blendWeights(est.dG, est.dO));
    m.dispose();
  });

  it('the per-head first-order estimator (gblend-grad-perhead) over several batch pairs equals the host means of <g_V, g_T> and (<g_T, g_T> - <g_T, g_V>)^2', async () => {
    // Batches of 4 * batchSize = 12 out of 40 / 30 examples: each of the 3 pairs sees other examples.
    const train = blobs(40, 5, [1, 0.5]), val = blobs(30, 6, [1, 0.5]);
    const splits: Splits = { train, trainEval: train, val };
    const small: TrainConfig = { ...cfg, batchSize: 3 };
    const m = model();
    const pairs = 3, epoch = 2;
    const est = await gradientEstimate(m, splits, small, pairs, epoch);
    // The same draws as the estimator: one generator per (seed, epoch), a train then a val permutation
    // per pair, heads one after another (each head its own pairs).
    const rng = new bw.Rng(derivedSeed(small.seed, 977, epoch));
    const draws = Array.from({ length: 3 * pairs }, () => ({ t: rng.permutation(40), v: rng.permutation(30) }));
    const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
    const seen = new Set<string>();
    for (let h = 0; h <= 2; h++) {
      const params = m.paramsOfHead(h);
      const gradOn = async (ds: Dataset, idx: Int32Array, size: number) => {
        const r = bw.valueAndGrads(() => {
          const { xs, y } = batchTensors(ds, idx, 0, size);
          return bw.softmaxCrossEntropy(m.forward(xs, { heads: [h] })[h]!, y);
        }, params);
        const flat = Float64Array.from((await bw.readAll(r.grads)).flatMap((g) => [...(g as Float32Array)]));
        r.value.dispose(); r.grads.forEach((g) => g.dispose());
        return flat;
      };
      let G = 0, O2 = 0, O = 0;
      for (const d of draws.slice(h * pairs, (h + 1) * pairs)) {
        const gT = await gradOn(train, d.t, 12), gV = await gradOn(val, d.v, 12);
        seen.add(gT.slice(0, 4).join(','));
        const tt = dot(gT, gT), tv = dot(gT, gV);
        G += tv / pairs; O2 += (tt - tv) ** 2 / pairs; O += (tt - tv) / pairs;
      }
      // Not the mean of one pair: the pairs differ, and O^2 is the mean of the squares, not the square of the mean.
      expect(est.dG[h]).toBeCloseTo(G, 4);
      expect(est.dO[h]).toBeCloseTo(Math.sign(O || 1) * Math.sqrt(O2), 4);
    }
    expect(seen.size).toBe(3 * pairs);
    expect(est.weights).toEqual(blendWeights(est.dG, est.dO));
    m.dispose();
  });

  it('the per-head first-order estimator (gblend-grad-perhead) equals G = <g_V, g_T>, O = <g_T - g_V, g_T> computed on the host', async () => {
    // With T and V no larger than 4 batches, each gradient is the full-set gradient (order-free).
    const train = blobs(40, 5, [1, 0.5]), val = blobs(30, 6, [1, 0.5]);
    const splits: Splits = { train, trainEval: train, val };
    const m = model();
    const est = await gradientEstimate(m, splits, cfg, 1, 0);
    for (let h = 0; h <= 2; h++) {
      const params = m.paramsOfHead(h);
      const gradOn = async (ds: Dataset) => {
        const r = bw.valueAndGrads(() => {
          const xs = ds.modalities.map((mod) => bw.tensor(mod.data, [ds.labels.length, ...mod.shape]));
          return bw.softmaxCrossEntropy(m.forward(xs, { heads: [h] })[h]!, bw.tensor(ds.labels, [ds.labels.length], 'i32'));
        }, params);
        const flat = (await bw.readAll(r.grads)).flatMap((g) => [...(g as Float32Array)]);
        r.value.dispose(); r.grads.forEach((g) => g.dispose());
        return flat;
      };
      const gT = await gradOn(train), gV = await gradOn(val);
      const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
      const G = dot(gV, gT), O = dot(gT, gT) - dot(gT, gV);
      expect(est.dG[h]).toBeCloseTo(G, 4);
      expect(Math.abs(est.dO[h]!)).toBeCloseTo(Math.abs(O), 4);
    }
    const expected = blendWeights(est.dG, est.dO);
    expect(est.weights).toEqual(expected);
    m.dispose();
  });
});
