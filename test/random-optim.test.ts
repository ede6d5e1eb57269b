import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { backendsUnderTest, expectClose, randData, t, useBackend } from './harness.js';

describe.each(backendsUnderTest())('randomness and optimizers on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('the same seed gives the same numbers; another seed or stream differs', async () => {
    const draw = async (seed: number) => {
      const r = new bw.Rng(seed);
      const a = bw.randomNormal([1001], r), b = bw.randomUniform([33], r, -2, 3);
      const out = [Array.from(await a.data()), Array.from(await b.data())];
      a.dispose(); b.dispose();
      return out;
    };
    const [a1, b1] = await draw(7), [a2, b2] = await draw(7), [a3] = await draw(8);
    expect(a1).toEqual(a2);
    expect(b1).toEqual(b2);
    expect(a1).not.toEqual(a3);
    expect(a1).not.toEqual(b1!.slice(0, a1!.length));
  });

  it('normal and uniform draws have the right moments', async () => {
    const r = new bw.Rng(3);
    const n = (await bw.randomNormal([200_000], r, 1.5, 2).data());
    const mean = n.reduce((a, b) => a + b, 0) / n.length;
    const sd = Math.sqrt(n.reduce((a, b) => a + (b - mean) ** 2, 0) / n.length);
    expect(mean).toBeCloseTo(1.5, 1);
    expect(sd).toBeCloseTo(2, 1);
    const u = (await bw.randomUniform([100_000], r, -1, 3).data());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u)).toBeLessThan(3);
    expect(u.reduce((a, b) => a + b, 0) / u.length).toBeCloseTo(1, 1);
  });

  it('dropout keeps about 1 - rate of the values, scaled, reproducibly, and passes gradients through the mask', async () => {
    const x = bw.ones([10_000]);
    const y1 = (await bw.dropout(x, 0.3, new bw.Rng(5)).data());
    const y2 = (await bw.dropout(x, 0.3, new bw.Rng(5)).data());
    expect(Array.from(y1)).toEqual(Array.from(y2));
    const kept = y1.filter((v) => v !== 0);
    expect(kept.length / 10_000).toBeCloseTo(0.7, 1);
    for (const v of kept) expect(v).toBeCloseTo(1 / 0.7, 5);
    const { grads } = bw.valueAndGrads(() => bw.sum(bw.dropout(x, 0.3, new bw.Rng(5))), [x]);
    expectClose((await grads[0]!.data()), y1, 1e-6, 0, 'dropout gradient = mask');
    expect(() => bw.dropout(x, 1, new bw.Rng(1))).toThrow(/dropout: rate must be in \[0, 1\)/);
  });

  const p0 = randData([37], 1), g1 = randData([37], 2), g2 = randData([37], 3);

  async function runOpt(opt: bw.Optimizer): Promise<Float32Array> {
    const p = t(p0, [37]);
    for (const g of [g1, g2, g1]) {
      const gt = t(g, [37]);
      opt.step([p], [gt]);
      gt.dispose();
    }
    const out = (await p.data()) as Float32Array;
    p.dispose();
    opt.dispose();
    return out;
  }

  it('SGD with momentum, weight decay and Nesterov matches PyTorch\'s update rule', async () => {
    for (const nesterov of [false, true]) {
      const lr = 0.1, mom = 0.9, wd = 0.01;
      const p = Float64Array.from(p0), v = new Float64Array(37);
      for (const g of [g1, g2, g1]) for (let i = 0; i < 37; i++) {
        const gi = g[i]! + wd * p[i]!;
        v[i] = mom * v[i]! + gi;
        p[i] = p[i]! - lr * (nesterov ? gi + mom * v[i]! : v[i]!);
      }
      expectClose(await runOpt(new bw.SGD({ lr, momentum: mom, weightDecay: wd, nesterov })), p, 1e-5, 1e-5, 'sgd');
    }
  });

  it('Adam (L2 and decoupled weight decay) matches the bias-corrected update', async () => {
    for (const decoupled of [false, true]) {
      const lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1;
      const p = Float64Array.from(p0), m = new Float64Array(37), v = new Float64Array(37);
      let step = 0;
      for (const g of [g1, g2, g1]) {
        step++;
        for (let i = 0; i < 37; i++) {
          if (decoupled) p[i] = p[i]! * (1 - lr * wd);
          const gi = g[i]! + (decoupled ? 0 : wd * p[i]!);
          m[i] = b1 * m[i]! + (1 - b1) * gi;
          v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
          const mh = m[i]! / (1 - b1 ** step), vh = v[i]! / (1 - b2 ** step);
          p[i] = p[i]! - (lr * mh) / (Math.sqrt(vh) + eps);
        }
      }
      expectClose(await runOpt(new bw.Adam({ lr, weightDecay: wd, decoupledWeightDecay: decoupled })), p, 1e-5, 1e-4, 'adam');
    }
  });

  it('AdaGrad matches its update rule', async () => {
    const lr = 0.1, eps = 1e-10;
    const p = Float64Array.from(p0), acc = new Float64Array(37);
    for (const g of [g1, g2, g1]) for (let i = 0; i < 37; i++) {
      acc[i] = acc[i]! + g[i]! * g[i]!;
      p[i] = p[i]! - (lr * g[i]!) / (Math.sqrt(acc[i]!) + eps);
    }
    expectClose(await runOpt(new bw.AdaGrad({ lr })), p, 1e-5, 1e-4, 'adagrad');
  });

  it('gradient dot products, Gram matrix and global norm over parameter lists', async () => {
    const shapes = [[3, 5], [7], [2, 2, 3]];
    const lists = [0, 1, 2].map((k) => shapes.map((s, i) => randData(s, 10 * k + i)));
    const ts = lists.map((l) => l.map((d, i) => t(d, shapes[i]!)));
    const dot = (a: Float64Array[], b: Float64Array[]) => a.reduce((s, x, i) => s + x.reduce((q, v, j) => q + v * b[i]![j]!, 0), 0);
    expect((await bw.gradDot(ts[0]!, ts[1]!).data())[0]).toBeCloseTo(dot(lists[0]!, lists[1]!), 5);
    const G = (await bw.gradGram(ts).data());
    for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) expect(G[p * 3 + q]).toBeCloseTo(dot(lists[p]!, lists[q]!), 5);
    expect((await bw.globalNorm(ts[2]!).data())[0]).toBeCloseTo(Math.sqrt(dot(lists[2]!, lists[2]!)), 5);
    expect(() => bw.gradDot(ts[0]!, ts[1]!.slice(0, 2))).toThrow(/gradDot: gradient lists differ in length: 3 vs 2/);
  });
});
