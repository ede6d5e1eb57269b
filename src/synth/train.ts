// One training loop for every network of the pipeline: resumes from its checkpoint in the store,
// saves one every `every` steps and on cancellation, reports progress, and yields to the event loop
// each step so a worker can receive a cancel message.
import type { Tensor } from '../tensor/tensor.js';
import { valueAndGrads } from '../tensor/autograd.js';
import type { ParamStore } from '../nn/init.js';
import { Adam } from '../nn/optim.js';
import { encodeCheckpoint, restoreCheckpoint } from '../nn/checkpoint.js';
import type { BlobStore } from '../io/checkpoint-store.js';

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
  seconds: number;
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

export async function trainWithCheckpoints(o: TrainOptions): Promise<TrainResult> {
  const t0 = Date.now();
  const opt = new Adam({ lr: o.lr });
  const list = o.params.list();
  let start = 0;
  const saved = await o.store.load(o.checkpoint);
  if (saved) {
    const meta = restoreCheckpoint(saved, o.params, opt, o.checkpoint);
    start = Math.min(o.steps, Number(meta.step ?? 0));
  }
  const save = async (step: number) => {
    await o.store.save(o.checkpoint, await encodeCheckpoint(o.params, opt, { step: String(step), total: String(o.steps), stage: o.stage }));
  };
  const every = o.every ?? Math.max(10, Math.ceil(o.steps / 5));
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
      o.onProgress?.({ stage: o.stage, step: step + 1, total: o.steps, loss: v });
      if ((step + 1) % every === 0 || step + 1 === o.steps) await save(step + 1);
      await tick();
    }
  } finally {
    opt.dispose();
  }
  return { resumedAt: start, losses, seconds: (Date.now() - t0) / 1000 };
}
