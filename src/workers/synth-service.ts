// The synthesis pipeline as a comlink service, runtime-neutral: expose `new SynthService()` on any
// comlink endpoint (a Web Worker's `self`, a Node worker via synth-node-worker.ts, a MessagePort).
// Every stage reports progress through a proxied callback and can be cancelled (its checkpoint is
// saved, and running the stage again resumes). Volumes come back as transferable typed arrays with
// their voxel-to-world affine, ready for a viewer such as niivue.
import * as Comlink from 'comlink';
import { info as runtimeInfo, init, type BackendName, type RuntimeInfo } from '../index.js';
import type { BlobStore } from '../io/checkpoint-store.js';
import { MemoryStore } from '../io/checkpoint-store.js';
import { phantomData, prepareData, type InputFiles } from '../synth/data.js';
import { gridMultiple, presetConfig, SynthPipeline, type MethodName, type Stage, type VolumeOut } from '../synth/pipeline.js';
import { resultsObject, type SynthResultsJson } from '../synth/report.js';
import type { ProgressFn, StageProgress } from '../synth/train.js';
import type { Shape3 } from '../synth/preprocess.js';

export interface PrepareRequest {
  /** Files (bytes), or 'default' for the generated phantoms. */
  input: InputFiles | 'default';
  /**
   * The backend this worker starts on its first prepare (default 'auto'). 'wasm' skips probing for a
   * WebGPU adapter, which a worker that is terminated soon after is better without.
   */
  backend?: BackendName | 'auto';
  preset?: 'quick' | 'paper';
  steps?: number;
  seed?: number;
  methods?: MethodName[];
  downsample?: number;
  dims?: 2 | 3;
  slice?: number;
  /** Phantom grid for input 'default'. */
  phantomShape?: Shape3;
  diffeomorphic?: boolean;
  synthCount?: number;
}

export interface PrepareSummary { shape: Shape3; dims: 2 | 3; atlas: string; unlabeled: string[]; tests: string[]; notes: string[] }

export class SynthService {
  private pipeline: SynthPipeline | null = null;
  private abort: AbortController | null = null;
  private store: BlobStore = new MemoryStore();

  /**
   * Loads and preprocesses the data and sets up the pipeline. `store` (a comlink proxy of a
   * BlobStore on the caller's side, or none for memory) receives checkpoints and outputs.
   */
  async prepare(req: PrepareRequest, store?: BlobStore): Promise<PrepareSummary> {
    await init(req.backend ?? 'auto');
    this.pipeline?.dispose();
    this.pipeline = null;
    const config = presetConfig(req.preset ?? 'quick', { steps: req.steps, seed: req.seed, methods: req.methods });
    if (req.diffeomorphic === false) config.spatial.diffeomorphic = false;
    if (req.synthCount !== undefined) config.synthCount = req.synthCount;
    const multiple = gridMultiple(config);
    const data = req.input === 'default'
      ? phantomData({ dims: req.dims ?? 2, shape: req.phantomShape, multiple, seed: config.seed })
      : await prepareData(req.input, { downsample: req.downsample ?? 1, dims: req.dims, slice: req.slice, multiple });
    this.store = store ?? new MemoryStore();
    this.pipeline = new SynthPipeline(data, config, this.store, (p) => this.onProgress?.(p));
    return { shape: data.cropShape, dims: data.dims, atlas: data.atlas.name, unlabeled: data.unlabeled.map((u) => u.name), tests: data.tests.map((t) => t.name), notes: data.notes };
  }

  private onProgress: ProgressFn | null = null;

  /** The worker's runtime and backend (`info()` run inside the worker; backend null before prepare). */
  info(): Promise<RuntimeInfo> {
    return runtimeInfo();
  }

  /**
   * Runs `stage` (and the stages before it that have not run). Returns results.json's object after
   * 'evaluate', else the stage times. Cancelled runs reject with a CancelledError message.
   */
  async runStage(stage: Stage | 'run', onProgress?: (p: StageProgress) => void): Promise<{ timings: Record<string, number>; results?: SynthResultsJson }> {
    const p = this.need();
    if (this.abort) throw new Error('a stage is already running in this service');
    this.abort = new AbortController();
    this.onProgress = onProgress ?? null;
    try {
      const r = await p.run(stage === 'run' ? 'evaluate' : stage, this.abort.signal);
      return { timings: { ...p.timings }, results: r ? resultsObject(r) : undefined };
    } finally {
      this.abort = null;
      this.onProgress = null;
    }
  }

  /** Stops the running stage after its current step (its checkpoint is saved). */
  cancel(): boolean {
    if (!this.abort) return false;
    this.abort.abort();
    return true;
  }

  /** The atlas image and its labels (FreeSurfer values). */
  atlas(): [VolumeOut, VolumeOut] {
    const p = this.need();
    const a = p.data.atlas;
    const vols: [VolumeOut, VolumeOut] = [p.volume(`${a.name}_image`, a.image.slice()), p.volume(`${a.name}_labels`, p.data.labelSet.toValues(a.labels!))];
    return Comlink.transfer(vols, vols.map((v) => v.data.buffer as ArrayBuffer));
  }

  /** A synthesized example: shape of unlabeled scan i, appearance of scan j. */
  async example(i: number, j: number): Promise<[VolumeOut, VolumeOut]> {
    const vols = await this.need().example(i, j);
    return Comlink.transfer(vols, vols.map((v) => v.data.buffer as ArrayBuffer));
  }

  /** A method's prediction (FreeSurfer label values) for test scan `index`. */
  async prediction(method: MethodName, index: number): Promise<VolumeOut> {
    const p = this.need();
    const t = p.data.tests[index];
    if (!t) throw new Error(`prediction: no test scan ${index} (there are ${p.data.tests.length})`);
    const { labels } = await p.predict(method, t.image);
    const v = p.volume(`${method}_${t.name}_labels`, p.data.labelSet.toValues(labels));
    return Comlink.transfer(v, [v.data.buffer as ArrayBuffer]);
  }

  /** Unlabeled scan i (cropped, with its affine). */
  unlabeled(i: number): VolumeOut {
    const p = this.need();
    const u = p.data.unlabeled[i];
    if (!u) throw new Error(`unlabeled: no scan ${i} (there are ${p.data.unlabeled.length})`);
    const v = p.volume(`${u.name}_image`, u.image.slice());
    return Comlink.transfer(v, [v.data.buffer as ArrayBuffer]);
  }

  /** Test scan i and its true labels (label ids as the input gave them). */
  test(i: number): [VolumeOut, VolumeOut | null] {
    const p = this.need();
    const t = p.data.tests[i];
    if (!t) throw new Error(`test: no test scan ${i} (there are ${p.data.tests.length})`);
    const img = p.volume(`${t.name}_image`, t.image.slice());
    const lab = t.labels ? p.volume(`${t.name}_labels`, p.data.labelSet.toValues(t.labels)) : null;
    return Comlink.transfer([img, lab], [img.data.buffer as ArrayBuffer, ...(lab ? [lab.data.buffer as ArrayBuffer] : [])]);
  }

  /** The atlas warped to unlabeled scan i, its labels, the Jacobian determinant, folding voxels, the appearance change. */
  async registration(i: number): Promise<Awaited<ReturnType<SynthPipeline['registration']>>> {
    const r = await this.need().registration(i);
    const vols = [r.warped, r.warpedLabels, r.jacobian, r.folding, ...(r.appearance ? [r.appearance] : [])];
    return Comlink.transfer(r, vols.map((v) => v.data.buffer as ArrayBuffer));
  }

  /** A blob the pipeline wrote (e.g. 'synth/montage.png', 'table.md'), when the store is the service's memory. */
  async output(name: string): Promise<Uint8Array | null> {
    const b = await this.store.load(name);
    return b ? Comlink.transfer(b, [b.buffer as ArrayBuffer]) : null;
  }

  dispose(): void {
    this.abort?.abort();
    this.pipeline?.dispose();
    this.pipeline = null;
  }

  private need(): SynthPipeline {
    if (!this.pipeline) throw new Error('call prepare() first');
    return this.pipeline;
  }
}

