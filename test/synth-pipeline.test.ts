// The pipeline end to end on the generated phantoms: `blendwarp synth run --data default --quick`,
// the results.json contract, the written outputs, stage commands reusing checkpoints, cancellation
// and resume, and bad input errors from prepareData.
// Every compute test runs on each backend of backendsUnderTest(). WebGPU on a CPU adapter (lavapipe in
// CI) is ~20x slower per step than wasm, so its variants train fewer steps: they check the same
// plumbing (outputs, checkpoints, resume, fine-tuning); learning itself is checked on wasm here, and
// webgpu's numbers against wasm's in test/pipelines-backends.test.ts. The prepareData tests never
// reach a kernel (file checks only): they run once, backend-independent.
import { existsSync, mkdtempSync, readdirSync as readdir, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { main } from '../src/cli/synth.js';
import { MemoryStore } from '../src/io/checkpoint-store.js';
import { defaultGeometry, encodeNifti, readNifti, type NiftiGeometry } from '../src/io/nifti.js';
import { decodeSafetensors } from '../src/io/safetensors.js';
import { phantomData, prepareData, type FileRef } from '../src/synth/data.js';
import { gridMultiple, presetConfig, REFINED_CHECKPOINT, SynthPipeline } from '../src/synth/pipeline.js';
import { CancelledError } from '../src/synth/train.js';
import { EVAL_LABELS } from '../src/synth/labels.js';
import { encodeNpy } from '../src/io/npy.js';
import { crc32 } from '../src/io/png.js';
import { backendsUnderTest, useBackend } from './harness.js';

/** A zip archive with stored (uncompressed) entries, as numpy.savez writes. */
function storedZip(files: Record<string, Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [], central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const n = new TextEncoder().encode(name);
    const local = new Uint8Array(30 + n.length), lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true); lv.setUint16(4, 20, true); lv.setUint32(14, crc32(data), true);
    lv.setUint32(18, data.length, true); lv.setUint32(22, data.length, true); lv.setUint16(26, n.length, true);
    local.set(n, 30);
    const cd = new Uint8Array(46 + n.length), cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true); cv.setUint16(4, 20, true); cv.setUint16(6, 20, true); cv.setUint32(16, crc32(data), true);
    cv.setUint32(20, data.length, true); cv.setUint32(24, data.length, true); cv.setUint16(28, n.length, true); cv.setUint32(42, offset, true);
    cd.set(n, 46);
    parts.push(local, data); central.push(cd);
    offset += local.length + data.length;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const end = new Uint8Array(22), ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true); ev.setUint16(8, central.length, true); ev.setUint16(10, central.length, true);
  ev.setUint32(12, cdSize, true); ev.setUint32(16, offset, true);
  const all = [...parts, ...central, end];
  const out = new Uint8Array(all.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of all) { out.set(p, o); o += p.length; }
  return out;
}

const outs: string[] = [];
afterAll(() => { for (const d of outs) rmSync(d, { recursive: true, force: true }); });

// Every pipeline a test makes is disposed after it, even when the test fails half-way, so one failure
// cannot leave buffers behind for the next test's leak check.
const live = new Set<SynthPipeline>();
function track(p: SynthPipeline): SynthPipeline {
  live.add(p);
  const dispose = p.dispose.bind(p);
  p.dispose = () => { if (live.delete(p)) dispose(); };
  return p;
}
afterEach(() => { for (const p of [...live]) p.dispose(); });

const quiet = async <T>(f: () => Promise<T>): Promise<T> => {
  const w = process.stdout.write, e = process.stderr.write;
  process.stdout.write = (() => true) as typeof w;
  process.stderr.write = (() => true) as typeof e;
  try { return await f(); } finally { process.stdout.write = w; process.stderr.write = e; }
};

/** The webgpu variant's methods: registration only (affine, sas) and one segmenter trained on synthesized data. */
const GPU_METHODS = ['affine', 'sas', 'ours-indep'];

describe.each(backendsUnderTest())('on %s', (backend) => {
const gpu = backend === 'webgpu';
beforeAll(() => useBackend(backend));

describe('blendwarp synth on the default phantoms', () => {
  it('`synth spatial` then `synth run --quick` (reusing the spatial checkpoint) writes results.json and every output', async () => {
    const out = mkdtempSync(join(tmpdir(), 'blendwarp-synth-'));
    outs.push(out);
    // Fewer segmenter steps: this test checks the plumbing, the demo keeps 150. On webgpu, a few steps
    // of every network (the plumbing is the same; learning is asserted on wasm only).
    const sizing = gpu ? ['--steps', '3', '--synth-count', '2', '--methods', GPU_METHODS.join(',')] : ['--seg-steps', '50'];
    const args = ['--data', 'default', '--quick', ...sizing, '--out', out, '--backend', backend];
    expect(await quiet(() => main(['spatial', ...args]))).toBe(0);
    const ckpt = join(out, 'checkpoints/spatial.safetensors');
    const meta = decodeSafetensors(new Uint8Array(readFileSync(ckpt)), 'ckpt').metadata;
    expect(meta.step).toBe(String(gpu ? 3 : presetConfig('quick').spatial.steps));
    const mtime = statSync(ckpt).mtimeMs;
    expect(await quiet(() => main(['run', ...args]))).toBe(0);
    expect(statSync(ckpt).mtimeMs).toBe(mtime); // loaded, not retrained

    const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(r.methods.map((m: { name: string }) => m.name)).toEqual(gpu ? GPU_METHODS : ['affine', 'sas', 'sas-aug', 'rand-aug', 'ours-coupled', 'ours-indep', 'ours-indep+rand-aug']);
    const values = new Set(EVAL_LABELS.map((l) => String(l.value)));
    for (const m of r.methods) {
      // A segmenter after 3 steps may predict background only (Dice 0); registration methods cannot.
      if (gpu && m.name === 'ours-indep') expect(m.dice_mean).toBeGreaterThanOrEqual(0);
      else expect(m.dice_mean).toBeGreaterThan(0);
      expect(m.dice_mean).toBeLessThanOrEqual(1);
      expect(m.dice_std).toBeGreaterThanOrEqual(0);
      expect(Object.keys(m.per_label).length).toBeGreaterThanOrEqual(10);
      for (const [k, v] of Object.entries(m.per_label)) { expect(values.has(k)).toBe(true); expect(v).toBeGreaterThanOrEqual(0); }
    }
    const dice = Object.fromEntries(r.methods.map((m: { name: string; dice_mean: number }) => [m.name, m.dice_mean]));
    // Registration learns: the spatial model's SAS beats no registration on held-out phantoms (on wasm,
    // after the quick preset's 200 steps; the webgpu variant trains 3).
    if (!gpu) expect(dice.sas).toBeGreaterThan(dice.affine + 0.05);
    expect(r.folding.sas.length).toBe(2);
    for (const f of r.folding.sas) expect(f.fraction).toBeLessThan(0.01);
    // The appearance model's fit: a share of the atlas-vs-registered-scan difference, overall between
    // its near-boundary and away-from-boundary parts (a weighted mean of the two); trained on wasm, it
    // reproduces a real part of that difference.
    const fit = r.appearance_fit;
    expect(fit.residual_rms).toBeGreaterThan(0);
    expect(fit.absorbed).toBeLessThanOrEqual(1);
    const [lo, hi] = [Math.min(fit.absorbed_near_boundaries, fit.absorbed_away_from_boundaries), Math.max(fit.absorbed_near_boundaries, fit.absorbed_away_from_boundaries)];
    expect(fit.absorbed).toBeGreaterThanOrEqual(lo - 1e-4);
    expect(fit.absorbed).toBeLessThanOrEqual(hi + 1e-4);
    if (!gpu) expect(fit.absorbed).toBeGreaterThan(0.1);
    expect(readFileSync(join(out, 'table.md'), 'utf8')).toMatch(/Appearance model: reproduces -?\d+\.\d% of the atlas-vs-registered-scan difference/);
    expect(r.timings_s).toBeUndefined(); // results.json holds no timings, so a resumed run writes the same bytes
    expect(Object.keys(JSON.parse(readFileSync(join(out, 'timings.json'), 'utf8')).timings_s)).toEqual(expect.arrayContaining(['appearance', 'synthesize', 'segment', 'evaluate']));

    for (const f of ['table.md', 'dice-per-label.svg', 'synth/montage.png']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, 'dice-per-label.svg'), 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
    const img = await readNifti(new Uint8Array(readFileSync(join(out, `synth/${findExample(out)}_image.nii.gz`))), 'example');
    expect(img.dims).toEqual([80, 96, 1]);
    const lab = await readNifti(new Uint8Array(readFileSync(join(out, `synth/${findExample(out)}_labels.nii.gz`))), 'labels');
    expect(lab.datatype).toBe('int16');
    expect([...new Set(lab.data)].every((v) => v === 0 || values.has(String(v)))).toBe(true);
    const pred = await readNifti(new Uint8Array(readFileSync(join(out, 'predictions/sas_phantom-test-0_labels.nii.gz'))), 'pred');
    expect(pred.dims).toEqual([80, 96, 1]);
    // --out also holds the preprocessed inputs on the outputs' grid, so any output overlays its input.
    const atlasLab = await readNifti(new Uint8Array(readFileSync(join(out, 'inputs/atlas_phantom-atlas_labels.nii.gz'))), 'atlas labels');
    const testImg = await readNifti(new Uint8Array(readFileSync(join(out, 'inputs/test_phantom-test-0_image.nii.gz'))), 'test image');
    const testLab = await readNifti(new Uint8Array(readFileSync(join(out, 'inputs/test_phantom-test-0_labels.nii.gz'))), 'test labels');
    for (const v of [atlasLab, testImg, testLab]) { expect(v.dims).toEqual(pred.dims); expect(v.affine).toEqual(pred.affine); }
    expect(existsSync(join(out, 'inputs/atlas_phantom-atlas_image.nii.gz'))).toBe(true);
    expect(readdir(join(out, 'inputs')).filter((n) => n.startsWith('unlabeled-')).length).toBe(r.data.unlabeled.length);
    expect([...new Set(testLab.data)].every((v) => v === 0 || values.has(String(v)))).toBe(true);
    expect(testImg.data.some((v) => v > 0)).toBe(true);
  });
});

function findExample(dir: string): string {
  // example-000_shape-<i>_appearance-<j>
  const names = readdir(join(dir, 'synth')).filter((n) => n.startsWith('example-000_') && n.endsWith('_image.nii.gz'));
  return names[0]!.replace(/^synth\//, '').replace(/_image\.nii\.gz$/, '');
}

describe('stages: cancellation and resume', () => {
  it('a cancelled stage saves its checkpoint; a new pipeline resumes from that step', async () => {
    const before = bw.memory().liveBuffers;
    const total = gpu ? 8 : 30, cancelAt = gpu ? 4 : 12;
    const config = presetConfig('quick', { steps: total });
    const data = phantomData({ dims: 2, shape: [1, 40, 36], multiple: gridMultiple(config), unlabeled: 2, tests: 1 });
    const store = new MemoryStore();
    const abort = new AbortController();
    const p1 = track(new SynthPipeline(data, config, store, (e) => { if (e.stage === 'spatial' && e.step === cancelAt) abort.abort(); }));
    await expect(p1.run('spatial', abort.signal)).rejects.toBeInstanceOf(CancelledError);
    p1.dispose();
    const saved = decodeSafetensors(store.blobs.get('checkpoints/spatial.safetensors')!, 'ckpt').metadata;
    expect(saved.step).toBe(String(cancelAt));
    const events: string[] = [];
    const p2 = track(new SynthPipeline(data, config, store, (e) => { if (e.message) events.push(e.message); }));
    await p2.run('spatial');
    expect(events).toContain(`resumed at step ${cancelAt}`);
    expect(p2.losses.spatial!.length).toBe(total); // the losses before the cancel come back from the checkpoint
    expect(decodeSafetensors(store.blobs.get('checkpoints/spatial.safetensors')!, 'ckpt').metadata.step).toBe(String(total));
    // The resumed run is the uninterrupted run: the same losses, step for step.
    const p3 = track(new SynthPipeline(data, config, new MemoryStore()));
    await p3.run('spatial');
    expect(p2.losses.spatial).toEqual(p3.losses.spatial);
    p3.dispose();
    p2.dispose();
    expect(bw.memory().liveBuffers - before).toBe(0);
  });
});

describe('--refine-steps: the refined fields are saved and reused', () => {
  it('a cancelled refinement keeps the fields done; a resumed or copied run loads them and equals an uninterrupted one', async () => {
    const before = bw.memory().liveBuffers;
    const refine = gpu ? 1 : 3;
    const config = presetConfig('quick', { steps: gpu ? 2 : 6 });
    config.spatial.refineSteps = refine;
    const data = phantomData({ dims: 2, shape: [1, 40, 36], multiple: gridMultiple(config), unlabeled: 3, tests: 1 });
    type Fields = { phis: bw.Tensor[]; refinedInAtlas: bw.Tensor[] };
    const fields = async (p: SynthPipeline) => {
      const f = p as unknown as Fields;
      return { phis: await Promise.all(f.phis.map((t) => t.data())), inAtlas: await Promise.all(f.refinedInAtlas.map((t) => t.data())) };
    };
    const store = new MemoryStore();
    const abort = new AbortController();
    const p1 = track(new SynthPipeline(data, config, store, (e) => { if (e.stage === 'refine field 2/3' && e.step === refine) abort.abort(); }));
    await expect(p1.run('spatial', abort.signal)).rejects.toBeInstanceOf(CancelledError);
    p1.dispose();
    const part = decodeSafetensors(store.blobs.get(REFINED_CHECKPOINT)!, 'refined');
    expect([...part.tensors.keys()].sort()).toEqual(['in_atlas.0', 'in_atlas.1', 'phi.0', 'phi.1']);
    // Resumed: only the third scan is refined; the fields equal an uninterrupted run's bit for bit.
    const stages = new Set<string>(), messages: string[] = [];
    const p2 = track(new SynthPipeline(data, config, store, (e) => { if (e.message) messages.push(e.message); else stages.add(e.stage); }));
    await p2.run('spatial');
    expect([...stages].filter((s) => s.startsWith('refine'))).toEqual(['refine field 3/3']);
    expect(messages).toContain(`loaded from ${REFINED_CHECKPOINT}`);
    expect(decodeSafetensors(store.blobs.get(REFINED_CHECKPOINT)!, 'refined').tensors.size).toBe(6);
    const p3 = track(new SynthPipeline(data, config, new MemoryStore()));
    await p3.run('spatial');
    const [resumed, straight] = [await fields(p2), await fields(p3)];
    expect(resumed.phis.length).toBe(3);
    expect(resumed).toEqual(straight);
    p2.dispose(); p3.dispose();
    // Another refinement setting (or other weights or scans): the saved fields are not used.
    config.spatial.refineSteps = refine + 1;
    const stages4 = new Set<string>(), messages4: string[] = [];
    const p4 = track(new SynthPipeline(data, config, store, (e) => { if (e.message) messages4.push(e.message); else stages4.add(e.stage); }));
    await p4.run('spatial');
    expect(messages4.join('\n')).toMatch(/made from other weights, scans or steps: refining again/);
    expect([...stages4].filter((s) => s.startsWith('refine'))).toEqual(['refine field 1/3', 'refine field 2/3', 'refine field 3/3']);
    expect((await fields(p4)).phis[0]).not.toEqual(straight.phis[0]);
    p4.dispose();
    expect(bw.memory().liveBuffers - before).toBe(0);
  });
});

describe('SAS test-time optimisation', () => {
  it('fine-tunes on the test pair only: the field changes, the trained weights come back', async () => {
    const config = presetConfig('quick', { steps: gpu ? 4 : 15 });
    const data = phantomData({ dims: 2, shape: [1, 40, 36], multiple: gridMultiple(config), unlabeled: 2, tests: 1 });
    const p = track(new SynthPipeline(data, config, new MemoryStore()));
    await p.run('spatial');
    const test = data.tests[0]!.image;
    const plain = await p.predict('sas', test);
    config.spatial.testTimeSteps = gpu ? 2 : 10;
    const tuned = await p.predict('sas', test);
    let diff = 0;
    for (let i = 0; i < plain.field!.length; i++) diff = Math.max(diff, Math.abs(plain.field![i]! - tuned.field![i]!));
    expect(diff).toBeGreaterThan(1e-3);
    config.spatial.testTimeSteps = 0;
    const again = await p.predict('sas', test);
    expect(again.field).toEqual(plain.field);
    p.dispose();
  });
});
});

describe('prepareData: bad input is named', () => {
  const g: NiftiGeometry = defaultGeometry();
  const ref = (name: string, data: ArrayLike<number>, dims: [number, number, number] = [8, 8, 1], datatype: 'float32' | 'int16' = 'float32', geometry = g): FileRef =>
    ({ name, bytes: encodeNifti({ dims, data, datatype, geometry }) });
  const img = (seed: number) => Float32Array.from({ length: 64 }, (_, i) => ((i * seed) % 17) / 17);
  const seg = Int16Array.from({ length: 64 }, (_, i) => (i % 8 < 4 ? 2 : 41));
  const base = () => ({ atlas: { vol: ref('atlas.nii', img(3)), seg: ref('atlas_seg.nii', seg, [8, 8, 1], 'int16') }, unlabeled: [ref('u.nii', img(5))], tests: [{ vol: ref('t.nii', img(7)), seg: ref('t_seg.nii', seg, [8, 8, 1], 'int16') }] });
  const o = { downsample: 1, multiple: 4 };

  it('accepts consistent input', async () => {
    const d = await prepareData(base(), o);
    expect(d.shape).toEqual([1, 8, 8]);
    expect(d.dims).toBe(2);
  });
  it("reads VoxelMorph's .npz (vol, seg) onto the same grid as the NIfTI files", async () => {
    // The same 8 x 8 atlas as a NumPy (i, j) C-order array: element [i, j] = NIfTI voxel (i, j).
    const vol = img(3), labs = Int32Array.from(seg);
    const cOrder = <T extends Float32Array | Int32Array>(d: T): T => d.map((_, q) => d[(q % 8) * 8 + Math.floor(q / 8)]!) as T;
    const npz = storedZip({ 'vol.npy': encodeNpy(cOrder(vol), [8, 8]), 'seg.npy': encodeNpy(cOrder(labs), [8, 8]) });
    const b = base();
    const fromNpz = await prepareData({ ...b, atlas: { vol: { name: 'atlas.npz', bytes: npz }, seg: { name: 'atlas.npz', bytes: npz } } }, o);
    const fromNii = await prepareData(b, o);
    expect(fromNpz.atlas.image).toEqual(fromNii.atlas.image);
    expect(fromNpz.atlas.labels).toEqual(fromNii.atlas.labels);
    expect(fromNpz.atlas.name).toBe('atlas');
    const only = storedZip({ 'x.npy': encodeNpy(vol, [8, 8]), 'y.npy': encodeNpy(vol, [8, 8]) });
    await expect(prepareData({ ...b, unlabeled: [{ name: 'u.npz', bytes: only }] }, o)).rejects.toThrow(/u\.npz: no "vol" array \(has x, y\)/);
  });
  it('different grids', async () => {
    await expect(prepareData({ ...base(), unlabeled: [ref('other.nii', new Float32Array(48).fill(0.5), [8, 6, 1])] }, o)).rejects.toThrow(/other\.nii: dimensions 8 x 6 x 1 differ from atlas\.nii/);
  });
  it('non-integer label map', async () => {
    await expect(prepareData({ ...base(), tests: [{ vol: ref('t.nii', img(7)), seg: ref('tseg.nii', img(2)) }] }, o)).rejects.toThrow(/tseg\.nii: voxel \d+ holds .*non-negative integers/);
  });
  it('a label map with none of the evaluated labels (the ids the atlas holds), an atlas without labels', async () => {
    // The atlas holds only id 77 (not an aseg: no right-hemisphere ids), so 77 is the one evaluated label.
    await expect(prepareData({ ...base(), atlas: { vol: ref('atlas.nii', img(3)), seg: ref('aseg.nii', new Int16Array(64).fill(77), [8, 8, 1], 'int16') } }, o)).rejects.toThrow(/t_seg\.nii: the label map holds none of the 1 evaluated labels \(ids present in aseg\.nii: ids 77\)/);
    await expect(prepareData({ ...base(), atlas: { vol: ref('atlas.nii', img(3)), seg: ref('zero.nii', new Int16Array(64), [8, 8, 1], 'int16') } }, o)).rejects.toThrow(/zero\.nii: the atlas label map holds no label other than 0/);
  });
  it('NaN voxels', async () => {
    const bad = img(5);
    bad[9] = NaN;
    await expect(prepareData({ ...base(), unlabeled: [ref('nan.nii', bad)] }, o)).rejects.toThrow(/nan\.nii: voxel \(1, 1, 0\) is NaN/);
  });
  it('truncated .nii.gz', async () => {
    const { gzip } = await import('../src/io/nifti.js');
    const gz = await gzip(encodeNifti({ dims: [8, 8, 1], data: img(5), datatype: 'float32', geometry: g }));
    await expect(prepareData({ ...base(), unlabeled: [{ name: 'cut.nii.gz', bytes: gz.slice(0, 60) }] }, o)).rejects.toThrow(/cut\.nii\.gz: the gzip stream is truncated/);
  });
  it('--dims 3 on 2D input', async () => {
    await expect(prepareData(base(), { ...o, dims: 3 })).rejects.toThrow(/--dims 3: atlas\.nii is a 2D image/);
  });
});
