// The shape of `blendwarp gblend`'s results.json, one source for the file and its TypeScript type:
// the command line builds the file as a GBlendResultsJson. The documented contract (README):
// {"methods": [{"name", "top1", "top1_std", "top5", "weights"}], ...}.
import type { Aggregate, MethodResult } from './methods.js';
import type { Comparison, COMPARISON_METHOD } from '../stats/paired.js';

export interface GBlendResultsJson {
  /** Per method, mean and std over seeds (fractions in [0, 1]); `weights` per head name, or null. */
  methods: Aggregate[];
  data: { kind: string; notes: string[]; modalities: { name: string; shape: readonly number[] }[]; train: number; test: number };
  /** Every method against naive, aux, the best single modality and late-product, paired over seeds (with --folds: over (seed, fold) units). */
  comparisons: Comparison[];
  comparison_method: typeof COMPARISON_METHOD & { pairing: string };
  /** Whether naive fell below the best single modality (the regime the paper is about), or null. */
  regime: string | null;
  /**
   * With --folds K: how the pooled data was cut (over groups, or stratified by class without groups),
   * the fixed seed of that cut, and per fold its held-out test groups and sizes; `regime` says per fold
   * whether naive (mean over seeds) fell below the best single modality. null without --folds.
   */
  folds: {
    k: number; by: 'groups' | 'stratified'; seed: number;
    folds: { fold: number; test_groups?: string[]; train: number; test: number }[];
    regime: { fold: number; naive: number; best_single: number; naive_below: boolean }[];
  } | null;
  /** With --folds: each method's top-1 per fold (mean and std over seeds); null without. */
  per_fold: { name: string; fold: number; top1: number; top1_std: number; seeds: number }[] | null;
  /** Per seed (with --folds per "f<fold>/s<seed>"): the held-out V (groups drawn by sorted name). */
  validation: Record<string, MethodResult['validation'] | null>;
  config: Record<string, unknown>;
  /** Every (method, seed) run with its history and weight estimates. */
  runs: Pick<MethodResult, 'name' | 'seed' | 'fold' | 'top1' | 'top5' | 'weights' | 'validation' | 'testHeads' | 'estimates' | 'history'>[];
  command: string;
}
