// The shape of `blendwarp gblend`'s results.json, one source for the file and its TypeScript type:
// the command line builds the file as a GBlendResultsJson. The documented contract (README):
// {"methods": [{"name", "top1", "top1_std", "top5", "weights"}], ...}.
import type { Aggregate, MethodResult } from './methods.js';
import { COMPARISON_METHOD, pairedComparison, type Comparison } from '../stats/paired.js';
import { FOLD_SEED, type FoldPlan } from './folds.js';

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
    regime: FoldRegime[];
  } | null;
  /** With --folds: each method's top-1 per fold (mean and std over seeds); null without. */
  per_fold: PerFold[] | null;
  /** Per seed (with --folds per "f<fold>/s<seed>"): the held-out V (groups drawn by sorted name). */
  validation: Record<string, MethodResult['validation'] | null>;
  config: Record<string, unknown>;
  /** Every (method, seed) run with its history and weight estimates. */
  runs: Pick<MethodResult, 'name' | 'seed' | 'fold' | 'top1' | 'top5' | 'weights' | 'validation' | 'testHeads' | 'estimates' | 'history'>[];
  command: string;
}

/** Per fold: naive's and the best single modality's top-1 (means over seeds). */
export type FoldRegime = { fold: number; naive: number; best_single: number; naive_below: boolean };
/** Per method and fold: top-1 mean and std over seeds. */
export type PerFold = { name: string; fold: number; top1: number; top1_std: number; seeds: number };

export interface GBlendStatistics {
  /** Seeds and folds (1-based; none without folds) present in the results. */
  seeds: number[];
  folds: number[];
  /** The uni-modal method with the highest mean top-1, or null. */
  bestSingle: string | null;
  comparisons: Comparison[];
  regime: string | null;
  foldRegime: FoldRegime[];
  perFold: PerFold[];
}

/**
 * The statistics of results.json (the command line's and the web lab's): every method against naive,
 * aux, the best single modality and late-product, paired over seeds, or over (seed, fold) units when
 * the runs carry folds (Wilcoxon signed-rank, bootstrap CI); whether naive fell below the best single
 * modality (overall and per fold); each method's top-1 per fold.
 */
export function gblendStatistics(results: readonly MethodResult[]): GBlendStatistics {
  const unitOf = (r: MethodResult) => `${r.fold ?? 0}/${r.seed}`;
  const seeds = [...new Set(results.map((r) => r.seed))].sort((a, b) => a - b);
  const folds = [...new Set(results.map((r) => r.fold ?? 0))].filter((f) => f > 0).sort((a, b) => a - b);
  const unitWord = folds.length ? '(seed, fold) units' : 'seeds';
  const top1Of = (name: string, fold?: number) => new Map(results.filter((r) => r.name === name && (fold === undefined || r.fold === fold)).map((r) => [unitOf(r), r.top1]));
  const names = [...new Set(results.map((r) => r.name))];
  const meanOf = (m: Map<string, number>) => { const v = [...m.values()]; return v.reduce((a, b) => a + b, 0) / v.length; };
  const meanTop1 = (name: string, fold?: number) => meanOf(top1Of(name, fold));
  const unis = names.filter((n) => n.startsWith('uni:'));
  const bestSingle = unis.length ? unis.reduce((a, b) => (meanTop1(b) > meanTop1(a) ? b : a)) : null;
  const comparisons: Comparison[] = [];
  const unitOrder = (x: string, y: string) => { const [fx, sx] = x.split('/').map(Number), [fy, sy] = y.split('/').map(Number); return fx! - fy! || sx! - sy!; };
  // late-product too: the strongest baseline measured so far (docs/gblend-results.md).
  for (const b of ['naive', 'aux', ...(bestSingle ? [bestSingle] : []), 'late-product']) {
    if (!names.includes(b)) continue;
    const tb = top1Of(b);
    for (const a of names) {
      if (a === b) continue;
      const ta = top1Of(a);
      const common = [...ta.keys()].filter((s) => tb.has(s)).sort(unitOrder);
      if (common.length) comparisons.push(pairedComparison(a, common.map((s) => ta.get(s)!), b, common.map((s) => tb.get(s)!)));
    }
  }
  let regime: string | null = null;
  const foldRegime: FoldRegime[] = [];
  if (bestSingle && names.includes('naive')) {
    const c = comparisons.find((x) => x.a === 'naive' && x.b === bestSingle);
    const below = meanTop1('naive') < meanTop1(bestSingle);
    for (const f of folds) {
      if (top1Of('naive', f).size && top1Of(bestSingle, f).size) {
        const nv = meanTop1('naive', f), bu = meanTop1(bestSingle, f);
        foldRegime.push({ fold: f, naive: nv, best_single: bu, naive_below: nv < bu });
      }
    }
    const nBelow = foldRegime.filter((x) => x.naive_below);
    regime = `naive joint training ${(100 * meanTop1('naive')).toFixed(1)}% is ${below ? 'BELOW' : 'not below'} the best single modality ${bestSingle} ${(100 * meanTop1(bestSingle)).toFixed(1)}%` +
      `${c ? ` (paired over ${c.n} ${unitWord}: ${(100 * c.mean_diff).toFixed(1)} points, p = ${c.p_value ?? 'n/a'})` : ''}: ${below ? 'the regime the paper is about' : 'the paper\'s problem does not arise here'}` +
      (foldRegime.length ? `; per fold, naive is below ${bestSingle} in ${nBelow.length} of ${foldRegime.length} (fold${nBelow.length === 1 ? '' : 's'} ${nBelow.map((x) => x.fold).join(', ') || 'none'})` : '');
  }
  const perFold: PerFold[] = [];
  for (const name of names) {
    for (const f of folds) {
      const v = [...top1Of(name, f).values()];
      if (!v.length) continue;
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      perFold.push({ name, fold: f, top1: m, top1_std: v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0, seeds: v.length });
    }
  }
  return { seeds, folds, bestSingle, comparisons, regime, foldRegime, perFold };
}

/**
 * The fields of results.json that come from the statistics and the folds (the same in the command
 * line's file and the web lab's): comparisons and how they were paired, the regime line, the folds
 * (with each fold's training/test sizes, as prepared), per-fold top-1 and the held-out V per unit.
 */
export function statisticsJson(
  results: readonly MethodResult[], stats: GBlendStatistics, plan: FoldPlan | null, foldSizes: ReadonlyMap<number, { train: number; test: number }> = new Map(),
): Pick<GBlendResultsJson, 'comparisons' | 'comparison_method' | 'regime' | 'folds' | 'per_fold' | 'validation'> {
  return {
    comparisons: stats.comparisons,
    comparison_method: {
      ...COMPARISON_METHOD,
      pairing: plan
        ? '(seed, fold) units: the same fold holds out the same test groups/examples, and the same seed draws the same V, initialisation and batch order within it; values are top-1 accuracies as fractions'
        : 'seeds (the same seed: the same split, V and initialisation); values are top-1 accuracies as fractions',
    },
    regime: stats.regime,
    folds: plan ? {
      k: plan.k, by: plan.by, seed: FOLD_SEED,
      folds: plan.folds.map((f) => ({ fold: f.fold, ...(f.testGroups ? { test_groups: f.testGroups } : {}), train: foldSizes.get(f.fold)?.train ?? f.train.length, test: f.test.length })),
      regime: stats.foldRegime,
    } : null,
    per_fold: plan ? stats.perFold : null,
    validation: Object.fromEntries(
      plan
        ? stats.folds.flatMap((f) => stats.seeds.map((sd) => [`f${f}/s${sd}`, results.find((r) => r.seed === sd && r.fold === f)?.validation ?? null]))
        : stats.seeds.map((sd) => [String(sd), results.find((r) => r.seed === sd)?.validation ?? null]),
    ),
  };
}
