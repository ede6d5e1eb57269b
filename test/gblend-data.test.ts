// Datasets, splits, audio features, the manifest loader and AV-MNIST construction.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildAvMnist, checkClassesPresent, groupedSplit, stratifiedSplit, subset, validateDataset, type Dataset,
} from '../src/gblend/data.js';
import { fft, logSpectrogramImage, melFilterbank } from '../src/gblend/features.js';
import { foldData, makeFolds } from '../src/gblend/folds.js';
import { loadManifestDataset, loadManifestFoldSource } from '../src/gblend/manifest.js';
import { loadMnistPackageDigits } from '../src/gblend/mnist-source.js';
import { parseManifest } from '../src/io/manifest.js';
import { encodeNpy } from '../src/io/npy.js';
import { encodeWav } from '../src/io/wav.js';
import { hostRng, sharedData } from './harness.js';

/** ../shared/data/fsdd/recordings, or null (the test is reported as skipped; under CI=true sharedData throws). */
const fsddDir = sharedData('fsdd/recordings');

function toy(n = 20, classes = 2): Dataset {
  return {
    modalities: [{ name: 'a', shape: [3], data: Float32Array.from({ length: n * 3 }, (_, i) => i) }, { name: 'b', shape: [2, 2], data: new Float32Array(n * 4) }],
    classes, labels: Int32Array.from({ length: n }, (_, i) => i % classes), groups: Int32Array.from({ length: n }, (_, i) => Math.floor(i / 4)),
  };
}

describe('datasets and splits', () => {
  it('rejects example counts that differ across modalities, naming the modality and the counts', () => {
    const d = toy();
    d.modalities[1]!.data = new Float32Array(19 * 4);
    expect(() => validateDataset(d, 'mine')).toThrow('mine: modality "b" has 19 examples (76 values), the labels have 20 (expected 80 values of shape [2, 2])');
    const e = toy(); e.labels[3] = 5;
    expect(() => validateDataset(e, 'mine')).toThrow('mine: label 5 of example 3 is outside [0, 2)');
  });

  it('names an empty class in a split', () => {
    const d = toy(20, 3);
    const only01 = subset(d, Int32Array.from([0, 1, 3, 4]));
    expect(() => checkClassesPresent({ ...only01, classNames: ['x', 'y', 'z'] }, 'training (T)')).toThrow('training (T) split: class z has no examples');
  });

  it('stratified split holds out the fraction of every class, disjoint and complete', () => {
    const labels = Int32Array.from({ length: 100 }, (_, i) => (i < 60 ? 0 : 1));
    const s = stratifiedSplit(labels, 2, 0.1, hostRng(1));
    expect(s.heldOut.length).toBe(10);
    expect([...s.heldOut].filter((i) => labels[i] === 0).length).toBe(6);
    expect(new Set([...s.train, ...s.heldOut]).size).toBe(100);
  });

  it('grouped split holds out whole groups only', () => {
    const d = toy(40);
    const s = groupedSplit(d.groups!, { fraction: 0.25 }, hostRng(2));
    const held = new Set([...s.heldOut].map((i) => d.groups![i]!)), kept = new Set([...s.train].map((i) => d.groups![i]!));
    expect([...held].some((g) => kept.has(g))).toBe(false);
    expect(s.heldOut.length).toBeGreaterThanOrEqual(10);
    expect(() => groupedSplit(d.groups!, { heldOutGroups: [99] }, hostRng(1))).toThrow('groupedSplit: group 99 is not in the data');
  });
});

describe('audio features', () => {
  it('the FFT of a pure tone peaks at its bin', () => {
    const n = 64, re = Float64Array.from({ length: n }, (_, i) => Math.cos((2 * Math.PI * 5 * i) / n)), im = new Float64Array(n);
    fft(re, im);
    const mag = Array.from(re, (r, i) => Math.hypot(r, im[i]!));
    expect(mag[5]).toBeCloseTo(32, 6);
    expect(mag[59]).toBeCloseTo(32, 6);
    expect(Math.max(...mag.filter((_, i) => i !== 5 && i !== 59))).toBeLessThan(1e-9);
  });

  it('mel filters are triangles between increasing centres', () => {
    const fb = melFilterbank(10, 256, 8000);
    const peaks = fb.map((w) => w.indexOf(Math.max(...w)));
    for (let i = 1; i < peaks.length; i++) expect(peaks[i]!).toBeGreaterThan(peaks[i - 1]!);
    for (const w of fb) expect(Math.max(...w)).toBeLessThanOrEqual(1);
  });

  it('a 1 kHz tone lights the mel band that covers 1 kHz', () => {
    const sig = Float32Array.from({ length: 4000 }, (_, i) => Math.sin((2 * Math.PI * 1000 * i) / 8000));
    const { data, shape } = logSpectrogramImage(sig, 8000, { nMels: 16, frames: 8 });
    expect(shape).toEqual([16, 8]);
    const band = (b: number) => data[b * 8 + 4]!;
    const best = Array.from({ length: 16 }, (_, b) => b).reduce((a, b) => (band(b) > band(a) ? b : a), 0);
    const fb = melFilterbank(16, 256, 8000);
    expect(fb[best]![32]).toBeGreaterThan(0); // bin 32 of a 256-point FFT at 8 kHz is 1 kHz
  });
});

describe('manifest folders', () => {
  it('loads wav + npy modalities and names a missing file', async () => {
    const files = new Map<string, Uint8Array>();
    const examples = [];
    for (let i = 0; i < 8; i++) {
      const f = 200 + 300 * (i % 2);
      files.set(`a${i}.wav`, encodeWav([Float32Array.from({ length: 2000 }, (_, t) => 0.5 * Math.sin((2 * Math.PI * f * t) / 8000))], 8000));
      examples.push({ audio: `a${i}.wav`, label: i % 2 ? 'high' : 'low', split: i < 6 ? 'train' : 'test', group: `g${i % 3}` });
    }
    files.set('t.npy', encodeNpy(Float32Array.from({ length: 16 }, (_, i) => i), [8, 2]));
    const man = parseManifest(JSON.stringify({ classes: ['low', 'high'], modalities: [{ name: 'audio', format: 'wav', features: { nMels: 8, frames: 4 } }, { name: 'tab', format: 'npy', file: 't.npy' }], examples }));
    const read = async (p: string) => { const b = files.get(p); if (!b) throw new Error('ENOENT'); return b; };
    const { train, test } = await loadManifestDataset(man, read, 'm.json');
    expect(train.labels.length).toBe(6);
    expect(test.labels.length).toBe(2);
    expect(train.modalities.map((m) => m.shape)).toEqual([[8, 4], [2]]);
    expect(train.groups?.length).toBe(6);
    files.delete('a3.wav');
    await expect(loadManifestDataset(man, read, 'm.json')).rejects.toThrow('m.json: examples[3], modality "audio": cannot read "a3.wav" (ENOENT)');
  });

  it('reads a file shared by several examples once; vector features standardised per feature, wav with one mean/std', async () => {
    const files = new Map<string, Uint8Array>();
    const examples = [];
    for (let c = 0; c < 2; c++) files.set(`c${c}.wav`, encodeWav([Float32Array.from({ length: 2000 }, (_, t) => 0.5 * Math.sin((2 * Math.PI * (200 + 300 * c) * t) / 8000))], 8000));
    // Two columns of very different scales: 1000 x and 0.001 x.
    const tab = new Float32Array(20);
    for (let i = 0; i < 10; i++) { tab[2 * i] = 1000 * (i % 3); tab[2 * i + 1] = 0.001 * (i % 4); examples.push({ audio: `c${i % 2}.wav`, label: String(i % 2), split: i < 8 ? 'train' : 'test' }); }
    files.set('t.npy', encodeNpy(tab, [10, 2]));
    const man = parseManifest(JSON.stringify({ classes: ['0', '1'], modalities: [{ name: 'audio', format: 'wav', features: { nMels: 8, frames: 4 } }, { name: 'tab', format: 'npy', file: 't.npy' }], examples }));
    const reads = new Map<string, number>();
    const read = async (p: string) => { reads.set(p, (reads.get(p) ?? 0) + 1); return files.get(p)!; };
    const { train, notes } = await loadManifestDataset(man, read, 'm.json');
    expect(reads.get('c0.wav')).toBe(1);
    expect(reads.get('c1.wav')).toBe(1);
    expect(notes[0]).toMatch(/audio: one mean\/std, tab: per feature/);
    const t = train.modalities[1]!.data;
    for (const j of [0, 1]) {
      const col = Array.from({ length: 8 }, (_, r) => t[2 * r + j]!);
      const mu = col.reduce((a, b) => a + b, 0) / 8, sd = Math.sqrt(col.reduce((a, b) => a + (b - mu) ** 2, 0) / 8);
      expect(mu).toBeCloseTo(0, 5);
      expect(sd).toBeCloseTo(1, 4); // the 0.001-scale column is not buried under the 1000-scale one
    }
  });
});

describe('manifest pooled for --folds', () => {
  it('pools every example (split ignored) and standardises each fold per feature on its own training rows', async () => {
    const tab = Float32Array.from({ length: 24 }, (_, i) => (i % 2 ? 0.001 : 1000) * (i % 5));
    const examples = Array.from({ length: 12 }, (_, i) => ({ label: String(i % 2), group: `g${i % 4}`, split: i < 10 ? 'train' : 'test' }));
    const man = parseManifest(JSON.stringify({ classes: ['0', '1'], modalities: [{ name: 'tab', format: 'npy', file: 't.npy' }], examples }));
    const src = await loadManifestFoldSource(man, async () => encodeNpy(tab, [12, 2]), 'm.json');
    expect(src.all.labels.length).toBe(12);
    expect(src.notes[0]).toMatch(/^m\.json: 12 examples pooled for cross-validation \(the manifest's "split" is not used with --folds\)/);
    const plan = makeFolds(src.all, 2);
    expect(plan.by).toBe('groups');
    for (const f of plan.folds) {
      const d = foldData(src, f, 'm.json');
      const t = d.train.modalities[0]!.data, n = d.train.labels.length;
      for (const j of [0, 1]) {
        const col = Array.from({ length: n }, (_, r) => t[2 * r + j]!);
        const mu = col.reduce((a, b) => a + b, 0) / n, sd = Math.sqrt(col.reduce((a, b) => a + (b - mu) ** 2, 0) / n);
        expect(mu).toBeCloseTo(0, 5);
        expect(sd).toBeCloseTo(1, 4);
      }
      // The test rows use the training rows' statistics (not their own): the raw value maps through them.
      const rawTrain = [...f.train].map((i) => tab[2 * i]!), mu0 = rawTrain.reduce((a, b) => a + b, 0) / rawTrain.length;
      const sd0 = Math.sqrt(rawTrain.reduce((a, b) => a + (b - mu0) ** 2, 0) / rawTrain.length);
      expect(d.test.modalities[0]!.data[0]).toBeCloseTo((tab[2 * f.test[0]!]! - mu0) / sd0, 4);
    }
    expect(Array.from(src.all.modalities[0]!.data)).toEqual(Array.from(tab)); // the pooled data stays raw
  });
});

describe('AV-MNIST', () => {
  it.skipIf(!fsddDir)('pairs FSDD clips with MNIST images of the same digit; test speakers are unseen', async () => {
    const dir = fsddDir!;
    const names = readdirSync(dir).filter((n) => /^\d_(george|jackson|theo)_[0-2]\.wav$/.test(n));
    const recordings = names.map((n) => ({ name: n, bytes: new Uint8Array(readFileSync(join(dir, n))) }));
    const { train, test } = buildAvMnist(recordings, await loadMnistPackageDigits(), { reuse: 2, testSpeakers: ['theo'], pcaRemove: 5 }, hostRng(3));
    expect(train.labels.length).toBe(2 * 2 * 10 * 3);
    expect(test.labels.length).toBe(2 * 10 * 3);
    const theo = train.groupNames!.indexOf('theo');
    expect([...train.groups!].includes(theo)).toBe(false);
    expect([...test.groups!].every((g) => g === theo)).toBe(true);
    expect(train.modalities.map((m) => [m.name, m.shape])).toEqual([['image', [28, 28]], ['audio', [32, 32]]]);
    validateDataset(train); validateDataset(test);
    expect(() => buildAvMnist(recordings, { images: [], counts: [] }, { testSpeakers: ['nobody'] }, hostRng(1))).toThrow('AV-MNIST: test speaker "nobody" has no recordings (speakers: george, jackson, theo)');
    expect(() => buildAvMnist([{ name: 'x.wav', bytes: new Uint8Array(4) }], { images: [], counts: [] }, {}, hostRng(1))).toThrow('x.wav: not an FSDD file name');
  });
});
