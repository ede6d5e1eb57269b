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
}

export interface TrainResult {
  /** Step the run started from (> 0 when it resumed a checkpoint). */
  resumedAt: number;
  /** Loss of each step run now (not those before resuming). */
  losses: number[];
  /** Loss of every step 0..steps-1, those before a resume restored from the checkpoint. */
  history: number[];
  seconds: number;
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

export async function trainWithCheckpoints(o: TrainOptions): Promise<TrainResult> {
  const t0 = Date.now();
  const opt = new Adam({ lr: o.lr });
  const list = o.params.list();
  let start = 0;
  let history: number[] = [];
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
  }
  let savedAt: number | null = saved ? start : null;
  const save = async (step: number) => {
    savedAt = step;
    await o.store.save(o.checkpoint, await encodeCheckpoint(o.params, opt, { step: String(step), total: String(o.steps), stage: o.stage, losses: JSON.stringify(history) }));
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
      if ((step + 1) % every === 0 || step + 1 === o.steps) await save(step + 1);
      await tick();
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
  return { resumedAt: start, losses, history, seconds: (Date.now() - t0) / 1000 };
}
