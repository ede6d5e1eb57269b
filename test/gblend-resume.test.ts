// An interrupted run resumes from its last checkpoint with nothing lost: the resumed run's history,
// weights and test accuracy equal those of an uninterrupted run.
import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { MemoryStore } from '../src/io/checkpoint-store.js';
import type { Dataset } from '../src/gblend/data.js';
import { runMethod, type GBlendOptions } from '../src/gblend/methods.js';
import { backendsUnderTest, hostRng, useBackend } from './harness.js';


function blobs(n: number, seed: number): Dataset {
  const r = hostRng(seed), dims = 6;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const mod = (name: string, s: number) => ({ name, shape: [dims], data: Float32Array.from({ length: n * dims }, (_, k) => (k % dims === labels[Math.floor(k / dims)] ? s : 0) + (r() - 0.5) * 2) });
  return { modalities: [mod('a', 1.2), mod('b', 0.6)], classes: 3, labels };
}

describe.each(backendsUnderTest())('G-Blend resume and multi-label on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('gblend-online interrupted after epoch 3 and resumed equals an uninterrupted run', async () => {
    const train = blobs(120, 1), test = blobs(60, 2);
    const opts: GBlendOptions = { epochs: 6, warmup: 2, superEpoch: 2, train: { optimizer: 'sgd', lr: 0.05, batchSize: 16 }, encoders: { a: { kind: 'mlp', hidden: [16] }, b: { kind: 'mlp', hidden: [16] } } };
    const straight = await runMethod('gblend-online', train, test, opts, 1, { store: new MemoryStore() });

    const store = new MemoryStore(), ac = new AbortController();
    await expect(runMethod('gblend-online', train, test, opts, 1, {
      store, signal: ac.signal,
      onProgress: (e) => { if (e.type === 'epoch' && e.record.epoch === 3) ac.abort(new Error('stopped by the test')); },
    })).rejects.toThrow('stopped by the test');
    const saved = [...store.blobs.keys()];
    expect(saved).toEqual(['s1_gblend-online.safetensors']);
    const epochsSeen: number[] = [];
    const resumed = await runMethod('gblend-online', train, test, opts, 1, { store, onProgress: (e) => { if (e.type === 'epoch') epochsSeen.push(e.record.epoch); } });
    expect(epochsSeen).toEqual([4, 5, 6]); // only the missing epochs ran
    expect(resumed.history.map((h) => h.val.map((v) => v.loss))).toEqual(straight.history.map((h) => h.val.map((v) => v.loss)));
    expect(resumed.estimates.map((e) => e.weights)).toEqual(straight.estimates.map((e) => e.weights));
    expect(resumed.top1).toBe(straight.top1);
    expect(resumed.history.length).toBe(6);
  });

  it('multi-label data trains with binary cross-entropy, reports mAP and mAUC, and a run leaks no tensors', async () => {
    const base = blobs(120, 3), test = blobs(60, 4);
    // Two labels per example: its class and the next one.
    const hot = (d: Dataset): Dataset => ({ ...d, multiHot: Float32Array.from({ length: d.labels.length * 3 }, (_, k) => { const y = d.labels[Math.floor(k / 3)]!; return k % 3 === y || k % 3 === (y + 1) % 3 ? 1 : 0; }) });
    const before = bw.memory().liveBuffers;
    const r = await runMethod('aux', hot(base), hot(test), { epochs: 5, train: { optimizer: 'adam', lr: 0.01, batchSize: 16 }, encoders: { a: { kind: 'mlp', hidden: [16] }, b: { kind: 'mlp', hidden: [16] } } }, 1);
    expect(bw.memory().liveBuffers).toBe(before);
    expect(r.mAP).toBeGreaterThan(0.8);   // informative features: well above the 2/3 of a random ranking
    expect(r.mAUC).toBeGreaterThan(0.8);
    expect(r.history[4]!.train[2]!.loss).toBeLessThan(r.history[0]!.train[2]!.loss);
  });
});
