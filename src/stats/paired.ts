// Paired comparisons for results.json (both pipelines): Wilcoxon signed-rank test (./wilcoxon.ts:
// exact null distribution when n <= 50 non-zero differences without ties, otherwise the normal
// approximation with the tie correction of the variance and a continuity correction; zero
// differences are dropped, Wilcoxon's convention) and a 95% bootstrap percentile interval of the mean
// difference (seeded with the project's host generator Rng, so a rerun prints the same interval).
// Pure numbers in, numbers out: no tensors, no I/O (used by src/synth and src/gblend alike).
import { Rng } from '../ops/create.js';
import { wilcoxonSignedRank } from './wilcoxon.js';

export { wilcoxonSignedRank, signedRankCounts, normalSf, type WilcoxonResult } from './wilcoxon.js';

/** One paired comparison, the results.json contract: a minus b over n pairs. */
export interface Comparison {
  a: string;
  b: string;
  /** Mean of a_i - b_i. */
  mean_diff: number;
  /** 95% bootstrap percentile interval of the mean difference. */
  ci95: [number, number];
  /** Two-sided Wilcoxon signed-rank p-value; null when it is undefined (n < 2 pairs). */
  p_value: number | null;
  n: number;
  /** 'exact', 'normal' (ties or zeros, or n > 50), 'all-zero' (every difference 0: p = 1). */
  test: 'exact' | 'normal' | 'all-zero' | 'none';
}

/** What every `comparisons` entry's numbers mean (written beside them in results.json). */
export const COMPARISON_METHOD = {
  test: 'two-sided Wilcoxon signed-rank on the paired differences a - b (src/stats/wilcoxon.ts, as scipy.stats.wilcoxon with zero_method=\'wilcox\', correction=True): exact null distribution when there are <= 50 non-zero differences and no ties; otherwise normal approximation with tie-corrected variance and continuity correction; zero differences dropped (Wilcoxon)',
  ci95: 'bootstrap percentile interval (2.5%, 97.5%) of the mean difference, 10000 resamples of the pairs, generator Rng(1) of src/ops/create.ts',
} as const;

/** 95% bootstrap percentile interval of the mean of d. */
export function bootstrapMeanCi(d: ArrayLike<number>, resamples = 10000, seed = 1): [number, number] {
  const n = d.length;
  if (n === 0) return [NaN, NaN];
  const rng = new Rng(seed), rand = () => rng.uniform();
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[Math.floor(rand() * n)]!;
    means[b] = s / n;
  }
  means.sort();
  const q = (p: number) => means[Math.min(resamples - 1, Math.max(0, Math.round(p * (resamples - 1))))]!;
  return [q(0.025), q(0.975)];
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** Paired comparison of a and b (same length, same pairing order). */
export function pairedComparison(aName: string, a: ArrayLike<number>, bName: string, b: ArrayLike<number>): Comparison {
  if (a.length !== b.length) throw new Error(`pairedComparison: ${aName} has ${a.length} values, ${bName} ${b.length}; they must be paired`);
  const d = Array.from(a, (v, i) => v - b[i]!);
  const n = d.length;
  const mean = n ? d.reduce((s, v) => s + v, 0) / n : NaN;
  const ci = bootstrapMeanCi(d);
  let p: number | null = null, test: Comparison['test'] = 'none';
  if (n >= 2) {
    const w = wilcoxonSignedRank(d);
    p = w.p;
    test = w.nNonZero === 0 ? 'all-zero' : w.exact ? 'exact' : 'normal';
  }
  return { a: aName, b: bName, mean_diff: r4(mean), ci95: [r4(ci[0]), r4(ci[1])], p_value: p === null ? null : Number(p.toPrecision(4)), n, test };
}

/** p-value as a table cell. */
export function formatP(p: number | null): string {
  if (p === null) return 'n/a';
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

/** Markdown table of comparisons. */
export function comparisonsTable(cs: Comparison[], unit = ''): string {
  const lines = [`| a | b | mean diff${unit} | 95% CI | p (Wilcoxon) | n |`, '|---|---|---|---|---|---|'];
  for (const c of cs) lines.push(`| ${c.a} | ${c.b} | ${c.mean_diff >= 0 ? '+' : ''}${c.mean_diff.toFixed(3)} | [${c.ci95[0].toFixed(3)}, ${c.ci95[1].toFixed(3)}] | ${formatP(c.p_value)}${c.test === 'exact' ? '' : c.test === 'normal' ? ' (normal)' : ''} | ${c.n} |`);
  return lines.join('\n') + '\n';
}
