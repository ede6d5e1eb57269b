// Training with blended losses sum_i w_i L_i over the k unimodal heads and the fused head, per-epoch
// losses and OGR per head, and the weight estimators of G-Blend: GB_Estimate (Algorithm 1) used
// offline (Algorithm 2) and online (Algorithm 3), and the direct estimator of Proposition 1.
import { Adam, AdaGrad, SGD, type Optimizer } from '../nn/optim.js';
import { Rng, tensor } from '../ops/create.js';
import { add, mulScalar } from '../ops/elementwise.js';
import { gradGram } from '../ops/gradstats.js';
import { bceWithLogits, NonFiniteError, softmaxCrossEntropy } from '../ops/loss.js';
import { valueAndGrads } from '../tensor/autograd.js';
import { getBackend, tidy } from '../tensor/engine.js';
import { readAll, type Tensor } from '../tensor/tensor.js';
import { rowSize, type Dataset } from './data.js';
import { crossEntropy, multiLabelMetrics, softmaxRows, topK, type HeadMetrics } from './metrics.js';
import { BlendModel, type ModelConfig } from './model.js';

export interface TrainConfig {
  optimizer: 'sgd' | 'adam' | 'adagrad';
  lr: number;
  /** SGD momentum (default 0.9). */
  momentum?: number;
  weightDecay?: number;
  batchSize: number;
  seed: number;
  /** At most this many training examples are used to measure the training loss per epoch (T'). */
  trainEvalSize?: number;
}

export interface Splits {
  /** T: what the model trains on. */
  train: Dataset;
  /** T': the subset of T on which training loss is measured (default: T capped at trainEvalSize). */
  trainEval: Dataset;
  /** V: held out from training, for OGR and the estimators. */
  val: Dataset;
}

export interface EpochRecord {
  epoch: number;
  weights: number[];
  /** Mean blended loss over the epoch's steps. */
  stepLoss: number;
  train: HeadMetrics[];
  val: HeadMetrics[];
  /** |dO / dG| per head against the previous epoch (null for the first epoch or dG = 0). */
  ogr: (number | null)[];
}

export interface WeightEstimate {
  epoch: number;
  source: 'fixed' | 'gb-estimate' | 'gradient';
  /** Weights as estimated (after the clipping convention) and as used (after the guards). */
  raw: number[];
  weights: number[];
  dO: number[];
  dG: number[];
  note?: string;
  /** Proposition 1's direct estimate at the same checkpoint, for comparison (GB_Estimate runs only). */
  direct?: { weights: number[]; dO: number[]; dG: number[] };
}

export type ProgressEvent =
  | { type: 'step'; job: string; epoch: number; step: number; steps: number; loss: number }
  | { type: 'epoch'; job: string; record: EpochRecord }
  | { type: 'weights'; job: string; estimate: WeightEstimate }
  | { type: 'estimate-head'; job: string; head: number; epoch: number; epochs: number };

export interface RunContext {
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
}

export function makeOptimizer(cfg: TrainConfig): Optimizer {
  const wd = cfg.weightDecay ?? 0;
  if (cfg.optimizer === 'sgd') return new SGD({ lr: cfg.lr, momentum: cfg.momentum ?? 0.9, weightDecay: wd });
  if (cfg.optimizer === 'adam') return new Adam({ lr: cfg.lr, weightDecay: wd });
  return new AdaGrad({ lr: cfg.lr, weightDecay: wd });
}

/** An integer seed for the generator of (run seed, purpose, epoch): resumed runs redraw the same numbers. */
export function derivedSeed(seed: number, salt: number, epoch: number): number {
  let h = (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(salt + 7, 0x85ebca6b) ^ Math.imul(epoch + 13, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  return h % 2147483647;
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
}

const yieldToEvents = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** Tensors of the examples `idx[start..end)`: one per modality, plus labels (and multi-hot targets). */
export function batchTensors(ds: Dataset, idx: ArrayLike<number>, start: number, end: number): { xs: Tensor[]; y: Tensor; targets: Tensor | null } {
  const n = end - start;
  const xs = ds.modalities.map((m) => {
    const size = rowSize(m), buf = new Float32Array(n * size);
    for (let i = 0; i < n; i++) { const r = idx[start + i]!; buf.set(m.data.subarray(r * size, (r + 1) * size), i * size); }
    return tensor(buf, [n, ...m.shape]);
  });
  const y = tensor(Int32Array.from({ length: n }, (_, i) => ds.labels[idx[start + i]!]!), [n], 'i32');
  let targets: Tensor | null = null;
  if (ds.multiHot) {
    const c = ds.classes, buf = new Float32Array(n * c);
    for (let i = 0; i < n; i++) { const r = idx[start + i]!; buf.set(ds.multiHot.subarray(r * c, (r + 1) * c), i * c); }
    targets = tensor(buf, [n, c]);
  }
  return { xs, y, targets };
}

function headLoss(logits: Tensor, y: Tensor, targets: Tensor | null): Tensor {
  return targets ? bceWithLogits(logits, targets) : softmaxCrossEntropy(logits, y);
}

const activeHeads = (w: readonly number[]): number[] => w.flatMap((v, i) => (v > 0 ? [i] : []));

/** Logits of the asked heads over a whole dataset (no dropout, chunks of 256). */
export async function predict(model: BlendModel, ds: Dataset, heads: readonly number[]): Promise<(Float32Array | null)[]> {
  const n = ds.labels.length, c = ds.classes, all = Int32Array.from({ length: n }, (_, i) => i);
  const out: (Float32Array | null)[] = new Array(model.k + 1).fill(null);
  for (const h of heads) out[h] = new Float32Array(n * c);
  for (let s = 0; s < n; s += 256) {
    const e = Math.min(n, s + 256);
    const logits = tidy(() => {
      const { xs } = batchTensors(ds, all, s, e);
      const l = model.forward(xs, { heads });
      return heads.map((h) => l[h]!);
    });
    try {
      const values = await readAll(logits);
      heads.forEach((h, i) => out[h]!.set(values[i] as Float32Array, s * c));
    } finally {
      for (const t of logits) t.dispose();
    }
  }
  return out;
}

export function metricsOf(logits: Float32Array, ds: Dataset): HeadMetrics {
  const c = ds.classes;
  if (ds.multiHot) {
    const m = multiLabelMetrics(logits, c, ds.multiHot);
    return { loss: m.loss, top1: m.top1, top5: NaN, mAP: m.mAP, mAUC: m.mAUC };
  }
  return { loss: crossEntropy(logits, c, ds.labels), top1: topK(logits, c, ds.labels, 1), top5: topK(logits, c, ds.labels, Math.min(5, c)) };
}

/** Loss and accuracy of each asked head on `ds` (null for heads not asked). */
export async function evaluate(model: BlendModel, ds: Dataset, heads: readonly number[]): Promise<(HeadMetrics | null)[]> {
  return (await predict(model, ds, heads)).map((l) => (l ? metricsOf(l, ds) : null));
}

export { softmaxRows };

/** O, G and OGR between two checkpoints N and N + n of one head (SPEC.md Part A). */
export function ogrBetween(before: { train: number; val: number }, after: { train: number; val: number }): { dO: number; dG: number; ogr: number | null } {
  const dO = (after.val - after.train) - (before.val - before.train);
  const dG = before.val - after.val;
  return { dO, dG, ogr: dG === 0 ? null : Math.abs(dO / dG) };
}

/**
 * w_i = G_i / O_i^2, normalised to sum 1, with the tsai convention for the cases the paper leaves
 * open: G = max(0, G), O^2 = max(1e-8, O^2), w = max(1e-8, G / O^2).
 */
export function blendWeights(dG: readonly number[], dO: readonly number[]): number[] {
  const w = dG.map((g, i) => Math.max(1e-8, Math.max(0, g) / Math.max(1e-8, dO[i]! ** 2)));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

/** Guards of the online estimator (see docs/gblend-method.md for what each one does and measures). */
export interface Guards {
  /** Every weight is raised to at least this, then the weights are renormalised (0: off). */
  floor: number;
  /** New weights = normalise(smoothing * previous + (1 - smoothing) * estimate) (0: off). */
  smoothing: number;
  /** Keep the previous weights when every head's training loss at the checkpoint is below this (0: off). */
  memorisedLoss: number;
  /**
   * Keep the previous weights when no head's validation loss improved over the estimation (every
   * dG <= 0): the clipping convention then returns equal weights, which carry no information.
   */
  keepWhenNoGain: boolean;
}

export const DEFAULT_GUARDS: Guards = { floor: 0.05, smoothing: 0.5, memorisedLoss: 0.01, keepWhenNoGain: true };
export const NO_GUARDS: Guards = { floor: 0, smoothing: 0, memorisedLoss: 0, keepWhenNoGain: false };

export function applyFloor(w: readonly number[], floor: number): number[] {
  if (floor <= 0) return [...w];
  if (floor * w.length >= 1) throw new Error(`weight floor ${floor} is too large for ${w.length} heads (needs floor * heads < 1)`);
  // Raise the small weights to the floor and scale the others so the sum stays 1 and none drops below it.
  let out = [...w];
  for (let it = 0; it < w.length; it++) {
    const low = out.map((v) => v <= floor);
    const fixed = low.filter(Boolean).length * floor;
    const rest = out.reduce((a, v, i) => a + (low[i] ? 0 : v), 0);
    out = out.map((v, i) => (low[i] ? floor : (v * (1 - fixed)) / rest));
    if (out.every((v) => v >= floor - 1e-12)) break;
  }
  return out;
}

export function smoothWeights(prev: readonly number[] | null, next: readonly number[], smoothing: number): number[] {
  if (!prev || smoothing <= 0) return [...next];
  const w = next.map((v, i) => smoothing * prev[i]! + (1 - smoothing) * v);
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

export function loadParams(model: BlendModel, snap: Map<string, Float32Array>): void {
  for (const [name, t] of model.params.byName) {
    const v = snap.get(name);
    if (v) getBackend().write(t.storage, v);
  }
}

/** One epoch of mini-batch training on the blended loss; returns the mean step loss. */
export async function trainEpoch(model: BlendModel, opt: Optimizer, ds: Dataset, weights: readonly number[], cfg: TrainConfig, epoch: number, salt: number, job: string, ctx: RunContext): Promise<number> {
  const rng = new Rng(derivedSeed(cfg.seed, salt, epoch));
  const n = ds.labels.length, order = rng.permutation(n);
  const heads = activeHeads(weights);
  // Every parameter is stepped (unused ones get zero gradients) so the optimizer's state lines up with
  // the parameter list, which is what checkpoints restore against.
  const params = model.params.list();
  const steps = Math.ceil(n / cfg.batchSize);
  let total = 0;
  // Step losses are read back 8 at a time: one round trip to the device per 8 steps, not per step.
  let pending: Tensor[] = [];
  const drain = async (last: number) => {
    const vals = pending;
    pending = [];
    let read: (Float32Array | Int32Array)[];
    try { read = await readAll(vals); } finally { for (const t of vals) t.dispose(); }
    for (const [i, r] of read.entries()) {
      const step = last - vals.length + i + 1, v = r[0]!;
      // wasm raises this inside the loss op; asynchronous backends (webgpu) can only check it here.
      if (!Number.isFinite(v)) throw new NonFiniteError(`${job}: the blended loss is ${v} at epoch ${epoch + 1}, step ${step}`);
      total += v;
      ctx.onProgress?.({ type: 'step', job, epoch, step, steps, loss: v });
    }
  };
  try {
    for (let s = 0; s < steps; s++) {
      throwIfAborted(ctx.signal);
      const start = s * cfg.batchSize, end = Math.min(n, start + cfg.batchSize);
      const { value, grads } = valueAndGrads(() => {
        const { xs, y, targets } = batchTensors(ds, order, start, end);
        const logits = model.forward(xs, { heads, rng });
        let loss: Tensor | null = null;
        for (const h of heads) {
          const l = mulScalar(headLoss(logits[h]!, y, targets), weights[h]!);
          loss = loss ? add(loss, l) : l;
        }
        return loss!;
      }, params);
      opt.step(params, grads);
      for (const g of grads) g.dispose();
      pending.push(value);
      if (s % 8 === 7 || s === steps - 1) {
        await drain(s + 1);
        await yieldToEvents();
      }
    }
  } finally {
    for (const t of pending) t.dispose();
  }
  return total / steps;
}

export interface HeadEstimate { head: number; dO: number; dG: number; before: { train: number; val: number }; after: { train: number; val: number } }

/**
 * One head of GB_Estimate: from the checkpoint `snap`, train head `head` alone (its encoder and
 * classifier; the fused head trains every encoder) for `epochs` epochs on T, and measure its O and G
 * on T' and V by `metric` (loss, or error rate = 1 - accuracy).
 */
export async function estimateHead(modelCfg: ModelConfig, snap: Map<string, Float32Array>, head: number, splits: Splits, cfg: TrainConfig, epochs: number, metric: 'loss' | 'accuracy', salt: number, job: string, ctx: RunContext): Promise<HeadEstimate> {
  const model = new BlendModel(modelCfg, new Rng(cfg.seed));
  loadParams(model, snap);
  const opt = makeOptimizer(cfg);
  const weights = Array.from({ length: model.k + 1 }, (_, i) => (i === head ? 1 : 0));
  const measure = async () => {
    const t = (await evaluate(model, splits.trainEval, [head]))[head]!, v = (await evaluate(model, splits.val, [head]))[head]!;
    return metric === 'loss' ? { train: t.loss, val: v.loss } : { train: 1 - t.top1, val: 1 - v.top1 };
  };
  try {
    const before = await measure();
    for (let e = 0; e < epochs; e++) {
      ctx.onProgress?.({ type: 'estimate-head', job, head, epoch: e, epochs });
      await trainEpoch(model, opt, splits.train, weights, cfg, e, salt * 131 + head, job, { signal: ctx.signal });
    }
    const after = await measure();
    const { dO, dG } = ogrBetween(before, after);
    return { head, dO, dG, before, after };
  } finally {
    opt.dispose(); model.dispose();
  }
}

/** Everything one GB_Estimate needs, so its heads can run in other threads (plain data only). */
export interface HeadJob { modelCfg: ModelConfig; snap: Map<string, Float32Array>; splits: Splits; cfg: TrainConfig; epochs: number; metric: 'loss' | 'accuracy'; salt: number }

/** Runs the k + 1 head estimations of one GB_Estimate; the default runs them one after another here. */
export type HeadRunner = (job: HeadJob, heads: number[], jobName: string, ctx: RunContext) => Promise<HeadEstimate[]>;
export const sequentialHeads: HeadRunner = async (job, heads, jobName, ctx) => {
  const out: HeadEstimate[] = [];
  for (const h of heads) out.push(await estimateHead(job.modelCfg, job.snap, h, job.splits, job.cfg, job.epochs, job.metric, job.salt, jobName, ctx));
  return out;
};

export interface EstimateOptions {
  epochs: number;
  metric?: 'loss' | 'accuracy';
}

/** GB_Estimate (Algorithm 1): weights of the k + 1 heads from their O and G over `epochs` epochs. */
export async function gbEstimate(modelCfg: ModelConfig, snap: Map<string, Float32Array>, splits: Splits, cfg: TrainConfig, opts: EstimateOptions, salt: number, job: string, ctx: RunContext, runner: HeadRunner = sequentialHeads): Promise<{ weights: number[]; heads: HeadEstimate[] }> {
  const k = modelCfg.modalities.length;
  const heads = await runner({ modelCfg, snap, splits, cfg, epochs: opts.epochs, metric: opts.metric ?? 'loss', salt }, Array.from({ length: k + 1 }, (_, i) => i), job, ctx);
  heads.sort((a, b) => a.head - b.head);
  return { weights: blendWeights(heads.map((h) => h.dG), heads.map((h) => h.dO)), heads };
}

/**
 * The direct estimator of Proposition 1: for head i, with v = grad L^T_i on a training batch and
 * g = grad L^V_i on a held-out batch (over the head's parameters), G_i = mean <g, v> and
 * O_i^2 = mean <v - g, v>^2 over `batches` pairs; w_i = G_i / O_i^2 with the same clipping as
 * Algorithm 1. These are the first-order dG and dO of one step along v (the step size cancels).
 */
export async function gradientEstimate(model: BlendModel, splits: Splits, cfg: TrainConfig, batches: number, epoch: number): Promise<{ weights: number[]; dG: number[]; dO: number[] }> {
  const rng = new Rng(derivedSeed(cfg.seed, 977, epoch));
  const nT = splits.train.labels.length, nV = splits.val.labels.length;
  const bs = Math.min(cfg.batchSize * 4, nT), bv = Math.min(cfg.batchSize * 4, nV);
  const dG: number[] = [], dO: number[] = [];
  for (let h = 0; h <= model.k; h++) {
    const params = model.paramsOfHead(h);
    let g = 0, o2 = 0, o = 0;
    for (let b = 0; b < batches; b++) {
      const it = rng.permutation(nT), iv = rng.permutation(nV);
      const gradOf = (ds: Dataset, idx: Int32Array, size: number) => valueAndGrads(() => {
        const { xs, y, targets } = batchTensors(ds, idx, 0, size);
        return headLoss(model.forward(xs, { heads: [h] })[h]!, y, targets);
      }, params);
      const t = gradOf(splits.train, it, bs), v = gradOf(splits.val, iv, bv);
      const gram = gradGram([t.grads, v.grads]);
      let tt: number, tv: number;
      try {
        [tt, tv] = (await gram.data()) as unknown as [number, number];
      } finally {
        for (const x of [gram, t.value, v.value, ...t.grads, ...v.grads]) x.dispose();
      }
      g += tv / batches; o2 += (tt - tv) ** 2 / batches; o += (tt - tv) / batches;
    }
    dG.push(g);
    // blendWeights squares dO: pass the root mean square so dO^2 is the mean of the squares.
    dO.push(Math.sign(o || 1) * Math.sqrt(o2));
  }
  return { weights: blendWeights(dG, dO), dG, dO };
}
