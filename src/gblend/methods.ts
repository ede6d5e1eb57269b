// Every compared method as a resumable training job: unimodal, naive joint, dropout, pre-training,
// auxiliary loss, offline/online G-Blend, the direct gradient estimator, and the fusion variants.
// Jobs checkpoint after every epoch into a BlobStore (safetensors + JSON state), so a run that is
// interrupted resumes where it stopped, with the same numbers (every random draw is derived from
// (seed, job, epoch)).
import { DeviceLostError } from '../backend/backend.js';
import { MemoryStore, type BlobStore } from '../io/checkpoint-store.js';
import { encodeCheckpoint, restoreCheckpoint } from '../nn/checkpoint.js';
import { decodeSafetensors } from '../io/safetensors.js';
import { Rng } from '../ops/create.js';
import { getBackend } from '../tensor/engine.js';
import { checkClassesPresent, groupedSplit, rowSize, stratifiedSplit, subset, type Dataset } from './data.js';
import type { HeadMetrics } from './metrics.js';
import { softmaxRows } from './metrics.js';
import { BlendModel, type EncoderSpec, type Fusion, type ModelConfig } from './model.js';
import {
  applyFloor, DEFAULT_GUARDS, derivedSeed, evaluate, gbEstimate, gradientEstimate, makeOptimizer, metricsOf, NO_GUARDS, ogrBetween, prop1Estimate,
  predict, sequentialHeads, smoothWeights, trainEpoch, type EpochRecord, type Guards, type HeadRunner, type RunContext, type Splits,
  type TrainConfig, type WeightEstimate,
} from './train.js';

export const BASE_METHODS = ['naive', 'dropout', 'pretrain', 'aux', 'gblend-offline', 'gblend-online', 'gblend-prop1', 'gblend-grad-perhead'] as const;
export const FUSION_METHODS = ['early', 'late-mean', 'late-max', 'late-product', 'mid-concat', 'se-gate', 'lmf'] as const;
/**
 * Beyond the paper: gblend-online-raw (no guards); gblend-online+heads / gblend-offline+heads (the
 * same trained model, predicting with the product of the fused and every unimodal head's
 * probabilities); late-product-gblend (late-product with each unimodal classifier's probabilities
 * raised to the power of its offline G-Blend weight, renormalised over the unimodal heads).
 */
export const EXTRA_METHODS = ['gblend-online-raw', 'gblend-online+heads', 'gblend-offline+heads', 'late-product-gblend'] as const;
/** Old names still accepted: name -> current name. */
export const METHOD_ALIASES: Record<string, string> = { 'gblend-grad': 'gblend-grad-perhead' };

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
  /** Floor applied to offline G-Blend's weights (Algorithm 2 has none: 0 = off; default 0.05, as before). */
  offlineFloor?: number;
  /** Batch pairs per head for the gradient estimators. */
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
  /** The held-out V of this seed: group names (grouped V) or the number of examples. */
  validation?: { groups?: string[]; examples: number };
  /** With --folds: the fold (1-based) whose test set this result is measured on. */
  fold?: number;
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
  // V must not depend on the order groups appear in the input: rank groups by name (by id when
  // unnamed) before the seeded draw.
  const s = grouped ? groupedSplit(groupRanks(train), { fraction: frac }, u) : stratifiedSplit(train.labels, train.classes, frac, u);
  const T = subset(train, s.train), V = subset(train, s.heldOut);
  checkClassesPresent(T, 'training (T)');
  const cap = opts.train.trainEvalSize ?? 1000;
  const tPrime = T.labels.length > cap ? subset(T, stratifiedSplit(T.labels, T.classes, cap / T.labels.length, u).heldOut) : T;
  return { train: T, trainEval: tPrime, val: V };
}

/** Group ids replaced by the rank of the group's name (or id) among the sorted names. */
function groupRanks(ds: Dataset): Int32Array {
  const ids = [...new Set(ds.groups!)];
  const key = (g: number) => ds.groupNames?.[g] ?? String(g).padStart(12, '0');
  ids.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const rank = new Map(ids.map((g, i) => [g, i]));
  return ds.groups!.map((g) => rank.get(g)!);
}

/** V of a split as recorded in results.json. */
export function validationOf(splits: Splits): { groups?: string[]; examples: number } {
  const v = splits.val;
  if (!v.groups) return { examples: v.labels.length };
  const gs = [...new Set(v.groups)].map((g) => v.groupNames?.[g] ?? String(g)).sort();
  return { groups: gs, examples: v.labels.length };
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
  // For a lost device: the epoch being trained and the epoch of the last checkpoint in the store.
  let running = 0, savedAt: number | null = null;
  try {
    const saved = await store.load(fileOf(id));
    if (saved) {
      const meta = restoreCheckpoint(saved, model.params, opt, `checkpoint ${fileOf(id)}`);
      if (meta['gblend.model'] !== JSON.stringify(cfg)) throw new Error(`checkpoint ${fileOf(id)} was written for another model configuration; use another --out directory or delete it`);
      state = JSON.parse(meta['gblend.state']!) as JobState;
      savedAt = state.epoch;
    } else if (init) {
      for (const [name, t] of model.params.byName) { const v = init.get(name); if (v) t.storage.backend.write(t.storage, v); }
    }
    const salt = [...id].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) | 0, 7) & 0xffff;
    while (!state.done && state.epoch < epochs) {
      running = state.epoch + 1;
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
      savedAt = state.epoch;
    }
    return { model, state };
  } catch (e) {
    model.dispose();
    if (e instanceof DeviceLostError && !e.message.startsWith('job ')) {
      // The parameters went with the device: what survives is the last checkpoint in the store.
      const kept = savedAt === null ? 'no checkpoint of it was written yet' : `its checkpoint ${fileOf(id)} of epoch ${savedAt} is kept: run again (on any backend; the CLI: the same --out) to resume from it`;
      throw new DeviceLostError(`job ${id}: the ${getBackend().name} device was lost during epoch ${running} of ${epochs} (${e.reason}); ${kept}`, e.reason);
    }
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
  let r: MethodResult;
  try {
    r = await runMethodInner(METHOD_ALIASES[name] ?? name, train, test, opts, seed, ctx);
  } catch (e) {
    if (e instanceof DeviceLostError) {
      // Name the method and seed; a loss outside a training job (evaluation of the trained model) keeps every checkpoint.
      const what = e.message.startsWith('job ') ? e.message : `the ${getBackend().name} device was lost after training, while evaluating (${e.reason}); every finished epoch is in its checkpoint: run again to resume`;
      throw new DeviceLostError(`${name} (seed ${seed}): ${what}`, e.reason);
    }
    throw e;
  }
  return { ...r, name, validation: validationOf(makeSplits(train, opts, seed)) };
}

/** Product of softmax probabilities of several heads' logits, as log-probabilities (scores). */
function productScores(logits: Float32Array[], c: number, powers?: number[]): Float32Array {
  const probs = logits.map((l) => softmaxRows(l, c));
  const out = new Float32Array(probs[0]!.length);
  for (let i = 0; i < out.length; i++) out[i] = probs.reduce((a, p, h) => a + (powers ? powers[h]! : 1) * Math.log(p[i]! + 1e-12), 0);
  // Renormalise per row so the scores are log-probabilities (metricsOf's cross-entropy).
  for (let r = 0; r < out.length / c; r++) {
    let m = -Infinity; for (let j = 0; j < c; j++) m = Math.max(m, out[r * c + j]!);
    let z = 0; for (let j = 0; j < c; j++) z += Math.exp(out[r * c + j]! - m);
    const lz = m + Math.log(z);
    for (let j = 0; j < c; j++) out[r * c + j]! -= lz;
  }
  return out;
}

async function runMethodInner(name: string, train: Dataset, test: Dataset, opts: GBlendOptions, seed: number, ctx: SeedContext = {}): Promise<MethodResult> {
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

  if (name === 'late-product-gblend') {
    // Offline G-Blend's weights at phi^0 (the same estimate gblend-offline trains with), then the
    // separately trained unimodal classifiers combined by a product weighted by those weights.
    // gblend-offline of the same seed and configuration already made this estimate: reuse it from
    // its checkpoint when it is in the store (same model configuration), else estimate here.
    const cfg0 = modelConfig(train, opts);
    let raw: number[] | null = null;
    const offline = await store.load(fileOf(`s${seed}/gblend-offline`));
    if (offline) {
      const meta = decodeSafetensors(offline, fileOf(`s${seed}/gblend-offline`)).metadata;
      if (meta['gblend.model'] === JSON.stringify(cfg0)) raw = (JSON.parse(meta['gblend.state']!) as JobState).estimates[0]?.raw ?? null;
    }
    if (!raw) {
      const m0 = new BlendModel(cfg0, new Rng(tc.seed));
      try {
        ({ weights: raw } = await gbEstimate(cfg0, await m0.snapshot(), splits, tc, { epochs: opts.offlineEstimateEpochs ?? E, metric: opts.metric }, 1, `s${seed}/gblend-offline`, ctx, ctx.headRunner ?? sequentialHeads));
      } finally { m0.dispose(); }
    }
    const uniW = raw.slice(0, k), sw = uniW.reduce((a, b) => a + b, 0);
    const powers = uniW.map((v) => (k * v) / sw);
    const logits: Float32Array[] = [];
    for (const m of train.modalities) {
      const { model, sub } = await uniJob(m.name);
      try { logits.push((await predict(model, sub(test), [0]))[0]!); } finally { model.dispose(); }
    }
    const mm = metricsOf(productScores(logits, test.classes, powers), test);
    return { name, seed, top1: mm.top1, top5: mm.top5, mAP: mm.mAP, mAUC: mm.mAUC, weights: Object.fromEntries(train.modalities.map((m, i) => [m.name, powers[i]! / k])), history: [], estimates: [{ epoch: 0, source: 'gb-estimate', raw, weights: powers.map((p) => p / k), dO: [], dG: [] }] };
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

  if (name === 'gblend-online+heads' || name === 'gblend-offline+heads') {
    // The same trained model as the base method (its checkpoint is shared), predicting with the
    // product of the fused and the unimodal heads' probabilities.
    const base = name.replace('+heads', '');
    const r = await runMethodInner(base, train, test, opts, seed, { ...ctx, store });
    const cfg = modelConfig(train, opts);
    const { model } = await trainJob(`s${seed}/${base}`, cfg, splits, tc, E, async () => { throw new Error(`${base}: checkpoint missing`); }, store, ctx);
    try {
      const all = Array.from({ length: k + 1 }, (_, i) => i);
      const logits = (await predict(model, test, all)) as Float32Array[];
      const mm = metricsOf(productScores(logits, test.classes), test);
      return { ...r, name, top1: mm.top1, top5: mm.top5, mAP: mm.mAP, mAUC: mm.mAUC };
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
        return { epoch, source: 'gb-estimate', raw, weights: applyFloor(raw, opts.offlineFloor ?? DEFAULT_GUARDS.floor), dO: heads.map((h) => h.dO), dG: heads.map((h) => h.dG), direct };
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
    case 'gblend-grad-perhead': case 'gblend-prop1': {
      const source = name === 'gblend-prop1' ? 'prop1' as const : 'gradient' as const;
      const estimator = name === 'gblend-prop1' ? prop1Estimate : gradientEstimate;
      schedule = async (epoch, model, state) => {
        const { weights: raw, dO, dG } = await estimator(model, splits, tc, opts.gradBatches ?? 4, epoch);
        if (state.weights && guards.keepWhenNoGain && dG.every((v) => v <= 0)) return { epoch, source, raw, weights: state.weights, dO, dG, note: 'kept: no head improved on V (every dG <= 0)' };
        return { epoch, source, raw, weights: guarded(raw, state.weights, guards), dO, dG };
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

/**
 * Mean and std of a method over its runs: over seeds, or with folds over (seed, fold) units; `seeds`
 * counts the distinct seeds and `folds` (with folds only) the distinct folds.
 */
export interface Aggregate { name: string; top1: number; top1_std: number; top5: number; top5_std: number; mAP?: number; mAUC?: number; weights: Record<string, number> | null; seeds: number; folds?: number }

const meanStd = (v: number[]): [number, number] => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return [m, v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0];
};

/** Mean and sample standard deviation over seeds (or (seed, fold) units); weights averaged likewise. */
export function aggregate(results: MethodResult[]): Aggregate[] {
  const names = [...new Set(results.map((r) => r.name))];
  return names.map((name) => {
    const rs = results.filter((r) => r.name === name);
    const [top1, top1_std] = meanStd(rs.map((r) => r.top1)), [top5, top5_std] = meanStd(rs.map((r) => r.top5));
    const withW = rs.filter((r) => r.weights);
    const weights = withW.length ? Object.fromEntries(Object.keys(withW[0]!.weights!).map((h) => [h, meanStd(withW.map((r) => r.weights![h]!))[0]])) : null;
    const folds = new Set(rs.flatMap((r) => (r.fold === undefined ? [] : [r.fold]))).size;
    const out: Aggregate = { name, top1, top1_std, top5, top5_std, weights, seeds: folds ? new Set(rs.map((r) => r.seed)).size : rs.length, ...(folds ? { folds } : {}) };
    if (rs[0]!.mAP !== undefined) { out.mAP = meanStd(rs.map((r) => r.mAP!))[0]; out.mAUC = meanStd(rs.map((r) => r.mAUC!))[0]; }
    return out;
  });
}
