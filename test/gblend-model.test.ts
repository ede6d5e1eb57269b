// The G-Blend model: stable parameter names, head dependencies, every fusion variant and both encoder
// kinds learn (the blended loss falls).
import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { BlendModel, type Fusion, type ModelConfig } from '../src/gblend/model.js';
import { backendsUnderTest, hostRng, useBackend } from './harness.js';


const cfg = (fusion: Fusion): ModelConfig => ({
  modalities: [
    { name: 'img', shape: [8, 8], encoder: { kind: 'cnn', channels: [4, 6], kernel: 3, out: 12 } },
    { name: 'vec', shape: [5], encoder: { kind: 'mlp', hidden: [10, 8] } },
  ],
  classes: 3, fusion, fusedDropout: 0.1,
});

describe.each(backendsUnderTest())('BlendModel on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('names its parameters as documented (safetensors keys)', () => {
    const m = new BlendModel(cfg('concat'), new bw.Rng(1));
    expect(m.params.names()).toEqual([
      'enc.img.conv0.weight', 'enc.img.conv0.bias', 'enc.img.conv1.weight', 'enc.img.conv1.bias', 'enc.img.proj.weight', 'enc.img.proj.bias',
      'head.img.weight', 'head.img.bias', 'enc.vec.fc0.weight', 'enc.vec.fc0.bias', 'enc.vec.fc1.weight', 'enc.vec.fc1.bias', 'head.vec.weight', 'head.vec.bias',
      'fused.fc0.weight', 'fused.fc0.bias', 'fused.fc1.weight', 'fused.fc1.bias', 'fused.out.weight', 'fused.out.bias',
    ]);
    expect(m.params.get('enc.img.conv0.weight').shape).toEqual([1, 3, 3, 1, 4]);
    expect(m.params.get('enc.img.proj.weight').shape).toEqual([2 * 2 * 6, 12]);
    expect(m.params.get('fused.fc0.weight').shape).toEqual([20, 10]);   // d = 12 + 8, d/2 = 10
    expect(m.params.get('fused.fc1.weight').shape).toEqual([10, 10]);
    expect(m.paramsOfHead(1).length).toBe(6);   // enc.vec.* and head.vec.*
    expect(m.paramsOfHead(2).length).toBe(16);  // every encoder and the fused layers, no unimodal head
    m.dispose();
  });

  it.each(['concat', 'mid-concat', 'se-gate', 'lmf'] as Fusion[])('%s: every head gives [N, classes] logits and the blended loss falls', async (fusion) => {
    const r = hostRng(7), n = 24;
    const y = Int32Array.from({ length: n }, (_, i) => i % 3);
    const img = Float32Array.from({ length: n * 64 }, (_, k) => (Math.floor((k % 64) / 8) % 3 === y[Math.floor(k / 64)] ? 1 : 0) + 0.3 * (r() - 0.5));
    const vec = Float32Array.from({ length: n * 5 }, (_, k) => (k % 5 === y[Math.floor(k / 5)] ? 1 : 0) + 0.3 * (r() - 0.5));
    const m = new BlendModel(cfg(fusion), new bw.Rng(2));
    const xs = [bw.tensor(img, [n, 8, 8]), bw.tensor(vec, [n, 5])], labels = bw.tensor(y, [n], 'i32');
    const logits = bw.tidy(() => m.forward(xs) as bw.Tensor[]);
    expect(logits.map((l) => l.shape)).toEqual([[n, 3], [n, 3], [n, 3]]);
    logits.forEach((l) => l.dispose());
    const opt = new bw.Adam({ lr: 0.01 });
    const params = m.params.list();
    const lossAt = async () => { const { value, grads } = bw.valueAndGrads(() => { const l = m.forward(xs, { rng: new bw.Rng(3) }); return bw.add(bw.add(bw.softmaxCrossEntropy(l[0]!, labels), bw.softmaxCrossEntropy(l[1]!, labels)), bw.softmaxCrossEntropy(l[2]!, labels)); }, params); opt.step(params, grads); const v = await value.item(); value.dispose(); grads.forEach((g) => g.dispose()); return v; };
    const first = await lossAt();
    let last = first;
    for (let i = 0; i < 40; i++) last = await lossAt();
    expect(last).toBeLessThan(first / 3);
    opt.dispose(); m.dispose(); xs.forEach((x) => x.dispose()); labels.dispose();
  });
});
