// The G-Blend lab's worker: builds the data (default two-view MNIST or a manifest folder) and trains
// one method at a time through blendwarp's G-Blend service, checkpointing every epoch in IndexedDB.
import * as Comlink from 'comlink';
import { Rng, type BackendName } from 'blendwarp';
import { createGBlendService } from 'blendwarp/workers';
import {
  buildTwoViewMnist, derivedSeed, foldData, loadManifestDataset, loadManifestFoldSource, loadMnistDigits, makeFolds, twoViewMnistFoldSource,
  type FoldPlan, type FoldSource, type GBlendOptions, type MethodResult, type ProgressEvent, type TrainTest,
} from 'blendwarp/gblend';
import { parseManifest, type Manifest } from 'blendwarp/io';
import { IdbStore } from './store';
import { startBackend } from './backend';

const service = createGBlendService();
/** Without folds: the data's one split. With folds: the pooled data, the plan and the fold made last. */
let data: TrainTest | null = null;
let pooled: { src: FoldSource; plan: FoldPlan; made: { fold: number; data: TrainTest } | null } | null = null;

export interface DataSummary {
  notes: string[]; modalities: { name: string; shape: number[] }[]; train: number; test: number; classes: number;
  /** With folds: the plan (fold numbers, held-out groups, sizes), as in results.json's `folds`. */
  plan?: FoldPlan;
}
/**
 * The default data (two-view MNIST) or a manifest folder. `folds` >= 2: K-fold cross-validation as
 * `blendwarp gblend --folds K` (the default data pools trainPerClass + testPerClass images per class;
 * a manifest's "split" is not used).
 */
export type DataSource = ({ kind: 'default'; trainPerClass: number; testPerClass: number } | { kind: 'folder'; files: { path: string; bytes: Uint8Array }[] }) & { folds?: number };

/** One fold's (train, test), prepared on its training rows; the last one made is kept. */
function foldOf(f: number): TrainTest {
  if (!pooled) throw new Error('load the data with folds first');
  if (pooled.made?.fold !== f) {
    const fold = pooled.plan.folds.find((x) => x.fold === f);
    if (!fold) throw new Error(`fold ${f}: the plan has folds 1..${pooled.plan.k}`);
    pooled.made = { fold: f, data: foldData(pooled.src, fold, 'G-Blend lab') };
  }
  return pooled.made.data;
}

const api = {
  start: (choice: BackendName | 'auto') => startBackend(choice),
  async loadData(src: DataSource): Promise<DataSummary> {
    const rng = new Rng(derivedSeed(0, 5, 0));
    const u = () => rng.uniform();
    data = null; pooled = null;
    const k = src.folds ?? 0;
    if (k !== 0 && (!Number.isInteger(k) || k < 2)) throw new Error(`folds: expected an integer >= 2 (or none), got ${k}`);
    let read: ((p: string) => Promise<Uint8Array>) | null = null, manifestPath = '', manifest: Manifest | null = null;
    if (src.kind === 'folder') {
      const man = src.files.find((f) => f.path.split('/').pop() === 'manifest.json');
      if (!man) throw new Error(`the chosen folder has no manifest.json (files: ${src.files.slice(0, 5).map((f) => f.path).join(', ')}${src.files.length > 5 ? ', ...' : ''})`);
      const dir = man.path.slice(0, man.path.length - 'manifest.json'.length);
      const byPath = new Map(src.files.map((f) => [f.path, f.bytes]));
      manifestPath = man.path;
      manifest = parseManifest(new TextDecoder().decode(man.bytes), man.path);
      read = async (p) => {
        const b = byPath.get(dir + p.replace(/^\.\//, ''));
        if (!b) throw new Error(`not in the chosen folder: ${dir}${p}`);
        return b;
      };
    }
    if (k) {
      const fs = src.kind === 'default'
        ? twoViewMnistFoldSource(await loadMnistDigits(), src.trainPerClass + src.testPerClass)
        : await loadManifestFoldSource(manifest!, read!, manifestPath);
      const plan = makeFolds(fs.all, k);
      pooled = { src: fs, plan, made: null };
      const held = plan.by === 'groups' ? plan.folds.map((f) => `fold ${f.fold} tests ${f.testGroups!.join(', ')} (${f.test.length})`) : plan.folds.map((f) => `fold ${f.fold} tests ${f.test.length} examples`);
      const notes = [...fs.notes, `${k} folds ${plan.by === 'groups' ? 'over groups' : 'stratified by class (the data has no groups)'}: ${held.join('; ')}`];
      const all = fs.all;
      return { notes, modalities: all.modalities.map((m) => ({ name: m.name, shape: [...m.shape] })), train: all.labels.length, test: all.labels.length, classes: all.classes, plan };
    }
    data = src.kind === 'default'
      ? buildTwoViewMnist(await loadMnistDigits(), { trainPerClass: src.trainPerClass, testPerClass: src.testPerClass }, u)
      : await loadManifestDataset(manifest!, read!, manifestPath);
    const d = data;
    return { notes: d.notes, modalities: d.train.modalities.map((m) => ({ name: m.name, shape: [...m.shape] })), train: d.train.labels.length, test: d.test.labels.length, classes: d.train.classes };
  },
  /** Trains one method for one seed (on fold `fold` when the data was loaded with folds); checkpoints per epoch in IndexedDB. */
  async train(method: string, options: GBlendOptions, seed: number, runId: string, onProgress: (e: ProgressEvent) => void, fold?: number): Promise<MethodResult> {
    if (fold !== undefined) {
      const d = foldOf(fold);
      const r = await service.train({ method, train: d.train, test: d.test, options, seed }, new IdbStore(`gblend/${runId}/checkpoints/fold${fold}`), onProgress);
      return { ...r, fold };
    }
    if (!data) throw new Error(pooled ? 'the data was loaded with folds: name the fold' : 'load the data first');
    return service.train({ method, train: data.train, test: data.test, options, seed }, new IdbStore(`gblend/${runId}/checkpoints`), onProgress);
  },
  /** The (train, test) sizes of a fold as prepared (after foldOf made it). */
  foldSizes(fold: number): { train: number; test: number } {
    const d = foldOf(fold);
    return { train: d.train.labels.length, test: d.test.labels.length };
  },
  cancel() { service.cancel(); },
};

Comlink.expose(api);
export type GBlendWorkerApi = typeof api;
