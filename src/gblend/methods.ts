// Every compared method as a resumable training job: unimodal, naive joint, dropout, pre-training,
// auxiliary loss, offline/online G-Blend, the direct gradient estimator, and the fusion variants.
// Jobs checkpoint after every epoch into a BlobStore (safetensors + JSON state), so a run that is
// interrupted resumes where it stopped, with the same numbers (every random draw is derived from
// (seed, job, epoch)).
import { MemoryStore, type BlobStore } from '../io/checkpoint-store.js';
import { encodeCheckpoint, restoreCheckpoint } from '../nn/checkpoint.js';
import { Rng } from '../ops/create.js';
import { checkClassesPresent, groupedSplit, rowSize, stratifiedSplit, subset, type Dataset } from './data.js';
import type { HeadMetrics } from './metrics.js';
import { softmaxRows } from './metrics.js';
import { BlendModel, type EncoderSpec, type Fusion, type ModelConfig } from './model.js';
import {
  applyFloor, DEFAULT_GUARDS, derivedSeed, evaluate, gbEstimate, gradientEstimate, makeOptimizer, metricsOf, NO_GUARDS, ogrBetween,
  predict, sequentialHeads, smoothWeights, trainEpoch, type EpochRecord, type Guards, type HeadRunner, type RunContext, type Splits,
  type TrainConfig, type WeightEstimate,
} from './train.js';

export const BASE_METHODS = ['naive', 'dropout', 'pretrain', 'aux', 'gblend-offline', 'gblend-online', 'gblend-grad'] as const;
export const FUSION_METHODS = ['early', 'late-mean', 'late-max', 'late-product', 'mid-concat', 'se-gate', 'lmf'] as const;
export const EXTRA_METHODS = ['gblend-online-raw'] as const;

/** Every method name for a dataset: uni:<modality> for each modality, then the rest. */
/** Whether `name` needs two or more modalities (everything but the uni-modal baselines). */
export function isMultiModal(name: string): boolean {
  return !name.startsWith('uni:');
}

/** Every method name that does not depend on the modality names (uni:<modality> aside). */
export const STATIC_METHODS: readonly string[] = [...BASE_METHODS, ...FUSION_METHODS, ...EXTRA_METHODS];

export function allMethods(modalities: string[]): string[] {
  return [...modalities.map((m) => `uni:${m}`), ...BASE_METHODS, ...FUSION_METHODS, ...EXTRA_METHODS];
}

export interface GBlendOptions {
  epochs: number;
  train: Omit<TrainConfig, 'seed'>;
  /** Encoder per modality name (default: an MLP with hidden [128, 64]). */
  encoders?: Record<string, EncoderSpec>;
  /** Dropout at the concatenation for every fused model. */
  fusedDropout?: number;
  /** Dropout at the concatenation for the `dropout` baseline. */
  dropoutRate?: number;
  /** V as a fraction of the training data. */
  valFraction?: number;
  /** Hold out whole groups for V (default: yes when the data has groups). */
  groupedVal?: boolean;
  metric?: 'loss' | 'accuracy';
  /** Epochs of GB_Estimate for offline G-Blend (default: epochs, as in Algorithm 2). */
  offlineEstimateEpochs?: number;
  /** Online G-Blend: warm-up super-epoch and super-epoch lengths (reference: 10 and 5). */
  warmup?: number;
  superEpoch?: number;
  guards?: Guards;
  /** Batch pairs per head for the gradient estimator. */
  gradBatches?: number;
  lmfRank?: number;
}

export interface MethodResult {
  name: string;
  seed: number;
  top1: number;
  top5: number;
  mAP?: number;
  mAUC?: number;
  /** Final loss weights per head (modality names and "fused"), null for methods without a blend. */
  weights: Record<string, number> | null;
  history: EpochRecord[];
  estimates: WeightEstimate[];
  /** Test metrics of every head of the final model (null for heads that do not exist). */
  testHeads?: Record<string, HeadMetrics>;
}

interface JobState {
  epoch: number;
  done: boolean;
  weights: number[] | null;
  history: EpochRecord[];
  estimates: WeightEstimate[];
}

type Schedule = (epoch: number, model: BlendModel, state: JobState) => Promise<WeightEstimate | null>;

export interface SeedContext extends RunContext {
  store?: BlobStore;
  /** Runs the k + 1 head estimations of GB_Estimate (parallel workers, when several exist). */
  headRunner?: HeadRunner;
}

/** Splits T into training data and a held-out V (whole groups when the data has groups). */
export function makeSplits(train: Dataset, opts: GBlendOptions, seed: number): Splits {
  const rng = new Rng(derivedSeed(seed, 11, 0));
  const u = () => rng.uniform();
  const frac = opts.valFraction ?? 0.1;
  const grouped = (opts.groupedVal ?? true) && !!train.groups && new Set(train.groups).size >= 2;
  const s = grouped ? groupedSplit(train.groups!, { fraction: frac }, u) : stratifiedSplit(train.labels, train.classes, frac, u);
  const T = subset(train, s.train), V = subset(train, s.heldOut);
  checkClassesPresent(T, 'training (T)');
  const cap = opts.train.trainEvalSize ?? 1000;
  const tPrime = T.labels.length > cap ? subset(T, stratifiedSplit(T.labels, T.classes, cap / T.labels.length, u).heldOut) : T;
  return { train: T, trainEval: tPrime, val: V };
}

/** The model a method trains on `ds` (encoders from the options, MLP [128, 64] by default). */
export function modelConfig(ds: Dataset, opts: GBlendOptions, fusion: Fusion = 'concat', dropoutRate?: number): ModelConfig {
  return {
    modalities: ds.modalities.map((m) => ({ name: m.name, shape: m.shape, encoder: opts.encoders?.[m.name] ?? { kind: 'mlp', hidden: [128, 64] } })),
    classes: ds.classes,
    fusion,
    fusedDropout: dropoutRate ?? opts.fusedDropout ?? 0.2,
    lmfRank: opts.lmfRank,
  };
}

const headNames = (cfg: ModelConfig): string[] => [...cfg.modalities.map((m) => m.name), 'fused'];
const named = (cfg: ModelConfig, w: readonly number[]): Record<string, number> => Object.fromEntries(headNames(cfg).map((n, i) => [n, w[i]!]));
const fileOf = (id: string): string => `${id.replace(/[^A-Za-z0-9_.-]+/g, '_')}.safetensors`;

/** Trains one model under a weight schedule, checkpointing every epoch; resumes from the store. */
async function trainJob(id: string, cfg: ModelConfig, splits: Splits, tc: TrainConfig, epochs: number, schedule: Schedule, store: BlobStore, ctx: RunContext, init?: Map<string, Float32Array>): Promise<{ model: BlendModel; state: JobState }> {
  const model = new BlendModel(cfg, new Rng(tc.seed));
  const opt = makeOptimizer(tc);
  let state: JobState = { epoch: 0, done: false, weights: null, history: [], estimates: [] };
  try {
    const saved = await store.load(fileOf(id));
    if (saved) {
      const meta = restoreCheckpoint(saved, model.params, opt, `checkpoint ${fileOf(id)}`);
      if (meta['gblend.model'] !== JSON.stringify(cfg)) throw new Error(`checkpoint ${fileOf(id)} was written for another model configuration; use another --out directory or delete it`);
      state = JSON.parse(meta['gblend.state']!) as JobState;
    } else if (init) {
      for (const [name, t] of model.params.byName) { const v = init.get(name); if (v) t.storage.backend.write(t.storage, v); }
    }
    const salt = [...id].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) | 0, 7) & 0xffff;
    while (!state.done && state.epoch < epochs) {
      const est = await schedule(state.epoch, model, state);
      if (est) { state.weights = est.weights; state.estimates.push(est); ctx.onProgress?.({ type: 'weights', job: id, estimate: est }); }
      const w = state.weights!;
      const stepLoss = await trainEpoch(model, opt, splits.train, w, tc, state.epoch, salt, id, ctx);
      const all = Array.from({ length: model.k + 1 }, (_, i) => i);
      const tr = (await evaluate(model, splits.trainEval, all)) as HeadMetrics[], va = (await evaluate(model, splits.val, all)) as HeadMetrics[];
      const prev = state.history[state.history.length - 1];
      const ogr = all.map((h) => (prev ? ogrBetween({ train: prev.train[h]!.loss, val: prev.val[h]!.loss }, { train: tr[h]!.loss, val: va[h]!.loss }).ogr : null));
      const record: EpochRecord = { epoch: state.epoch + 1, weights: [...w], stepLoss, train: tr, val: va, ogr };
      state.history.push(record);
      state.epoch++;
      state.done = state.epoch >= epochs;
      ctx.onProgress?.({ type: 'epoch', job: id, record });
      await store.save(fileOf(id), await encodeCheckpoint(model.params, opt, { 'gblend.state': JSON.stringify(state), 'gblend.model': JSON.stringify(cfg) }));
    }
    return { model, state };
  } catch (e) {
    model.dispose();
    throw e;
  } finally {
    opt.dispose();
  }
}

const fixed = (w: number[]): Schedule => async (epoch, _m, state) => (epoch === 0 || !state.weights ? { epoch, source: 'fixed', raw: w, weights: w, dO: [], dG: [] } : null);

function guarded(raw: number[], prev: number[] | null, guards: Guards): number[] {
  return applyFloor(smoothWeights(prev, raw, guards.smoothing), guards.floor);
}

/** Runs one method for one seed on (train, test). */
export async function runMethod(name: string, train: Dataset, test: Dataset, opts: GBlendOptions, seed: number, ctx: SeedContext = {}): Promise<MethodResult> {
  if (isMultiModal(name) && train.modalities.length < 2) {
    throw new Error(`${name}: needs two or more modalities, the data has one (${train.modalities.map((m) => m.name).join(', ')}); only uni:<modality> runs on it`);
  }
  const store = ctx.store ?? new MemoryStore();
  const splits = makeSplits(train, opts, seed);
  const tc: TrainConfig = { ...opts.train, seed };
  const E = opts.epochs;
  const k = train.modalities.length;
  const guards = opts.guards ?? DEFAULT_GUARDS;
  const finish = async (model: BlendModel, cfg: ModelConfig, state: JobState, head: number, weights: number[] | null, testData: Dataset = test): Promise<MethodResult> => {
    const all = Array.from({ length: model.k + 1 }, (_, i) => i);
    const heads = await evaluate(model, testData, all);
    const m = heads[head]!;
    return {
      name, seed, top1: m.top1, top5: m.top5, mAP: m.mAP, mAUC: m.mAUC,
      weights: weights ? named(cfg, weights) : null, history: state.history, estimates: state.estimates,
      testHeads: Object.fromEntries(headNames(cfg).map((n, i) => [n, heads[i]!])),
    };
  };
  const uniJob = async (mod: string) => {
    const mi = train.modalities.findIndex((m) => m.name === mod);
    if (mi < 0) throw new Error(`method uni:${mod}: no modality "${mod}" (modalities: ${train.modalities.map((m) => m.name).join(', ')})`);
    const sub = (d: Dataset): Dataset => ({ ...d, modalities: [d.modalities[mi]!] });
    const s1: Splits = { train: sub(splits.train), trainEval: sub(splits.trainEval), val: sub(splits.val) };
    const cfg = modelConfig(sub(train), opts);
    const job = await trainJob(`s${seed}/uni:${mod}`, cfg, s1, tc, E, fixed([1, 0]), store, ctx);
    return { ...job, cfg, sub };
  };

  if (name.startsWith('uni:')) {
    const { model, state, cfg, sub } = await uniJob(name.slice(4));
    try {
      return await finish(model, cfg, state, 0, null, sub(test));
    } finally { model.dispose(); }
  }

  if (name.startsWith('late-')) {
    const rule = name.slice(5);
    if (!['mean', 'max', 'product'].includes(rule)) throw new Error(`unknown method "${name}" (late fusion rules: late-mean, late-max, late-product)`);
    // Combine separately trained unimodal classifiers' test probabilities.
    const probs: Float32Array[] = [];
    for (const m of train.modalities) {
      const { model, sub } = await uniJob(m.name);
      try { probs.push(softmaxRows((await predict(model, sub(test), [0]))[0]!, test.classes)); } finally { model.dispose(); }
    }
    const c = test.classes, comb = new Float32Array(probs[0]!.length);
    for (let i = 0; i < comb.length; i++) {
      const vals = probs.map((p) => p[i]!);
      comb[i] = rule === 'mean' ? vals.reduce((a, b) => a + b, 0) / vals.length : rule === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + Math.log(b + 1e-12), 0);
    }
    // metricsOf expects logits: log-probabilities give the same ranking and a proper cross-entropy.
    const scores = rule === 'product' ? comb : comb.map((v) => Math.log(v + 1e-12));
    if (rule !== 'product') {
      for (let r = 0; r < comb.length / c; r++) { let s = 0; for (let j = 0; j < c; j++) s += comb[r * c + j]!; for (let j = 0; j < c; j++) scores[r * c + j] = Math.log(comb[r * c + j]! / s + 1e-12); }
    }
    const m = metricsOf(scores, test);
    return { name, seed, top1: m.top1, top5: m.top5, mAP: m.mAP, mAUC: m.mAUC, weights: null, history: [], estimates: [] };
  }

  if (name === 'early') {
    // Early fusion: one encoder on the concatenated (flattened) inputs.
    const early = (d: Dataset): Dataset => {
      const n = d.labels.length, sizes = d.modalities.map(rowSize), total = sizes.reduce((a, b) => a + b, 0);
      const data = new Float32Array(n * total);
      for (let r = 0; r < n; r++) { let o = 0; d.modalities.forEach((m, i) => { data.set(m.data.subarray(r * sizes[i]!, (r + 1) * sizes[i]!), r * total + o); o += sizes[i]!; }); }
      return { ...d, modalities: [{ name: 'early', shape: [total], data }] };
    };
    const s1: Splits = { train: early(splits.train), trainEval: early(splits.trainEval), val: early(splits.val) };
    const hidden = opts.encoders?.early ?? { kind: 'mlp' as const, hidden: [256, 128] };
    const cfg: ModelConfig = { modalities: [{ name: 'early', shape: s1.train.modalities[0]!.shape, encoder: hidden }], classes: train.classes };
    const { model, state } = await trainJob(`s${seed}/early`, cfg, s1, tc, E, fixed([1, 0]), store, ctx);
    try {
      const heads = await evaluate(model, early(test), [0]);
      const m = heads[0]!;
      return { name, seed, top1: m.top1, top5: m.top5, mAP: m.mAP, mAUC: m.mAUC, weights: null, history: state.history, estimates: [] };
    } finally { model.dispose(); }
  }

  const onlyFused = Array.from({ length: k + 1 }, (_, i) => (i === k ? 1 : 0));
  const equal = Array.from({ length: k + 1 }, () => 1 / (k + 1));
  let fusion: Fusion = 'concat', dropoutRate: number | undefined, schedule: Schedule, init: Map<string, Float32Array> | undefined;
  let reportWeights = true;
  switch (name) {
    case 'naive': schedule = fixed(onlyFused); reportWeights = false; break;
    case 'dropout': schedule = fixed(onlyFused); dropoutRate = opts.dropoutRate ?? 0.5; reportWeights = false; break;
    case 'mid-concat': case 'se-gate': case 'lmf': fusion = name; schedule = fixed(onlyFused); reportWeights = false; break;
    case 'aux': schedule = fixed(equal); break;
    case 'pretrain': {
      init = new Map();
      for (const m of train.modalities) {
        const { model } = await uniJob(m.name);
        try { for (const [p, v] of await model.snapshot()) if (p.startsWith('enc.')) init.set(p, v); } finally { model.dispose(); }
      }
      schedule = fixed(onlyFused); reportWeights = false;
      break;
    }
    case 'gblend-offline': {
      const estEpochs = opts.offlineEstimateEpochs ?? E;
      schedule = async (epoch, model, state) => {
        if (epoch !== 0 && state.weights) return null;
        const direct = await gradientEstimate(model, splits, tc, opts.gradBatches ?? 4, epoch);
        const { weights: raw, heads } = await gbEstimate(model.config, await model.snapshot(), splits, tc, { epochs: estEpochs, metric: opts.metric }, 1, `s${seed}/${name}`, ctx, ctx.headRunner ?? sequentialHeads);
        return { epoch, source: 'gb-estimate', raw, weights: applyFloor(raw, guards.floor), dO: heads.map((h) => h.dO), dG: heads.map((h) => h.dG), direct };
      };
      break;
    }
    case 'gblend-online': case 'gblend-online-raw': {
      const g = name === 'gblend-online' ? guards : NO_GUARDS;
      const warm = Math.min(opts.warmup ?? 10, E), sup = opts.superEpoch ?? 5;
      schedule = async (epoch, model, state) => {
        const due = epoch === 0 || (epoch >= warm && (epoch - warm) % sup === 0);
        if (!due && state.weights) return null;
        const n = epoch === 0 ? warm : sup;
        const last = state.history[state.history.length - 1];
        if (state.weights && g.memorisedLoss > 0 && last && last.train.every((m) => m.loss < g.memorisedLoss)) {
          return { epoch, source: 'gb-estimate', raw: state.weights, weights: state.weights, dO: [], dG: [], note: `kept: every head's training loss < ${g.memorisedLoss}` };
        }
        // Proposition 1's estimate at the same checkpoint, recorded for comparison only.
        const direct = await gradientEstimate(model, splits, tc, opts.gradBatches ?? 4, epoch);
        const { weights: raw, heads } = await gbEstimate(model.config, await model.snapshot(), splits, tc, { epochs: n, metric: opts.metric }, 2 + epoch, `s${seed}/${name}`, ctx, ctx.headRunner ?? sequentialHeads);
        const dO = heads.map((h) => h.dO), dG = heads.map((h) => h.dG);
        if (state.weights && g.keepWhenNoGain && dG.every((v) => v <= 0)) return { epoch, source: 'gb-estimate', raw, weights: state.weights, dO, dG, direct, note: 'kept: no head improved on V (every dG <= 0)' };
        return { epoch, source: 'gb-estimate', raw, weights: guarded(raw, state.weights, g), dO, dG, direct };
      };
      break;
    }
    case 'gblend-grad': {
      schedule = async (epoch, model, state) => {
        const { weights: raw, dO, dG } = await gradientEstimate(model, splits, tc, opts.gradBatches ?? 4, epoch);
        if (state.weights && guards.keepWhenNoGain && dG.every((v) => v <= 0)) return { epoch, source: 'gradient', raw, weights: state.weights, dO, dG, note: 'kept: no head improved on V (every dG <= 0)' };
        return { epoch, source: 'gradient', raw, weights: guarded(raw, state.weights, guards), dO, dG };
      };
      break;
    }
    default:
      throw new Error(`unknown method "${name}" (expected one of: ${allMethods(train.modalities.map((m) => m.name)).join(', ')})`);
  }
  const cfg = modelConfig(train, opts, fusion, dropoutRate);
  const { model, state } = await trainJob(`s${seed}/${name}`, cfg, splits, tc, E, schedule, store, ctx, init);
  try {
    return await finish(model, cfg, state, k, reportWeights ? state.weights : null);
  } finally { model.dispose(); }
}

export interface Aggregate { name: string; top1: number; top1_std: number; top5: number; top5_std: number; mAP?: number; mAUC?: number; weights: Record<string, number> | null; seeds: number }

const meanStd = (v: number[]): [number, number] => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return [m, v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0];
};

/** Mean and sample standard deviation over seeds; weights averaged over seeds. */
export function aggregate(results: MethodResult[]): Aggregate[] {
  const names = [...new Set(results.map((r) => r.name))];
  return names.map((name) => {
    const rs = results.filter((r) => r.name === name);
    const [top1, top1_std] = meanStd(rs.map((r) => r.top1)), [top5, top5_std] = meanStd(rs.map((r) => r.top5));
    const withW = rs.filter((r) => r.weights);
    const weights = withW.length ? Object.fromEntries(Object.keys(withW[0]!.weights!).map((h) => [h, meanStd(withW.map((r) => r.weights![h]!))[0]])) : null;
    const out: Aggregate = { name, top1, top1_std, top5, top5_std, weights, seeds: rs.length };
    if (rs[0]!.mAP !== undefined) { out.mAP = meanStd(rs.map((r) => r.mAP!))[0]; out.mAUC = meanStd(rs.map((r) => r.mAUC!))[0]; }
    return out;
  });
}
