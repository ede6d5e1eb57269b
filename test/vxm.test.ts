// PyTorch VoxelMorph <-> blendwarp, against fixtures made by scripts/fixtures/make_vxm_fixtures.py
// (committed under test/fixtures/vxm/; no Python here): the imported VxmDense gives VoxelMorph's
// displacement field, warped image and pre-integration flow (2D and 3D, int_steps 0 and 7,
// int_downsize 1 and 2, bidir), the export round-trips, and the NIfTI field layout matches nibabel's.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from '../src/io/safetensors.js';
import { readNifti } from '../src/io/nifti.js';
import { readNiftiField, writeNiftiField } from '../src/io/nifti-field.js';
import {
  fieldFromNiftiArray, fieldFromVoxelMorph, fieldToNiftiArray, fieldToVoxelMorph, paramArrays, resizeAligned,
  unetSpecFromArrays, volumeFromVoxelMorph, volumeToVoxelMorph, vxmFromStateDict, vxmStateDictFromUNet, type ShapedArray,
} from '../src/nn/vxm.js';
import { SpatialModel } from '../src/synth/models.js';
import { spatialCheckpointFromVxm, spatialModelToVxm } from '../src/synth/vxm-export.js';
import { trainWithCheckpoints } from '../src/synth/train.js';
import { MemoryStore } from '../src/io/checkpoint-store.js';
import { backendsUnderTest, checkGrad, randData, useBackend, weightedSumRef } from './harness.js';

/** Linear resize with align_corners = True in float64, the obvious loops (x [N, D, H, W, C]). */
function resizeRef(x: Float64Array, shape: number[], size: number[]): Float64Array {
  let cur = x, sh = [...shape];
  for (let axis = 1; axis <= 3; axis++) {
    const from = sh[axis]!, to = size[axis - 1]!;
    if (from === to) continue;
    const out = [...sh]; out[axis] = to;
    const inner = out.slice(axis + 1).reduce((a, b) => a * b, 1), outer = out.slice(0, axis).reduce((a, b) => a * b, 1);
    const y = new Float64Array(outer * to * inner);
    for (let a = 0; a < outer; a++) for (let o = 0; o < to; o++) {
      const src = to === 1 ? 0 : (o * (from - 1)) / (to - 1);
      const i0 = Math.floor(src), i1 = Math.min(i0 + 1, from - 1), t = src - i0;
      for (let b = 0; b < inner; b++) y[(a * to + o) * inner + b] = (1 - t) * cur[(a * from + i0) * inner + b]! + t * cur[(a * from + i1) * inner + b]!;
    }
    cur = y; sh = out;
  }
  return cur;
}

const DIR = new URL('./fixtures/vxm/', import.meta.url);
const CASES = ['2d-s0-d1', '2d-s7-d1-bidir', '2d-s7-d2', '3d-s0-d1', '3d-s7-d1', '3d-s7-d2-bidir'];

function load(name: string) {
  return decodeSafetensors(new Uint8Array(readFileSync(new URL(name, DIR))), name);
}
const arr = (t: NamedArray): ShapedArray => ({ shape: t.shape, data: t.data as Float32Array });

/** max |a - b| / max |b|: the relative error the issue bounds by 1e-4. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  if (process.env.VXM_PRINT) { let n = 0, d = 0; for (let i = 0; i < b.length; i++) { n = Math.max(n, Math.abs(a[i]! - b[i]!)); d = Math.max(d, Math.abs(b[i]!)); } console.log(`relErr ${(n / d).toExponential(2)}`); }
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) { num = Math.max(num, Math.abs(a[i]! - b[i]!)); den = Math.max(den, Math.abs(b[i]!)); }
  return num / den;
}

async function runCase(name: string, tensors: Map<string, NamedArray>, bidir: boolean) {
  const exp = load(`${name}.expected.safetensors`).tensors;
  const { model } = vxmFromStateDict(tensors, { bidir, source: name });
  const src = volumeFromVoxelMorph(arr(exp.get('source')!)), trg = volumeFromVoxelMorph(arr(exp.get('target')!));
  const s = bw.tensor(src.data, src.shape), t = bw.tensor(trg.data, trg.shape);
  const out = model.forward(s, t);
  const nd = model.ndims;
  const got = {
    pos_flow: fieldToVoxelMorph({ shape: [...out.field.shape], data: (await out.field.data()) as Float32Array }, nd),
    y_source: volumeToVoxelMorph({ shape: [...out.moved.shape], data: (await out.moved.data()) as Float32Array }, nd),
    preint_flow: fieldToVoxelMorph({ shape: [...out.preint.shape], data: (await out.preint.data()) as Float32Array }, nd),
    neg_flow: out.inverseField && fieldToVoxelMorph({ shape: [...out.inverseField.shape], data: (await out.inverseField.data()) as Float32Array }, nd),
    y_target: out.movedTarget && volumeToVoxelMorph({ shape: [...out.movedTarget.shape], data: (await out.movedTarget.data()) as Float32Array }, nd),
  };
  for (const x of [s, t, out.field, out.moved, out.preint, out.inverseField, out.movedTarget]) x?.dispose();
  return { model, exp, got };
}

describe.each(backendsUnderTest())('PyTorch VoxelMorph VxmDense on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(CASES)('%s: the imported model gives VoxelMorph\'s field (1e-4 relative), warped image and pre-integration flow', async (name) => {
    const weights = load(`${name}.weights.safetensors`).tensors;
    const config = JSON.parse(load(`${name}.expected.safetensors`).metadata.vxm_config!);
    const { model, exp, got } = await runCase(name, weights, config.bidir);
    expect(model.options.inshape).toEqual(config.inshape);
    expect(model.options.intSteps).toBe(config.int_steps);
    expect(model.options.intDownsize).toBe(config.int_steps > 0 ? config.int_downsize : 1);
    expect([model.options.encoder, model.options.decoder]).toEqual(config.nb_unet_features);
    const keys = ['pos_flow', 'y_source', 'preint_flow', ...(config.bidir ? ['neg_flow', 'y_target'] : [])] as const;
    for (const k of keys) {
      const e = exp.get(k)!;
      const g = got[k]!;
      expect(g.shape, k).toEqual(e.shape);
      expect(relErr(g.data, e.data), `${name} ${k}`).toBeLessThan(1e-4);
    }
    // The fields are voxels-sized (the test would pass on a zero field otherwise).
    const flow = exp.get('pos_flow')!.data;
    expect(Math.max(...Array.from(flow, Math.abs))).toBeGreaterThan(0.5);
    model.dispose();
  });

  it('export -> import round-trips: the exported state_dict has VoxelMorph\'s keys and shapes and reproduces the outputs', async () => {
    for (const name of ['2d-s7-d2', '3d-s7-d2-bidir']) {
      const orig = load(`${name}.weights.safetensors`).tensors;
      const config = JSON.parse(load(`${name}.expected.safetensors`).metadata.vxm_config!);
      const { model } = vxmFromStateDict(orig, { bidir: config.bidir });
      const spec = unetSpecFromArrays(await paramArrays(model.params));
      const { tensors } = vxmStateDictFromUNet(spec, { inshape: config.inshape, intSteps: config.int_steps, intDownsize: config.int_downsize });
      expect([...tensors.keys()].sort()).toEqual([...orig.keys()].sort());
      for (const [k, v] of orig) {
        expect(tensors.get(k)!.shape, k).toEqual(v.shape);
        expect(relErr(tensors.get(k)!.data, v.data), k).toBe(0);
      }
      // Through bytes, as a file would go.
      const again = decodeSafetensors(encodeSafetensors(tensors), 'round-trip').tensors;
      const { got, exp, model: m2 } = await runCase(name, again, config.bidir);
      expect(relErr(got.pos_flow.data, exp.get('pos_flow')!.data)).toBeLessThan(1e-4);
      model.dispose(); m2.dispose();
    }
  });

  it('the synth SpatialModel exported as VxmDense (2D and 3D) and imported again gives the SpatialModel\'s fields and warped images', async () => {
    for (const [dims, shape] of [[3, [4, 8, 12]], [2, [1, 8, 12]]] as const) {
      const m = new SpatialModel({ net: { encoder: [4, 4], decoder: [4, 4, 4] }, diffeomorphic: true, intSteps: 7, halfRes: false, lambda: 1, win: 5, lr: 1e-3, steps: 1 }, dims, new bw.Rng(3));
      const w = m.params.get('fwd.out.weight');
      const big = bw.randomNormal(w.shape, new bw.Rng(4), 0, 0.5);
      w.storage.backend.write(w.storage, (await big.data()) as Float32Array);
      const x = bw.randomUniform([1, ...shape, 1], new bw.Rng(5)), y = bw.randomUniform([1, ...shape, 1], new bw.Rng(6));
      const inshape = dims === 3 ? [shape[2], shape[1], shape[0]] : [shape[2], shape[1]];
      const [file] = await spatialModelToVxm(m, inshape);
      expect(file!.torch).toContain('int_steps=7, int_downsize=1');
      const { model } = vxmFromStateDict(decodeSafetensors(encodeSafetensors(file!.tensors)).tensors, { bidir: true });
      const out = model.forward(x, y);
      const u = m.forwardField(x, y), ui = m.inverseField(x, y);
      // 2D: the SpatialModel's depth component is ignored by warp and not exported; compare (H, W).
      const keep = (a: ArrayLike<number>) => Array.from(a).filter((_, i) => dims === 3 || i % 3 !== 0);
      expect(relErr(keep(await out.field.data()), keep(await u.data()))).toBeLessThan(1e-5);
      expect(relErr(keep(await out.inverseField!.data()), keep(await ui.data()))).toBeLessThan(1e-5);
      expect(relErr(await out.moved.data(), await bw.warp(x, u).data())).toBeLessThan(1e-5);
      expect(Math.max(...keep(await u.data()).map(Math.abs))).toBeGreaterThan(0.3);
      model.dispose(); m.dispose();
    }
  });

  it('a VxmDense (int_downsize 1) becomes the synth pipeline\'s trained spatial checkpoint: the pipeline loads it and gives VoxelMorph\'s fields', async () => {
    for (const name of ['3d-s7-d1', '2d-s7-d1-bidir']) {
      const config = JSON.parse(load(`${name}.expected.safetensors`).metadata.vxm_config!);
      const { bytes } = spatialCheckpointFromVxm(load(`${name}.weights.safetensors`).tensors);
      const nd = config.inshape.length as 2 | 3;
      const m = new SpatialModel({ net: { encoder: config.nb_unet_features[0], decoder: config.nb_unet_features[1] }, diffeomorphic: true, intSteps: 7, halfRes: false, lambda: 1, win: 5, lr: 1e-3, steps: 50 }, nd, new bw.Rng(1));
      const store = new MemoryStore();
      await store.save('checkpoints/spatial.safetensors', bytes);
      // As the pipeline's spatial stage does: it restores and, already finished, trains no step.
      const r = await trainWithCheckpoints({ stage: 'spatial', params: m.params, lr: 1e-3, steps: 50, store, checkpoint: 'checkpoints/spatial.safetensors', loss: () => { throw new Error('trained a step'); } });
      expect(r.resumedAt).toBe(50);
      const exp = load(`${name}.expected.safetensors`).tensors;
      const src = volumeFromVoxelMorph(arr(exp.get('source')!)), trg = volumeFromVoxelMorph(arr(exp.get('target')!));
      const x = bw.tensor(src.data, src.shape), y = bw.tensor(trg.data, trg.shape);
      const u = m.forwardField(x, y);
      const got = fieldToVoxelMorph({ shape: [...u.shape], data: (await u.data()) as Float32Array }, nd);
      expect(relErr(got.data, exp.get('pos_flow')!.data), name).toBeLessThan(1e-4);
      if (config.bidir) {
        const ui = m.inverseField(x, y);
        const gi = fieldToVoxelMorph({ shape: [...ui.shape], data: (await ui.data()) as Float32Array }, nd);
        expect(relErr(gi.data, exp.get('neg_flow')!.data), name).toBeLessThan(1e-4);
      }
      m.dispose();
    }
    expect(() => spatialCheckpointFromVxm(load('2d-s7-d2.weights.safetensors').tensors)).toThrow(/int_downsize 2: the synth spatial model integrates at full resolution/);
  });

  it('resizeAligned is PyTorch\'s linear interpolation with align_corners = True', async () => {
    // 1D check by hand: [0, 3] -> 4 samples at 0, 1/3, 2/3, 1 of the way.
    const x = bw.tensor([0, 3, 10, 40], [1, 1, 1, 2, 2]);
    const y = resizeAligned(x, [1, 1, 4]);
    const want = [0, 3, 10 / 3, 3 + 37 / 3, 20 / 3, 3 + 74 / 3, 10, 40];
    Array.from(await y.data()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    x.dispose(); y.dispose();
    // Down and up on odd and even sizes, against the float64 reference, and its gradient by finite differences.
    for (const [shape, size] of [[[1, 3, 8, 5, 2], [3, 4, 9]], [[2, 1, 6, 7, 3], [1, 3, 14]]] as const) {
      const outShape = [shape[0], ...size, shape[4]];
      const xd = randData(shape, 31), r = randData(outShape, 32);
      await checkGrad(([a]) => bw.sum(bw.mul(resizeAligned(a!, size), bw.tensor(Float32Array.from(r), outShape))),
        ([a]) => weightedSumRef(resizeRef(a!, [...shape], [...size]), r), [{ data: xd, shape }], { coords: 25 });
    }
  });
});

describe('VoxelMorph layouts (no backend)', () => {
  it('fields cross as [N, 3, i, j, k] (components i, j, k) <-> [N, k, j, i, 3] (components D, H, W) and back', () => {
    const I = 2, J = 3, K = 4;
    const data = Float32Array.from({ length: 3 * I * J * K }, (_, q) => q);
    const v = { shape: [1, 3, I, J, K], data };
    const b = fieldFromVoxelMorph(v);
    expect(b.shape).toEqual([1, K, J, I, 3]);
    // voxel (i, j, k) = (1, 2, 3): VoxelMorph component c at data[c*IJK + (i*J + j)*K + k]
    const at = (k: number, j: number, i: number, c: number) => b.data[(((k * J) + j) * I + i) * 3 + c];
    expect(at(3, 2, 1, 0)).toBe(data[2 * I * J * K + (1 * J + 2) * K + 3]); // D = k component
    expect(at(3, 2, 1, 2)).toBe(data[0 * I * J * K + (1 * J + 2) * K + 3]); // W = i component
    expect(Array.from(fieldToVoxelMorph(b, 3).data)).toEqual(Array.from(data));
  });

  it('a field NIfTI written by nibabel as (i, j, k, 3) reads as VoxelMorph\'s pos_flow in blendwarp\'s layout', async () => {
    const name = '3d-s7-d1';
    const nii = new Uint8Array(readFileSync(new URL(`${name}.field.nii.gz`, DIR)));
    const exp = load(`${name}.expected.safetensors`).tensors;
    const nf = await readNiftiField(nii, 'field.nii.gz');
    const dims = [...nf.dims, 3], data = nf.data;
    expect(nf.affine).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    const field = fieldFromNiftiArray(dims, data);
    const ref = fieldFromVoxelMorph(arr(exp.get('pos_flow')!));
    expect(field.shape).toEqual(ref.shape);
    expect(relErr(field.data, ref.data)).toBe(0);
    const back = fieldToNiftiArray(field);
    expect(back.dims).toEqual(dims);
    expect(relErr(back.data, data)).toBe(0);
    // written by blendwarp, read again: the same array, 4D [I, J, K, 3]
    const written = await writeNiftiField({ dims: nf.dims, data: back.data, geometry: nf.geometry });
    const again = await readNiftiField(written, 'written');
    expect(again.dims).toEqual(nf.dims);
    expect(Array.from(again.data)).toEqual(Array.from(data));
    await expect(readNiftiField(new Uint8Array(readFileSync(new URL(`${name}.source.nii.gz`, DIR))), 'source.nii.gz')).rejects.toThrow(/source\.nii\.gz: a displacement field must have NIfTI dims \[I, J, K, 3\]/);
    // And the image NIfTI (nibabel (i, j, k)) read by blendwarp's reader is the source in blendwarp's layout.
    const img = await readNifti(new Uint8Array(readFileSync(new URL(`${name}.source.nii.gz`, DIR))), 'source');
    expect(Array.from(img.data)).toEqual(Array.from(volumeFromVoxelMorph(arr(exp.get('source')!)).data));
  });
});

describe('blendwarp convert (CLI) and bad input', () => {
  it('--from vxm then --to vxm gives back the PyTorch state_dict tensor for tensor, printing the layer shapes', async () => {
    const { main } = await import('../src/cli/convert.js');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'vxm-convert-'));
    const logs: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => { logs.push(a.join(' ')); };
    try {
      const input = new URL('3d-s7-d2-bidir.weights.safetensors', DIR).pathname;
      expect(await main(['--from', 'vxm', input, '--out', join(dir, 'bw.safetensors'), '--bidir'])).toBe(0);
      expect(await main(['--to', 'vxm', join(dir, 'bw.safetensors'), '--out', join(dir, 'back.safetensors')])).toBe(0);
    } finally {
      console.log = log;
    }
    expect(logs.join('\n')).toContain('flow.weight');
    expect(logs.join('\n')).toMatch(/unet_model\.decoder\.1\.0\.main\.weight\s+\[8, 16, 3, 3, 3\]\s+<->\s+decoder\.1\.weight \[3, 3, 3, 16, 8\]/);
    const orig = load('3d-s7-d2-bidir.weights.safetensors').tensors;
    const back = decodeSafetensors(new Uint8Array(readFileSync(join(dir, 'back.safetensors')))).tensors;
    expect([...back.keys()].sort()).toEqual([...orig.keys()].sort());
    for (const [k, v] of orig) expect(Array.from(back.get(k)!.data), k).toEqual(Array.from(v.data));
    rmSync(dir, { recursive: true });
  });

  it('rejects what it cannot map, naming the key and what was expected', () => {
    const orig = load('2d-s7-d2.weights.safetensors').tensors;
    const noFlow = new Map(orig); noFlow.delete('flow.weight');
    expect(() => vxmFromStateDict(noFlow, { source: 'x.safetensors' })).toThrow(/x\.safetensors: no "flow\.weight": not a VxmDense state_dict/);
    const twoConvs = new Map(orig); twoConvs.set('unet_model.encoder.0.1.main.weight', orig.get('unet_model.encoder.0.0.main.weight')!);
    expect(() => vxmFromStateDict(twoConvs)).toThrow(/nb_unet_conv_per_level > 1/);
    expect(() => vxmFromStateDict(orig, { intSteps: 0 })).toThrow(/integrate\.transformer\.grid \(int_steps > 0\) but int_steps 0/);
    const bad = new Map(orig); const w = orig.get('unet_model.decoder.1.0.main.weight')!;
    bad.set('unet_model.decoder.1.0.main.weight', { ...w, shape: [w.shape[0]!, w.shape[1]! + 1, 3, 3], data: new Float32Array(w.data.length / w.shape[1]! * (w.shape[1]! + 1)) });
    expect(() => vxmFromStateDict(bad)).toThrow(/"unet_model\.decoder\.1\.0\.main\.weight" \[8, 17, 3, 3\] becomes \[1, 3, 3, 17, 8\], the model expects \[1, 3, 3, 16, 8\]/);
  });
});
