// Both pipelines end to end on every backend under test, small, and WebGPU against wasm for the same
// seed. Tolerances (README "Backends"): the two backends sum in different orders in f32, so values
// agree to rounding, not bit for bit; after training, those differences grow step by step.
//   G-Blend: per-epoch training loss within 2e-3 relative, blend weights within 0.02, test top-1
//            within 0.05 (3 of 60 examples).
//   Synthesis: every step loss of the spatial model within 2e-2 relative, SAS Dice within 0.02.
import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import type { Dataset } from '../src/gblend/data.js';
import { runMethod, type GBlendOptions, type MethodResult } from '../src/gblend/methods.js';
import { MemoryStore } from '../src/io/checkpoint-store.js';
import { phantomData } from '../src/synth/data.js';
import { gridMultiple, presetConfig, SynthPipeline } from '../src/synth/pipeline.js';
import { backendsUnderTest, hostRng, useBackend } from './harness.js';

function blobs(n: number, seed: number): Dataset {
  const r = hostRng(seed), dims = 6;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const mod = (name: string, s: number) => ({ name, shape: [dims], data: Float32Array.from({ length: n * dims }, (_, k) => (k % dims === labels[Math.floor(k / dims)] ? s : 0) + (r() - 0.5) * 2) });
  return { modalities: [mod('a', 1.2), mod('b', 0.4)], classes: 3, labels };
}

const gbOpts: GBlendOptions = {
  epochs: 4, warmup: 2, superEpoch: 2, gradBatches: 2,
  train: { optimizer: 'adam', lr: 0.01, batchSize: 16 },
  encoders: { a: { kind: 'mlp', hidden: [16] }, b: { kind: 'mlp', hidden: [16] } },
};
const GB_METHODS = ['gblend-online', 'gblend-grad'] as const;

async function gblendRuns(): Promise<Record<string, MethodResult>> {
  const train = blobs(96, 1), test = blobs(60, 2);
  const out: Record<string, MethodResult> = {};
  for (const m of GB_METHODS) out[m] = await runMethod(m, train, test, gbOpts, 1, { store: new MemoryStore() });
  return out;
}

// 2D phantoms, 32 x 32, a few steps of the quick configuration: the spatial model, SAS and its Dice.
async function synthRun(): Promise<{ losses: number[]; sasDice: number; affineDice: number }> {
  const config = presetConfig('quick', { steps: 8, methods: ['affine', 'sas'] });
  const data = phantomData({ dims: 2, shape: [1, 32, 32], multiple: gridMultiple(config), unlabeled: 2, tests: 1 });
  const p = new SynthPipeline(data, config, new MemoryStore());
  try {
    const r = (await p.run('evaluate'))!;
    const dice = Object.fromEntries(r.methods.map((m) => [m.name, m.dice_mean]));
    return { losses: p.losses.spatial!, sasDice: dice.sas!, affineDice: dice.affine! };
  } finally { p.dispose(); }
}

// Each backend's results, computed once by its own suite and compared by the parity suite below.
const gbResults = new Map<string, Record<string, MethodResult>>();
const synthResults = new Map<string, Awaited<ReturnType<typeof synthRun>>>();

const relClose = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

describe.each(backendsUnderTest())('pipelines end to end on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('G-Blend (online and gradient estimators) trains, estimates weights and evaluates', async () => {
    const before = bw.memory().liveBuffers;
    const r = await gblendRuns();
    expect(bw.memory().liveBuffers).toBe(before);
    gbResults.set(backend, r);
    for (const m of GB_METHODS) {
      const res = r[m]!;
      expect(res.history.length).toBe(4);
      expect(res.top1).toBeGreaterThan(0.6); // chance is 1/3
      const w = Object.values(res.weights!);
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
  });

  it('synthesis (spatial model, SAS, Dice) runs', async () => {
    const s = await synthRun();
    synthResults.set(backend, s);
    expect(s.losses.length).toBe(8);
    expect(s.losses.every(Number.isFinite)).toBe(true);
    expect(s.sasDice).toBeGreaterThan(0);
  });
});

const both = backendsUnderTest().includes('webgpu') && backendsUnderTest().includes('wasm');
describe.skipIf(!both)('WebGPU matches wasm for the same seed', () => {
  it('G-Blend: losses, weights and accuracy', async () => {
    const ref = gbResults.get('wasm'), gpu = gbResults.get('webgpu');
    if (!ref || !gpu) throw new Error('the per-backend G-Blend runs above did not complete');
    for (const m of GB_METHODS) {
      const a = gpu[m]!, e = ref[m]!;
      for (const [i, h] of a.history.entries()) {
        expect(relClose(h.stepLoss, e.history[i]!.stepLoss, 2e-3), `${m} epoch ${i + 1} loss ${h.stepLoss} vs wasm ${e.history[i]!.stepLoss}`).toBe(true);
      }
      for (const [k, v] of Object.entries(a.weights!)) expect(Math.abs(v - e.weights![k]!), `${m} weight ${k}`).toBeLessThanOrEqual(0.02);
      expect(Math.abs(a.top1 - e.top1), `${m} top-1 ${a.top1} vs wasm ${e.top1}`).toBeLessThanOrEqual(0.05);
    }
  });

  it('synthesis: spatial losses and Dice', async () => {
    const ref = synthResults.get('wasm'), gpu = synthResults.get('webgpu');
    if (!ref || !gpu) throw new Error('the per-backend synthesis runs above did not complete');
    for (const [i, v] of gpu.losses.entries()) expect(relClose(v, ref.losses[i]!, 2e-2), `step ${i}: ${v} vs wasm ${ref.losses[i]}`).toBe(true);
    expect(Math.abs(gpu.sasDice - ref.sasDice)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(gpu.affineDice - ref.affineDice)).toBeLessThanOrEqual(1e-6);
  });
});
