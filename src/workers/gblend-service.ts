// The G-Blend pipeline as a comlink service, the same in a Node worker thread, a Web Worker and a
// Deno worker (the entry files only pick the endpoint): train (one method, one seed), estimate (the
// blend weights at a checkpoint), evaluate (a checkpoint on test data), estimateHead (one of the k + 1
// independent GB_Estimate runs, for a pool of workers), cancel. Progress arrives through a callback
// and checkpoints go to a BlobStore, both passed as comlink proxies by the caller.
import { info as runtimeInfo, init, type BackendName, type RuntimeInfo } from '../index.js';
import type { BlobStore } from '../io/checkpoint-store.js';
import { MemoryStore } from '../io/checkpoint-store.js';
import { restoreCheckpoint } from '../nn/checkpoint.js';
import { Rng } from '../ops/create.js';
import type { Dataset } from '../gblend/data.js';
import type { HeadMetrics } from '../gblend/metrics.js';
import { makeSplits, modelConfig, runMethod, type GBlendOptions, type MethodResult } from '../gblend/methods.js';
import { BlendModel, type ModelConfig } from '../gblend/model.js';
import {
  estimateHead, evaluate, gbEstimate, gradientEstimate, prop1Estimate, type HeadEstimate, type ProgressEvent, type Splits, type TrainConfig,
} from '../gblend/train.js';

export interface TrainRequest { method: string; train: Dataset; test: Dataset; options: GBlendOptions; seed: number }
export interface EstimateRequest {
  train: Dataset;
  options: GBlendOptions;
  seed: number;
  /**
   * 'gb': GB_Estimate (Algorithm 1) over `epochs`; 'prop1': Proposition 1 (the target's validation
   * gradient against each head's training gradient in the shared parameters, method gblend-prop1);
   * 'gradient-perhead' (or its old name 'gradient'): the per-head first-order estimator (gblend-grad-perhead).
   */
  estimator: 'gb' | 'prop1' | 'gradient-perhead' | 'gradient';
  epochs?: number;
  /** A checkpoint in the store to estimate from (default: the freshly initialised model). */
  checkpoint?: string;
}
export interface HeadRequest { modelConfig: ModelConfig; snapshot: Map<string, Float32Array>; head: number; splitsKey: string; train: TrainConfig; epochs: number; metric: 'loss' | 'accuracy'; salt: number }

export interface GBlendService {
  init(backend?: BackendName | 'auto'): Promise<string>;
  /** The worker's runtime and backend (`info()` run inside the worker). */
  info(): Promise<RuntimeInfo>;
  train(req: TrainRequest, store?: BlobStore, onProgress?: (e: ProgressEvent) => void): Promise<MethodResult>;
  estimate(req: EstimateRequest, store?: BlobStore, onProgress?: (e: ProgressEvent) => void): Promise<{ weights: number[]; dO: number[]; dG: number[] }>;
  evaluate(checkpoint: string, test: Dataset, store: BlobStore): Promise<Record<string, HeadMetrics>>;
  putSplits(key: string, splits: Splits): void;
  estimateHead(req: HeadRequest): Promise<HeadEstimate>;
  /** Cancels every call in progress (they reject with "cancelled"); checkpoints already written stay. */
  cancel(): void;
}

export function createGBlendService(): GBlendService {
  let controller = new AbortController();
  const splitsCache = new Map<string, Splits>();
  const signal = () => controller.signal;
  return {
    async init(backend = 'wasm') { return (await init(backend)).name; },
    info() { return runtimeInfo(); },
    async train(req, store, onProgress) {
      await init('auto');
      return runMethod(req.method, req.train, req.test, req.options, req.seed, { store: store ?? new MemoryStore(), signal: signal(), onProgress });
    },
    async estimate(req, store, onProgress) {
      await init('auto');
      const splits = makeSplits(req.train, req.options, req.seed);
      const cfg = modelConfig(req.train, req.options);
      const tc: TrainConfig = { ...req.options.train, seed: req.seed };
      const model = new BlendModel(cfg, new Rng(req.seed));
      try {
        if (req.checkpoint) {
          const bytes = await (store ?? new MemoryStore()).load(req.checkpoint);
          if (!bytes) throw new Error(`estimate: checkpoint "${req.checkpoint}" is not in the store`);
          restoreCheckpoint(bytes, model.params, null, req.checkpoint);
        }
        if (req.estimator === 'prop1') return await prop1Estimate(model, splits, tc, req.options.gradBatches ?? 4, 0);
        if (req.estimator === 'gradient-perhead' || req.estimator === 'gradient') return await gradientEstimate(model, splits, tc, req.options.gradBatches ?? 4, 0);
        if (req.estimator !== 'gb') throw new Error(`estimate: unknown estimator "${String(req.estimator)}" (expected gb, prop1 or gradient-perhead)`);
        const { weights, heads } = await gbEstimate(cfg, await model.snapshot(), splits, tc, { epochs: req.epochs ?? req.options.epochs, metric: req.options.metric }, 1, 'estimate', { signal: signal(), onProgress });
        return { weights, dO: heads.map((h) => h.dO), dG: heads.map((h) => h.dG) };
      } finally { model.dispose(); }
    },
    async evaluate(checkpoint, test, store) {
      await init('auto');
      const bytes = await store.load(checkpoint);
      if (!bytes) throw new Error(`evaluate: checkpoint "${checkpoint}" is not in the store`);
      const { decodeSafetensors } = await import('../io/safetensors.js');
      const meta = decodeSafetensors(bytes, checkpoint).metadata;
      if (!meta['gblend.model']) throw new Error(`evaluate: ${checkpoint} has no "gblend.model" metadata (not a G-Blend checkpoint)`);
      const cfg = JSON.parse(meta['gblend.model']) as ModelConfig;
      const model = new BlendModel(cfg, new Rng(0));
      try {
        restoreCheckpoint(bytes, model.params, null, checkpoint);
        const sub: Dataset = { ...test, modalities: cfg.modalities.map((m) => { const t = test.modalities.find((q) => q.name === m.name); if (!t) throw new Error(`evaluate: the test data has no modality "${m.name}"`); return t; }) };
        const all = Array.from({ length: model.k + 1 }, (_, i) => i);
        const heads = await evaluate(model, sub, all);
        return Object.fromEntries([...cfg.modalities.map((m) => m.name), 'fused'].map((n, i) => [n, heads[i]!]));
      } finally { model.dispose(); }
    },
    putSplits(key, splits) { splitsCache.set(key, splits); },
    async estimateHead(req) {
      await init('auto');
      const splits = splitsCache.get(req.splitsKey);
      if (!splits) throw new Error(`estimateHead: no splits under "${req.splitsKey}" (call putSplits first)`);
      return estimateHead(req.modelConfig, req.snapshot, req.head, splits, req.train, req.epochs, req.metric, req.salt, 'worker', { signal: signal() });
    },
    cancel() { controller.abort(new Error('cancelled')); controller = new AbortController(); },
  };
}
