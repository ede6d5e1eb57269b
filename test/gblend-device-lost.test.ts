// WebGPU device loss during G-Blend training: the method stops with a DeviceLostError naming the
// method, the seed, the job and the epoch, and the checkpoint of the last finished epoch stays in the
// store; a new run (here on wasm, as after a real loss) resumes from it and trains only the missing
// epochs. The device is destroyed by the test (as in test/device-lost.test.ts).
import { describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import type { WebGPUBackend } from '../src/backend/webgpu/backend.js';
import { MemoryStore } from '../src/io/checkpoint-store.js';
import { decodeSafetensors } from '../src/io/safetensors.js';
import type { Dataset } from '../src/gblend/data.js';
import { runMethod, type GBlendOptions } from '../src/gblend/methods.js';
import { backendsUnderTest, hostRng, useBackend } from './harness.js';

function blobs(n: number, seed: number): Dataset {
  const r = hostRng(seed), dims = 6;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const mod = (name: string, s: number) => ({ name, shape: [dims], data: Float32Array.from({ length: n * dims }, (_, k) => (k % dims === labels[Math.floor(k / dims)] ? s : 0) + (r() - 0.5) * 2) });
  return { modalities: [mod('a', 1.2), mod('b', 0.6)], classes: 3, labels };
}

const opts: GBlendOptions = { epochs: 5, warmup: 2, superEpoch: 2, train: { optimizer: 'sgd', lr: 0.05, batchSize: 16 }, encoders: { a: { kind: 'mlp', hidden: [16] }, b: { kind: 'mlp', hidden: [16] } } };
const destroy = () => (bw.getBackend() as WebGPUBackend).rt.device.destroy();
const stateOf = (store: MemoryStore, file: string) => JSON.parse(decodeSafetensors(store.blobs.get(file)!, file).metadata['gblend.state']!) as { epoch: number };

describe.skipIf(!backendsUnderTest().includes('webgpu'))('G-Blend on a lost WebGPU device', () => {
  it('gblend-online: lost mid-epoch 3, the epoch-2 checkpoint is kept, and a wasm run resumes from it', async () => {
    const train = blobs(96, 1), test = blobs(48, 2);
    await bw.setBackend('webgpu');
    const store = new MemoryStore();
    const err = await runMethod('gblend-online', train, test, opts, 1, {
      store,
      onProgress: (e) => { if (e.type === 'step' && e.epoch === 2 && e.step === 3) destroy(); },
    }).then(() => null, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(bw.DeviceLostError);
    expect(err!.message).toMatch(/^gblend-online \(seed 1\): job s1\/gblend-online: the webgpu device was lost during epoch 3 of 5 \(.*\); its checkpoint s1_gblend-online\.safetensors of epoch 2 is kept: run again/);
    expect(stateOf(store, 's1_gblend-online.safetensors').epoch).toBe(2);

    await useBackend('wasm');
    const epochs: number[] = [];
    const r = await runMethod('gblend-online', train, test, opts, 1, { store, onProgress: (e) => { if (e.type === 'epoch') epochs.push(e.record.epoch); } });
    expect(epochs).toEqual([3, 4, 5]); // only the missing epochs ran
    expect(r.history.length).toBe(5);
    expect(r.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(stateOf(store, 's1_gblend-online.safetensors').epoch).toBe(5);
  });

  it('lost in the first epoch of a unimodal job inside late-product: names the method and says no checkpoint was written', async () => {
    const train = blobs(96, 3), test = blobs(48, 4);
    await bw.setBackend('webgpu');
    const store = new MemoryStore();
    const err = await runMethod('late-product', train, test, { ...opts, epochs: 2 }, 2, {
      store,
      onProgress: (e) => { if (e.type === 'step' && e.job === 's2/uni:b' && e.step === 3) destroy(); },
    }).then(() => null, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(bw.DeviceLostError);
    expect(err!.message).toMatch(/^late-product \(seed 2\): job s2\/uni:b: the webgpu device was lost during epoch 1 of 2 \(.*\); no checkpoint of it was written yet$/);
    // The first modality's job finished before the loss: its checkpoint is kept and not retrained.
    expect(stateOf(store, 's2_uni_a.safetensors').epoch).toBe(2);
    await useBackend('wasm');
    const jobs = new Set<string>();
    await runMethod('late-product', train, test, { ...opts, epochs: 2 }, 2, { store, onProgress: (e) => { if (e.type === 'epoch') jobs.add(e.job); } });
    expect([...jobs]).toEqual(['s2/uni:b']);
  });
});
