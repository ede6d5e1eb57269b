import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import { encodeCheckpoint, restoreCheckpoint } from '../src/nn/checkpoint.js';
import { UNet } from '../src/nn/unet.js';
import { backendsUnderTest, useBackend } from './harness.js';

describe('safetensors', () => {
  it('round-trips F32 and I32 tensors with metadata, data 8-byte aligned', async () => {
    const bytes = encodeSafetensors({ a: { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6.5]) }, b: { dtype: 'I32', shape: [1], data: Int32Array.from([-7]) } }, { step: '12' });
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ step: '12' });
    expect(Array.from(tensors.get('a')!.data)).toEqual([1, 2, 3, 4, 5, 6.5]);
    expect(tensors.get('b')).toEqual({ dtype: 'I32', shape: [1], data: Int32Array.from([-7]) });
  });

  it('names the problem in truncated or lying files', async () => {
    const bytes = encodeSafetensors({ a: { dtype: 'F32', shape: [4], data: new Float32Array(4) } });
    expect(() => decodeSafetensors(bytes.subarray(0, 5), 'w.safetensors')).toThrow(/w.safetensors: file is 5 bytes/);
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 4), 'w.safetensors')).toThrow(/w.safetensors: tensor "a": data_offsets \[0, 16\] run past the 12 data bytes/);
    const lying = bytes.slice();
    new DataView(lying.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => decodeSafetensors(lying, 'w.safetensors')).toThrow(/header length \d+ exceeds the \d+ bytes after it/);
  });
});

describe.each(backendsUnderTest())('checkpoints on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('a resumed run continues exactly where the saved one was', async () => {
    const cfg = { inChannels: 1, encoder: [4], decoder: [4, 4], outChannels: 3, dims: 2 as const };
    const x = bw.randomNormal([1, 1, 8, 8, 1], new bw.Rng(9));
    const step = (net: UNet, opt: bw.Adam) => {
      const { value, grads } = bw.valueAndGrads(() => bw.mean(bw.square(bw.addScalar(net.forward(x), 1))), net.params.list());
      opt.step(net.params.list(), grads);
      value.dispose(); grads.forEach((g) => g.dispose());
    };
    const a = new UNet(cfg, new bw.Rng(1)), optA = new bw.Adam({ lr: 0.01 });
    for (let i = 0; i < 3; i++) step(a, optA);
    const saved = await encodeCheckpoint(a.params, optA, { epoch: '3' });
    for (let i = 0; i < 2; i++) step(a, optA);
    const b = new UNet(cfg, new bw.Rng(2)), optB = new bw.Adam({ lr: 0.01 });
    expect(restoreCheckpoint(saved, b.params, optB)).toMatchObject({ epoch: '3' });
    for (let i = 0; i < 2; i++) step(b, optB);
    for (const name of a.params.names()) expect(Array.from((await b.params.get(name).data()))).toEqual(Array.from((await a.params.get(name).data())));
    const other = new UNet({ ...cfg, encoder: [5] }, new bw.Rng(1));
    expect(() => restoreCheckpoint(saved, other.params, null, 'ckpt')).toThrow(/ckpt: parameter "encoder.0.weight":? has shape \[1, 3, 3, 1, 4\], the model expects \[1, 3, 3, 1, 5\]/);
    for (const q of [a, b, other]) q.dispose();
    optA.dispose(); optB.dispose(); x.dispose();
  });
});
