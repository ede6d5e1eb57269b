// One training loop for every network of the pipeline: resumes from its checkpoint in the store,
// saves one every `every` steps and on cancellation, reports progress, and yields to the event loop
// each step so a worker can receive a cancel message.
import type { Tensor } from '../tensor/tensor.js';
import { valueAndGrads } from '../tensor/autograd.js';
import type { ParamStore } from '../nn/init.js';
import { Adam } from '../nn/optim.js';
import { encodeCheckpoint, restoreCheckpoint } from '../nn/checkpoint.js';
import type { BlobStore } from '../io/checkpoint-store.js';
import { DeviceLostError } from '../backend/backend.js';
import { getBackend } from '../tensor/engine.js';
import { decodeSafetensors, encodeSafetensors } from '../io/safetensors.js';

export interface StageProgress {
  stage: string;
  step: number;
  total: number;
  loss?: number;
  message?: string;
}
export type ProgressFn = (p: StageProgress) => void;

/** Thrown when a stage stops because its AbortSignal fired (after saving its checkpoint). */
export class CancelledError extends Error {
  constructor(stage: string) {
    super(`${stage}: cancelled (progress saved in its checkpoint)`);
    this.name = 'CancelledError';
  }
}

export interface TrainOptions {
  stage: string;
  params: ParamStore;
  lr: number;
  steps: number;
  store: BlobStore;
  checkpoint: string;
  /** The loss of training step `step` (called inside valueAndGrads). */
  loss: (step: number) => Tensor;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
  every?: number;
  /**
   * Model selection on held-out data: `validate()` (a score, higher is better, e.g. validation Dice)
   * runs every `validateEvery` steps and after the last; the parameters of the best score are kept
   * (checkpoint + "-best" beside the checkpoint while training) and put back at the end; training
   * stops early after `patience` validations without improvement. The finished checkpoint holds the
   * best parameters, the curve and the chosen step.
   */
  validate?: () => Promise<number>;
  validateEvery?: number;
  patience?: number;
}

export interface ValidationPoint { step: number; score: number }

export interface TrainResult {
  /** Step the run started from (> 0 when it resumed a checkpoint). */
  resumedAt: number;
  /** Loss of each step run now (not those before resuming). */
  losses: number[];
  /** Loss of every step 0..steps-1, those before a resume restored from the checkpoint. */
  history: number[];
  seconds: number;
  /** With validate: the curve (step = steps trained when scored), the step kept, and where training stopped. */
  validation?: { curve: ValidationPoint[]; bestStep: number; bestScore: number; stoppedAt: number };
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

export async function trainWithCheckpoints(o: TrainOptions): Promise<TrainResult> {
  const t0 = Date.now();
  const opt = new Adam({ lr: o.lr });
  const list = o.params.list();
  let start = 0;
  let history: number[] = [];
  let curve: ValidationPoint[] = [];
  let stoppedAt: number | null = null;
  // The best parameters so far (host copies): kept in the checkpoint as "best.<name>" tensors, so a
  // resumed run has the same best as an uninterrupted one.
  let best: { step: number; score: number; arrays: (Float32Array | Int32Array)[] } | null = null;
  const saved = await o.store.load(o.checkpoint);
  if (saved) {
    const meta = restoreCheckpoint(saved, o.params, opt, o.checkpoint);
    const step = Number(meta.step ?? 0);
    if (!Number.isSafeInteger(step) || step < 0) throw new Error(`${o.checkpoint}: metadata "step" is ${JSON.stringify(meta.step)}, expected a non-negative integer`);
    start = Math.min(o.steps, step);
    // The losses of the steps before the checkpoint (older checkpoints have none).
    if (meta.losses !== undefined) {
      let h: unknown;
      try { h = JSON.parse(meta.losses); } catch { h = null; }
      if (!Array.isArray(h) || !h.every((x) => typeof x === 'number')) throw new Error(`${o.checkpoint}: metadata "losses" is not a list of numbers`);
      history = (h as number[]).slice(0, start);
    }
    if (meta.val_curve !== undefined) {
      let v: unknown;
      try { v = JSON.parse(meta.val_curve); } catch { v = null; }
      if (!Array.isArray(v) || !v.every((x) => x && typeof x.step === 'number' && typeof x.score === 'number')) throw new Error(`${o.checkpoint}: metadata "val_curve" is not a list of {step, score}`);
      curve = (v as ValidationPoint[]).filter((x) => x.step <= start);
    }
    if (meta.stopped_at !== undefined) { stoppedAt = Number(meta.stopped_at); start = o.steps; }
    if (o.validate && meta.best_step !== undefined) {
      const { tensors } = decodeSafetensors(saved, o.checkpoint);
      const arrays = o.params.names().map((n) => {
        const t = tensors.get(`best.${n}`);
        if (!t) throw new Error(`${o.checkpoint}: tensor ${JSON.stringify(`best.${n}`)} is missing (metadata best_step is set)`);
        return t.data as Float32Array | Int32Array;
      });
      best = { step: Number(meta.best_step), score: Number(meta.best_score), arrays };
    }
  }
  let savedAt: number | null = saved ? start : null;
  const save = async (step: number) => {
    savedAt = step;
    await o.store.save(o.checkpoint, await encodeWithBest({ step: String(step), total: String(o.steps), stage: o.stage, losses: JSON.stringify(history) }));
  };
  const encodeWithBest = async (meta: Record<string, string>): Promise<Uint8Array> => {
    if (!o.validate) return encodeCheckpoint(o.params, opt, meta);
    const b = best as { step: number; score: number; arrays: (Float32Array | Int32Array)[] } | null;
    const bytes = await encodeCheckpoint(o.params, opt, { ...meta, val_curve: JSON.stringify(curve), ...(b ? { best_step: String(b.step), best_score: String(b.score) } : {}) });
    if (!b) return bytes;
    const { tensors, metadata } = decodeSafetensors(bytes, o.checkpoint);
    o.params.names().forEach((n, k) => tensors.set(`best.${n}`, { dtype: list[k]!.dtype === 'f32' ? 'F32' : 'I32', shape: [...list[k]!.shape], data: b.arrays[k]! }));
    return encodeSafetensors(tensors, metadata);
  };
  const validateEvery = o.validateEvery ?? Math.max(1, Math.ceil(o.steps / 20));
  const patience = o.patience ?? Infinity;
  /** Scores the current parameters; returns true when training should stop (patience exhausted). */
  const validate = async (step: number): Promise<boolean> => {
    const score = await o.validate!();
    if (!Number.isFinite(score)) throw new Error(`${o.stage}: the validation score is ${score} at step ${step}`);
    curve.push({ step, score });
    o.onProgress?.({ stage: o.stage, step, total: o.steps, message: `validation ${score.toFixed(4)}` });
    if (!best || score > best.score) best = { step, score, arrays: await Promise.all(list.map((t) => t.data())) };
    const sinceBest = curve.filter((p) => p.step > best!.step).length;
    return sinceBest >= patience;
  };
  // Five checkpoints per stage (at least one step apart): a resume loses at most a fifth of a stage.
  const every = o.every ?? Math.max(1, Math.ceil(o.steps / 5));
  const losses: number[] = [];
  o.onProgress?.({ stage: o.stage, step: start, total: o.steps, message: start > 0 ? `resumed at step ${start}` : undefined });
  try {
    for (let step = start; step < o.steps; step++) {
      if (o.signal?.aborted) {
        await save(step);
        throw new CancelledError(o.stage);
      }
      const { value, grads } = valueAndGrads(() => o.loss(step), list);
      opt.step(list, grads);
      for (const g of grads) g.dispose();
      const v = await value.item();
      value.dispose();
      if (!Number.isFinite(v)) throw new Error(`${o.stage}: the loss became ${v} at step ${step}`);
      losses.push(v);
      history.push(v);
      o.onProgress?.({ stage: o.stage, step: step + 1, total: o.steps, loss: v });
      // A validation step is also a checkpoint step (the curve and the best go with the parameters).
      const validated = !!o.validate && ((step + 1) % validateEvery === 0 || step + 1 === o.steps);
      if (validated && await validate(step + 1)) { stoppedAt = step + 1; break; }
      if (validated || (step + 1) % every === 0 || step + 1 === o.steps) await save(step + 1);
      await tick();
    }
    if (o.validate && start < o.steps) {
      // Finished (all steps or patience): the best parameters become the stage's result.
      if (!best) throw new Error(`${o.stage}: no validation score was recorded`);
      const b = best as { step: number; arrays: (Float32Array | Int32Array)[] };
      list.forEach((t, k) => getBackend().write(t.storage, b.arrays[k]!));
      stoppedAt ??= o.steps;
      savedAt = o.steps;
      await o.store.save(o.checkpoint, await encodeWithBest({
        step: String(o.steps), total: String(o.steps), stage: o.stage, losses: JSON.stringify(history), stopped_at: String(stoppedAt),
      }));
    }
  } catch (e) {
    if (e instanceof DeviceLostError) {
      // The parameters went with the device: what survives is the last checkpoint in the store.
      const kept = savedAt === null ? 'no checkpoint was written yet' : `the checkpoint ${o.checkpoint} of step ${savedAt} is kept: run again (on any backend) to resume from it`;
      throw new DeviceLostError(`${o.stage}: the ${getBackend().name} device was lost at step ${start + losses.length + 1} of ${o.steps} (${e.reason}); ${kept}`, e.reason);
    }
    throw e;
  } finally {
    opt.dispose();
  }
  let validation: TrainResult['validation'];
  if (o.validate) {
    const top = curve.reduce<ValidationPoint | null>((a, p) => (!a || p.score > a.score ? p : a), null);
    validation = { curve, bestStep: top?.step ?? 0, bestScore: top?.score ?? NaN, stoppedAt: stoppedAt ?? o.steps };
  }
  return { resumedAt: start, losses, history, seconds: (Date.now() - t0) / 1000, ...(validation ? { validation } : {}) };
}
