// The G-Blend lab's worker: builds the data (default two-view MNIST or a manifest folder) and trains
// one method at a time through blendwarp's G-Blend service, checkpointing every epoch in IndexedDB.
import * as Comlink from 'comlink';
import { Rng, type BackendName } from 'blendwarp';
import { createGBlendService } from 'blendwarp/workers';
import { buildTwoViewMnist, derivedSeed, loadManifestDataset, loadMnistDigits, type GBlendOptions, type MethodResult, type ProgressEvent, type TrainTest } from 'blendwarp/gblend';
import { parseManifest } from 'blendwarp/io';
import { IdbStore } from './store';
import { startBackend } from './backend';

const service = createGBlendService();
let data: TrainTest | null = null;

export interface DataSummary { notes: string[]; modalities: { name: string; shape: number[] }[]; train: number; test: number; classes: number }
export type DataSource = { kind: 'default'; trainPerClass: number; testPerClass: number } | { kind: 'folder'; files: { path: string; bytes: Uint8Array }[] };

const api = {
  start: (choice: BackendName | 'auto') => startBackend(choice),
  async loadData(src: DataSource): Promise<DataSummary> {
    const rng = new Rng(derivedSeed(0, 5, 0));
    const u = () => rng.uniform();
    if (src.kind === 'default') {
      data = buildTwoViewMnist(await loadMnistDigits(), { trainPerClass: src.trainPerClass, testPerClass: src.testPerClass }, u);
    } else {
      const man = src.files.find((f) => f.path.split('/').pop() === 'manifest.json');
      if (!man) throw new Error(`the chosen folder has no manifest.json (files: ${src.files.slice(0, 5).map((f) => f.path).join(', ')}${src.files.length > 5 ? ', ...' : ''})`);
      const dir = man.path.slice(0, man.path.length - 'manifest.json'.length);
      const byPath = new Map(src.files.map((f) => [f.path, f.bytes]));
      data = await loadManifestDataset(parseManifest(new TextDecoder().decode(man.bytes), man.path), async (p) => {
        const b = byPath.get(dir + p.replace(/^\.\//, ''));
        if (!b) throw new Error(`not in the chosen folder: ${dir}${p}`);
        return b;
      }, man.path);
    }
    const d = data;
    return { notes: d.notes, modalities: d.train.modalities.map((m) => ({ name: m.name, shape: [...m.shape] })), train: d.train.labels.length, test: d.test.labels.length, classes: d.train.classes };
  },
  async train(method: string, options: GBlendOptions, seed: number, runId: string, onProgress: (e: ProgressEvent) => void): Promise<MethodResult> {
    if (!data) throw new Error('load the data first');
    return service.train({ method, train: data.train, test: data.test, options, seed }, new IdbStore(`gblend/${runId}/checkpoints`), onProgress);
  },
  cancel() { service.cancel(); },
};

Comlink.expose(api);
export type GBlendWorkerApi = typeof api;
