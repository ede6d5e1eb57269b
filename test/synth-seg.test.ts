// The segmenter as SPEC.md describes it (two convs per U-Net level, batches of slices) and model
// selection on validation scans (best checkpoint by validation Dice, early stop after patience).
import { afterEach, describe, expect, it } from 'vitest';
import { setBackend } from '../src/index.js';
import { UNet } from '../src/nn/unet.js';
import { ParamStore } from '../src/nn/init.js';
import { Rng, tensor } from '../src/ops/create.js';
import { mul, sub } from '../src/ops/elementwise.js';
import { sum } from '../src/ops/reduce.js';
import { MemoryStore } from '../src/io/checkpoint-store.js';
import { decodeSafetensors } from '../src/io/safetensors.js';
import { trainWithCheckpoints } from '../src/synth/train.js';
import { phantomData } from '../src/synth/data.js';
import { diceByLabel, gridMultiple, presetConfig, SynthPipeline } from '../src/synth/pipeline.js';
import { cropVolume } from '../src/synth/preprocess.js';
import { Segmenter } from '../src/synth/models.js';
import { segmenterToVxm } from '../src/synth/vxm-export.js';
import { resultsObject } from '../src/synth/report.js';

await setBackend('wasm');

const owned: { dispose(): void }[] = [];
const track = <T extends { dispose(): void }>(x: T): T => { owned.push(x); return x; };
afterEach(() => { for (const o of owned.splice(0)) o.dispose(); });

describe('UNet with two convs per level (VoxelMorph nb_conv_per_level)', () => {
  it('groups the flat lists into levels, names level l conv k "encoder.l.k", runs on sizes not divisible by 2^levels', async () => {
    const net = track(new UNet({ inChannels: 1, encoder: [4, 4, 8, 8], decoder: [8, 8, 4, 4, 4], outChannels: 3, dims: 2, convsPerLevel: 2 }, new Rng(1)));
    const names = net.params.names().filter((n) => n.endsWith('.weight'));
    expect(names).toEqual(['encoder.0.0.weight', 'encoder.0.1.weight', 'encoder.1.0.weight', 'encoder.1.1.weight',
      'decoder.0.0.weight', 'decoder.0.1.weight', 'decoder.1.0.weight', 'decoder.1.1.weight', 'decoder.2.weight', 'out.weight']);
    // Input channels: decoder level 0 sees the bottleneck (8), level 1 the upsampled 8 + skip 8, the
    // full-resolution conv 4 + skip 4.
    const cin = (n: string) => net.params.get(n).shape[3];
    expect([cin('encoder.0.0.weight'), cin('encoder.0.1.weight'), cin('encoder.1.0.weight'), cin('decoder.0.0.weight'), cin('decoder.1.0.weight'), cin('decoder.2.weight')]).toEqual([1, 4, 4, 8, 16, 8]);
    const y = net.forward(tensor(Float32Array.from({ length: 2 * 10 * 14 }, (_, i) => (i % 7) / 7), [2, 1, 10, 14, 1]));
    expect(y.shape).toEqual([2, 1, 10, 14, 3]);
    // Each batch entry is computed on its own: entry 1 alone gives entry 1 of the batch.
    const one = net.forward(tensor(Float32Array.from({ length: 10 * 14 }, (_, i) => ((i + 140) % 7) / 7), [1, 1, 10, 14, 1]));
    const both = await y.data(), single = await one.data();
    let diff = 0;
    for (let i = 0; i < single.length; i++) diff = Math.max(diff, Math.abs(both[single.length + i]! - single[i]!));
    expect(diff).toBeLessThan(1e-5);
    y.dispose(); one.dispose();
  });

  it('keeps the one-conv names VoxelMorph import/export use; refuses a bad grouping; the export refuses two convs', async () => {
    const net = track(new UNet({ inChannels: 2, encoder: [4, 8], decoder: [8, 4, 4], outChannels: 3, dims: 2 }, new Rng(1)));
    expect(net.params.names().filter((n) => n.endsWith('.weight'))).toEqual(['encoder.0.weight', 'encoder.1.weight', 'decoder.0.weight', 'decoder.1.weight', 'decoder.2.weight', 'out.weight']);
    expect(() => new UNet({ inChannels: 1, encoder: [4, 4, 8], decoder: [8, 8, 4], outChannels: 2, dims: 2, convsPerLevel: 2 }, new Rng(1))).toThrow(/convsPerLevel/);
    const seg = track(new Segmenter({ net: { encoder: [4, 4], decoder: [4, 4], convsPerLevel: 2 }, lr: 1e-3, steps: 1 }, 2, 3, new Rng(1)));
    await expect(segmenterToVxm(seg)).rejects.toThrow(/2 convs per level/);
  });
});

describe('trainWithCheckpoints with validation', () => {
  // One parameter p; the loss pulls it toward 1; the "validation score" is scripted per call, so the
  // best step and the early stop are known in advance.
  const setup = (scores: number[]) => {
    const params = new ParamStore();
    params.add('p', tensor([0], [1]));
    let k = 0;
    const seen: number[] = [];
    return {
      params, seen,
      validate: async () => { seen.push((await params.get('p').data())[0]!); return scores[k++]!; },
      loss: () => { const d = sub(params.get('p'), tensor([1], [1])); return sum(mul(d, d)); },
    };
  };

  it('keeps the parameters of the best validation score and stops after `patience` validations without a better one', async () => {
    const s = setup([0.1, 0.5, 0.4, 0.45, 0.3, 0.9]);
    const store = new MemoryStore();
    const r = await trainWithCheckpoints({ stage: 't', params: s.params, lr: 0.05, steps: 12, store, checkpoint: 'c.safetensors', loss: s.loss, validate: s.validate, validateEvery: 2, patience: 3 });
    // Scores at steps 2, 4, 6, 8, 10: after step 4's 0.5, three without a better one (6, 8, 10): stop;
    // the 0.9 of step 12 is never reached.
    expect(r.validation!.curve.map((p) => p.step)).toEqual([2, 4, 6, 8, 10]);
    expect(r.validation!.bestStep).toBe(4);
    expect(r.validation!.stoppedAt).toBe(10);
    expect(r.history.length).toBe(10);
    // The model holds the step-4 parameters (what validate saw second), not the step-10 ones.
    const p = (await s.params.get('p').data())[0]!;
    expect(p).toBe(s.seen[1]);
    expect(s.seen[4]).not.toBe(s.seen[1]);
    // The finished checkpoint holds them too, with the curve and the chosen step; a rerun trains nothing.
    const meta = decodeSafetensors(store.blobs.get('c.safetensors')!, 'c').metadata;
    expect([meta.step, meta.best_step, meta.stopped_at]).toEqual(['12', '4', '10']);
    const again = setup([]);
    const r2 = await trainWithCheckpoints({ stage: 't', params: again.params, lr: 0.05, steps: 12, store, checkpoint: 'c.safetensors', loss: again.loss, validate: again.validate, validateEvery: 2, patience: 3 });
    expect(r2.losses).toEqual([]);
    expect(r2.validation).toEqual(r.validation);
    expect((await again.params.get('p').data())[0]).toBe(p);
    s.params.dispose(); again.params.dispose();
  });

  it('a run cancelled mid-stage and resumed keeps the same curve, best step and parameters as an uninterrupted one', async () => {
    // Score = closeness of p to 0.3: p rises toward 1, so the score peaks and then falls (early stop).
    const run = async (cancelAt: number | null) => {
      const s = setup([]);
      const validate = async () => { const p = (await s.params.get('p').data())[0]!; return -((p - 0.3) ** 2); };
      const store = new MemoryStore();
      const opts = { stage: 't', params: s.params, lr: 0.02, steps: 60, store, checkpoint: 'c.safetensors', loss: s.loss, validate, validateEvery: 3, patience: 2 };
      if (cancelAt !== null) {
        const abort = new AbortController();
        await expect(trainWithCheckpoints({ ...opts, signal: abort.signal, onProgress: (e) => { if (e.step === cancelAt) abort.abort(); } })).rejects.toThrow(/cancelled/);
      }
      const r = await trainWithCheckpoints(opts);
      const p = (await s.params.get('p').data())[0]!;
      s.params.dispose();
      return { validation: r.validation, history: r.history, p };
    };
    const whole = await run(null);
    expect(whole.validation!.stoppedAt).toBeLessThan(60);
    expect(whole.validation!.bestStep).toBeLessThan(whole.validation!.stoppedAt);
    for (const at of [4, 7]) expect(await run(at)).toEqual(whole);
  });
});

describe('pipeline: batches of slices and validation scans', () => {
  it('trains a batched two-conv segmenter, selects it on the validation scans, reports the curve in results.json', async () => {
    const config = presetConfig('quick', { steps: 6, methods: ['affine', 'sas', 'ours-coupled'] });
    config.segmenter = { net: { encoder: [8, 8, 16, 16], decoder: [16, 16, 8, 8, 8], convsPerLevel: 2 }, lr: 2e-3, steps: 6, batch: 2, validateEvery: 2, patience: 2 };
    const data = phantomData({ dims: 2, shape: [1, 40, 36], multiple: gridMultiple(config), unlabeled: 2, tests: 2 });
    const val = data.tests.splice(1, 1);
    data.val = val;
    const p = track(new SynthPipeline(data, config, new MemoryStore()));
    const r = (await p.run())!;
    expect(r.methods.map((m) => m.name)).toEqual(['affine', 'sas', 'ours-coupled']);
    const v = r.validation!;
    expect(v.subjects).toEqual([val[0]!.name]);
    const oc = v.methods['ours-coupled']!;
    expect(oc.curve!.length).toBeGreaterThan(0);
    expect(oc.curve!.map((x) => x.step).at(-1)).toBe(oc.stopped_at);
    expect(oc.dice_mean).toBe(Math.max(...oc.curve!.map((x) => x.dice)));
    expect(oc.curve!.find((x) => x.dice === oc.dice_mean)!.step).toBe(oc.best_step);
    expect(v.methods.sas!.dice_mean).toBeGreaterThan(0);
    const json = resultsObject(r);
    expect(json.methods.map((m) => m.name)).toEqual(['affine', 'sas', 'ours-coupled']);
    expect((json.validation as { methods: Record<string, unknown> }).methods['ours-coupled']).toBeDefined();
    expect(json.data.val).toEqual([val[0]!.name]);
  });

  it('with test-time steps reports both sas (amortised) and sas-tt, and compares against both', async () => {
    const config = presetConfig('quick', { steps: 4, methods: ['affine', 'sas', 'sas-tt'] });
    config.spatial.testTimeSteps = 3;
    const data = phantomData({ dims: 2, shape: [1, 40, 36], multiple: gridMultiple(config), unlabeled: 2, tests: 2 });
    const p = track(new SynthPipeline(data, config, new MemoryStore()));
    const r = (await p.run())!;
    expect(r.methods.map((m) => m.name)).toEqual(['affine', 'sas', 'sas-tt']);
    // sas is the amortised prediction, sas-tt the fine-tuned one (the weights come back after each scan).
    const crop = (d: Int32Array) => cropVolume(d, data.shape, data.cropShape);
    const t = data.tests[0]!;
    const amortised = diceByLabel(crop((await p.predict('sas', t.image, { testTimeSteps: 0 })).labels), crop(t.labels!), data.labelSet);
    const tuned = diceByLabel(crop((await p.predict('sas', t.image, { testTimeSteps: 3 })).labels), crop(t.labels!), data.labelSet);
    expect(r.methods[1]!.subjects[0]!.dice).toEqual(amortised);
    expect(r.methods[2]!.subjects[0]!.dice).toEqual(tuned);
    expect(r.comparisons!.some((c) => c.a === 'sas' && c.b === 'sas-tt')).toBe(true);
    expect(r.comparisons!.some((c) => c.a === 'affine' && c.b === 'sas-tt')).toBe(true);
  });
});
