// Two tiny end-to-end learning checks of the whole core (ops, autograd, optimizers).
import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { UNet } from '../src/nn/unet.js';
import { drawBlob, smoothField } from '../src/synth/shapes.js';
import { backendsUnderTest, hostRng, useBackend } from './harness.js';

describe.each(backendsUnderTest())('learning on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('an MLP learns two interleaved spirals (a nonlinear 2D classification)', async () => {
    const n = 200, r = hostRng(1);
    const xs = new Float32Array(2 * n), ys = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const cls = i % 2, s = (i >> 1) / (n / 2);
      const a = 3 * Math.PI * s + cls * Math.PI;
      xs[2 * i] = s * Math.cos(a) + 0.02 * (r() - 0.5);
      xs[2 * i + 1] = s * Math.sin(a) + 0.02 * (r() - 0.5);
      ys[i] = cls;
    }
    const x = bw.tensor(xs, [n, 2]), y = bw.tensor(ys, [n]);
    const rng = new bw.Rng(2);
    const params = [bw.randomNormal([2, 64], rng, 0, 1), bw.zeros([64]), bw.randomNormal([64, 64], rng, 0, 0.18), bw.zeros([64]), bw.randomNormal([64, 2], rng, 0, 0.18), bw.zeros([2])];
    const forward = () => bw.linear(bw.tanh(bw.linear(bw.tanh(bw.linear(x, params[0]!, params[1]!)), params[2]!, params[3]!)), params[4]!, params[5]!);
    const opt = new bw.Adam({ lr: 0.01 });
    let first = 0, last = 0;
    for (let step = 0; step < 600; step++) {
      const { value, grads } = bw.valueAndGrads(() => bw.softmaxCrossEntropy(forward(), y), params);
      opt.step(params, grads);
      const v = await value.item();
      if (step === 0) first = v;
      last = v;
      value.dispose();
      for (const g of grads) g.dispose();
    }
    const pred = bw.tidy(() => bw.argmax(forward()));
    const p = (await pred.data());
    const acc = ys.reduce((a, c, i) => a + (p[i] === c ? 1 : 0), 0) / n;
    expect(last).toBeLessThan(first / 5);
    expect(acc).toBeGreaterThanOrEqual(0.95);
  });

  it('a small conv net predicts a displacement field that registers a shifted, deformed 2D blob (MSE falls >= 10x)', async () => {
    const size = 32;
    const moving = drawBlob(size, size, size / 2, size / 2);
    const mImg = bw.tensor(moving.image, [1, 1, size, size, 1]);
    const trueFlow = bw.tensor(smoothField(size, size, [2, -2.5], 1.5, 3), [1, 1, size, size, 3]);
    const fImg = bw.warp(mImg, trueFlow);
    const input = bw.concat([mImg, fImg], -1);
    const net = new UNet({ inChannels: 2, encoder: [8, 16], decoder: [16, 16, 8], outChannels: 3, dims: 2 }, new bw.Rng(4));
    const params = net.params.list();
    const opt = new bw.Adam({ lr: 3e-3 });
    const before = bw.memory();
    const warpedMse = async () => {
      const v = bw.tidy(() => bw.mse(bw.warp(mImg, net.forward(input)), fImg));
      const out = await v.item();
      v.dispose();
      return out;
    };
    const mse0 = await warpedMse();
    for (let step = 0; step < 250; step++) {
      const { value, grads } = bw.valueAndGrads(() => {
        const flow = net.forward(input);
        const m = bw.mse(bw.warp(mImg, flow), fImg);
        return bw.add(m, bw.mulScalar(bw.smoothness(flow), 0.002));
      }, params);
      opt.step(params, grads);
      value.dispose();
      for (const g of grads) g.dispose();
    }
    const mse = await warpedMse();
    const identity = bw.mse(mImg, fImg);
    const identityMse = await identity.item();
    identity.dispose();
    expect(mse0).toBeCloseTo(identityMse, 3); // the flow layer starts near zero
    expect(mse).toBeLessThanOrEqual(mse0 / 10);
    // Adam's two state tensors per parameter are the only growth.
    expect(bw.memory().liveBuffers - before.liveBuffers).toBe(2 * params.length);
    opt.dispose(); net.dispose();
  });
});
