// Node client of the G-Blend worker service: starts worker threads and, with several, runs the k + 1
// GB_Estimate head estimations in parallel (a HeadRunner for runMethod).
import { startServiceWorker, type ServiceWorker } from './service-worker-node.js';
import type { GBlendService } from './gblend-service.js';
import type { HeadEstimate, HeadRunner, Splits } from '../gblend/train.js';

export type GBlendWorker = ServiceWorker<GBlendService>;

/** Starts one worker (the built gblend-node-worker.js next to this file, or `entry`). */
export function startGBlendWorker(entry: URL = new URL('./gblend-node-worker.js', import.meta.url)): GBlendWorker {
  return startServiceWorker<GBlendService>(entry);
}

const splitKeys = new WeakMap<Splits, string>();
let keyCount = 0;

/**
 * A HeadRunner that spreads GB_Estimate's k + 1 independent head runs over the workers, at most one
 * per worker at a time. Each worker receives a split set once (keyed by identity).
 */
export function workerHeadRunner(workers: GBlendWorker[]): HeadRunner {
  const sent = new Map<GBlendWorker, Set<string>>();
  return async (job, heads) => {
    let key = splitKeys.get(job.splits);
    if (!key) { key = `splits-${keyCount++}`; splitKeys.set(job.splits, key); }
    const out: HeadEstimate[] = [];
    let next = 0;
    await Promise.all(workers.map(async (w) => {
      while (next < heads.length) {
        const h = heads[next++]!;
        const seen = sent.get(w) ?? new Set<string>();
        if (!seen.has(key)) { await Promise.race([w.service.putSplits(key, job.splits), w.crashed]); seen.add(key); sent.set(w, seen); }
        out.push(await Promise.race([w.service.estimateHead({ modelConfig: job.modelCfg, snapshot: job.snap, head: h, splitsKey: key, train: job.cfg, epochs: job.epochs, metric: job.metric, salt: job.salt }), w.crashed]));
      }
    }));
    return out.sort((a, b) => a.head - b.head);
  };
}
