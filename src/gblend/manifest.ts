// Loads a user's manifest folder (format: src/io/manifest.ts, docs/gblend-data.md) into training and
// test Datasets. Reading is delegated to `read(path)` so the same code runs on files (the CLI), on
// fetch() (a page) or on memory (tests).
import { parseIdx } from '../io/idx.js';
import type { Manifest } from '../io/manifest.js';
import { npyToFloat32, parseNpy, parseNpz } from '../io/npy.js';
import { parseWav, toMono } from '../io/wav.js';
import { checkClassesPresent, firstNonFinite, standardize, subset, validateDataset, type Dataset, type TrainTest } from './data.js';
import { logSpectrogramImage } from './features.js';
import type { FoldSource } from './folds.js';

export type ReadFile = (path: string) => Promise<Uint8Array>;

export async function loadManifestDataset(man: Manifest, read: ReadFile, source = 'manifest.json'): Promise<TrainTest> {
  const { all, perFeature } = await loadManifestAll(man, read, source);
  const modalities = all.modalities;
  const pick = (s: 'train' | 'test') => Int32Array.from(man.examples.flatMap((e, i) => (e.split === s ? [i] : [])));
  const trainIdx = pick('train'), testIdx = pick('test');
  if (testIdx.length === 0) throw new Error(`${source}: no example has "split": "test" (mark the test examples)`);
  const train = subset(all, trainIdx), test = subset(all, testIdx);
  checkClassesPresent(train, `${source} training`);
  standardize(train, [test], perFeature);
  return { train, test, notes: [`${source}: ${train.labels.length} training and ${test.labels.length} test examples; modalities ${modalities.map((m) => `${m.name} [${m.shape.join('x')}]`).join(', ')}; standardised with the training rows' statistics (${standardisationOf(all, perFeature)})`] };
}

const standardisationOf = (all: Dataset, perFeature: boolean[]): string => all.modalities.map((m, i) => `${m.name}: ${perFeature[i] ? 'per feature' : 'one mean/std'}`).join(', ');

/**
 * Every example of the manifest pooled (its "split" ignored), for --folds: each fold standardises its
 * copies with its own training rows' statistics (per feature for vector npy/npz features).
 */
export async function loadManifestFoldSource(man: Manifest, read: ReadFile, source = 'manifest.json'): Promise<FoldSource> {
  const { all, perFeature } = await loadManifestAll(man, read, source);
  const std = standardisationOf(all, perFeature);
  return {
    all,
    prepare: (train, test) => { standardize(train, [test], perFeature); return [`standardised with this fold's training rows' statistics (${std})`]; },
    notes: [`${source}: ${all.labels.length} examples pooled for cross-validation (the manifest's "split" is not used with --folds); modalities ${all.modalities.map((m) => `${m.name} [${m.shape.join('x')}]`).join(', ')}`],
  };
}

/** Every example of the manifest, read and checked, not standardised; which modalities are standardised per feature. */
async function loadManifestAll(man: Manifest, read: ReadFile, source: string): Promise<{ all: Dataset; perFeature: boolean[] }> {
  const readOr = async (path: string, what: string): Promise<Uint8Array> => {
    try { return await read(path); } catch (e) { throw new Error(`${source}: ${what}: cannot read "${path}" (${e instanceof Error ? e.message : String(e)})`); }
  };
  const n = man.examples.length;
  const modalities = [] as Dataset['modalities'];
  /** Vector features (npy/npz rows of shape [d]) are standardised per feature, others with one scalar pair. */
  const perFeature: boolean[] = [];
  for (const m of man.modalities) {
    let shape: number[] = [], data: Float32Array;
    if (m.file) {
      const bytes = await readOr(m.file, `modality "${m.name}"`);
      let arr: { shape: number[]; data: Float32Array };
      if (m.format === 'idx') { const a = parseIdx(bytes, m.file); arr = { shape: a.shape, data: Float32Array.from(a.data) }; }
      else if (m.format === 'npz') {
        const all = await parseNpz(bytes, m.file);
        const a = all.get(m.key!);
        if (!a) throw new Error(`${m.file}: no array "${m.key}" (arrays: ${[...all.keys()].join(', ')})`);
        arr = { shape: a.shape, data: npyToFloat32(a) };
      } else { const a = parseNpy(bytes, m.file); arr = { shape: a.shape, data: npyToFloat32(a) }; }
      if (arr.shape[0] !== n) throw new Error(`${m.file}: modality "${m.name}" has ${arr.shape[0]} rows, the manifest lists ${n} examples`);
      const bad = firstNonFinite(arr.data);
      if (bad >= 0) throw new Error(`${m.file}: modality "${m.name}": value ${arr.data[bad]} at index ${bad} (example ${Math.floor(bad / Math.max(1, arr.data.length / n))}); features must be finite`);
      shape = arr.shape.slice(1).length ? arr.shape.slice(1) : [1];
      data = arr.data;
    } else {
      const rows: Float32Array[] = [];
      // Features are computed once per distinct file (examples may reuse a file, e.g. one clip paired
      // with several images).
      const cache = new Map<string, { data: Float32Array; shape: number[] }>();
      for (let i = 0; i < n; i++) {
        const path = man.examples[i]!.files[m.name]!;
        const hit = cache.get(path);
        if (hit) { rows.push(hit.data); continue; }
        const bytes = await readOr(path, `examples[${i}], modality "${m.name}"`);
        let row: { data: Float32Array; shape: number[] };
        if (m.format === 'wav') {
          const a = parseWav(bytes, path);
          const f = logSpectrogramImage(toMono(a), a.sampleRate, m.features ?? {});
          row = { data: f.data, shape: [...f.shape] };
        } else {
          const a = parseNpy(bytes, path);
          row = { data: npyToFloat32(a), shape: a.shape.length ? a.shape : [1] };
        }
        const bad = firstNonFinite(row.data);
        if (bad >= 0) throw new Error(`${path}: modality "${m.name}" (examples[${i}]): value ${row.data[bad]} at index ${bad}; features must be finite`);
        if (i === 0) shape = row.shape;
        else if (row.shape.join(',') !== shape.join(',')) throw new Error(`${path}: modality "${m.name}" has shape [${row.shape.join(', ')}], examples[0] has [${shape.join(', ')}] (every example must match)`);
        rows.push(row.data);
        cache.set(path, row);
      }
      data = new Float32Array(n * rows[0]!.length);
      rows.forEach((r, i) => data.set(r, i * r.length));
    }
    modalities.push({ name: m.name, shape, data });
    perFeature.push((m.format === 'npy' || m.format === 'npz') && shape.length === 1);
  }
  const c = man.classes.length;
  const idxOf = (l: string | number) => (typeof l === 'number' ? l : man.classes.indexOf(l));
  const groupNames = [...new Set(man.examples.map((e) => e.group).filter((g): g is string => g !== undefined))];
  const all: Dataset = {
    modalities, classes: c, classNames: man.classes,
    labels: Int32Array.from(man.examples, (e) => idxOf(e.labels[0]!)),
    multiHot: man.multiLabel ? Float32Array.from({ length: n * c }, (_, k) => (man.examples[Math.floor(k / c)]!.labels.map(idxOf).includes(k % c) ? 1 : 0)) : undefined,
    groups: groupNames.length ? Int32Array.from(man.examples, (e) => (e.group === undefined ? -1 : groupNames.indexOf(e.group))) : undefined,
    groupNames: groupNames.length ? groupNames : undefined,
  };
  validateDataset(all, source);
  return { all, perFeature };
}
