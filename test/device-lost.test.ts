// WebGPU device loss: the backend notices `device.lost` and reads fail with DeviceLostError; a running
// synthesis stage stops with an error naming the stage, the step and the checkpoint it keeps, and a
// new run (here on wasm) resumes from that checkpoint. The device is destroyed by the test.
// WebGPU-only by nature (docs/testing.md): wasm has no device to lose.
import { describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { MemoryStore } from '../src/io/checkpoint-store.js';
import type { WebGPUBackend } from '../src/backend/webgpu/backend.js';
import { decodeSafetensors } from '../src/io/safetensors.js';
import { phantomData } from '../src/synth/data.js';
import { gridMultiple, presetConfig, SynthPipeline } from '../src/synth/pipeline.js';
import { backendsUnderTest, useBackend } from './harness.js';

describe.skipIf(!backendsUnderTest().includes('webgpu'))('WebGPU device loss', () => {
  it('a read after the device is destroyed throws DeviceLostError', async () => {
    await bw.setBackend('webgpu');
    const x = bw.tensor(new Float32Array([1, 2, 3]), [3]);
    expect(Array.from(await x.data())).toEqual([1, 2, 3]);
    (bw.getBackend() as WebGPUBackend).rt.device.destroy();
    await expect(bw.relu(x).data()).rejects.toThrow(bw.DeviceLostError);
    await bw.setBackend('wasm');
  });

  it('a synthesis stage stops with the step and the checkpoint it keeps; a new run resumes from it on wasm', async () => {
    await bw.setBackend('webgpu');
    const config = presetConfig('quick', { steps: 10, methods: ['affine', 'sas'] });
    const data = phantomData({ dims: 2, shape: [1, 16, 16], multiple: gridMultiple(config), unlabeled: 2, tests: 1 });
    const store = new MemoryStore();
    const p1 = new SynthPipeline(data, config, store, (e) => {
      if (e.stage === 'spatial' && e.step === 5 && e.loss !== undefined) (bw.getBackend() as WebGPUBackend).rt.device.destroy();
    });
    const err = await p1.run('spatial').then(() => null, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(bw.DeviceLostError);
    expect(err!.message).toMatch(/^spatial: the webgpu device was lost at step 6 of 10 \(.*\); the checkpoint checkpoints\/spatial\.safetensors of step 4 is kept: run again \(on any backend\) to resume from it$/);
    expect(decodeSafetensors(store.blobs.get('checkpoints/spatial.safetensors')!, 'ckpt').metadata.step).toBe('4');
    await useBackend('wasm');
    const events: string[] = [];
    const p2 = new SynthPipeline(data, config, store, (e) => { if (e.message) events.push(e.message); });
    await p2.run('spatial');
    expect(events).toContain('resumed at step 4');
    expect(p2.losses.spatial!.length).toBe(10); // the 4 steps restored from the checkpoint and the 6 run now
    p2.dispose();
  });
});
