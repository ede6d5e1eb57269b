// Paired statistics against textbook values: exact Wilcoxon signed-rank null distribution (counts of
// subsets of {1..n} with a given rank sum, the standard tables' critical values), the normal
// approximation with tie correction computed by hand, and the bootstrap interval's basic properties.
import { describe, expect, it } from 'vitest';
import { bootstrapMeanCi, normalSf, pairedComparison, signedRankCounts, wilcoxonSignedRank } from '../src/stats/paired.js';
import { gblendStatistics, statisticsJson } from '../src/gblend/results.js';
import type { MethodResult } from '../src/gblend/methods.js';

describe('Wilcoxon signed-rank', () => {
  it('exact: all five differences positive gives p = 2/32', () => {
    const r = wilcoxonSignedRank([1, 2, 3, 4, 5]);
    expect(r.exact).toBe(true);
    expect(r.statistic).toBe(15);
    expect(r.p).toBeCloseTo(2 / 32, 10);
  });
  it('exact: W- = 2 of n = 5 gives p = 2 * 3/32 (subsets {}, {1}, {2})', () => {
    expect(wilcoxonSignedRank([1, -2, 3, 4, 5]).p).toBeCloseTo(6 / 32, 10);
    expect(wilcoxonSignedRank([-1, 2, -3, -4, -5]).p).toBeCloseTo(6 / 32, 10);
  });
  it('exact: n = 10, the table critical value T = 8 at alpha 0.05 two-sided (25/1024 and 33/1024)', () => {
    // W- = 1 + 3 + 4 = 8: P(T <= 8) = 25/1024; W- = 9 (1 + 8): P(T <= 9) = 33/1024.
    const d8 = [-1, 2, -3, -4, 5, 6, 7, 8, 9, 10];
    const d9 = [-1, 2, 3, 4, 5, 6, 7, -8, 9, 10];
    expect(wilcoxonSignedRank(d8).p).toBeCloseTo(50 / 1024, 10);
    expect(wilcoxonSignedRank(d9).p).toBeCloseTo(66 / 1024, 10);
    expect(wilcoxonSignedRank(d8).p).toBeLessThan(0.05);
    expect(wilcoxonSignedRank(d9).p).toBeGreaterThan(0.05);
  });
  it('normal approximation with tie correction and continuity correction (hand-computed)', () => {
    // |d| ranks: 1.5 1.5 3 5 5 5 7 8; W+ = 33, n = 8, mean 18,
    // var = 8*9*17/24 - ((2^3-2) + (3^3-3))/48 = 51 - 0.625 = 50.375, z = (33 - 18 - 0.5)/sqrt(50.375).
    const r = wilcoxonSignedRank([1, 1, -2, 3, 3, 3, 4, 5]);
    expect(r.exact).toBe(false);
    const z = 14.5 / Math.sqrt(50.375);
    // 2 * (1 - Phi(2.04297)) = 0.04105 (Phi from a table: Phi(2.04) = 0.97932, Phi(2.05) = 0.97982).
    expect(z).toBeCloseTo(2.04297, 4);
    expect(r.p).toBeGreaterThan(2 * (1 - 0.97982));
    expect(r.p).toBeLessThan(2 * (1 - 0.97932));
  });
  it('zeros are dropped and force the normal approximation; all zeros gives p = 1', () => {
    expect(wilcoxonSignedRank([0, 0, 0]).p).toBe(1);
    const r = wilcoxonSignedRank([0, 1, 2, 3, 4, 5]);
    expect(r.exact).toBe(false);
    expect(r.nNonZero).toBe(5);
    // W+ = 15, n = 5, var = 5*6*11/24 = 13.75, z = (15 - 7.5 - 0.5)/sqrt(13.75) = 1.8878: p = 0.0591.
    expect(r.p).toBeGreaterThan(2 * (1 - 0.97062));
    expect(r.p).toBeLessThan(2 * (1 - 0.97030));
  });
});

// Values printed by scipy 1.17.1: scipy.stats.wilcoxon(d, method='exact' | 'approx', zero_method='wilcox',
// correction=True, alternative='two-sided').pvalue (the fixtures, not the script, are committed).
const SCIPY_EXACT: [number[], number][] = [
  [[1, 2, 3, 4, 5], 0.0625],
  [[1, -2, 3, 4, 5], 0.1875],
  [[-1, 2, -3, -4, 5, 6, 7, 8, 9, 10], 0.048828125],
  [[0.5, -1.2, 2.3, 3.1, -0.4, 0.9, 1.7, -2.8, 3.6, 4.4, -0.05, 1.1], 0.10986328125],
  [[0.013, -0.021, 0.034, 0.008, 0.027, -0.002, 0.019, 0.041, -0.015, 0.022, 0.006, 0.031, -0.009, 0.017, 0.025, 0.012, -0.004, 0.029, 0.036, 0.001], 0.00485992431640625],
];
const BIG = Array.from({ length: 60 }, (_, i) => ((i * 37) % 23) - 9.5 + 0.001 * i);
const SCIPY_APPROX: [number[], number][] = [
  [[1, 1, -2, 3, 3, 3, 4, 5], 0.04105611426242059],
  [[0, 1, 2, 3, 4, 5], 0.05905822909053671],
  [[0.02, 0.02, -0.01, 0.0, 0.03, 0.03, -0.02, 0.05, 0.01, 0.02, -0.03, 0.04], 0.09748350569862795],
  [BIG, 0.07913241787839559], // n = 60 > 50, no ties: the normal approximation
];

describe('Wilcoxon signed-rank against scipy', () => {
  it.each(SCIPY_EXACT)('exact %j', (d, p) => {
    const r = wilcoxonSignedRank(d);
    expect(r.exact).toBe(true);
    expect(r.p).toBeCloseTo(p, 12);
  });
  it.each(SCIPY_APPROX)('normal approximation %j', (d, p) => {
    const r = wilcoxonSignedRank(d);
    expect(r.exact).toBe(false);
    expect(Math.abs(r.p - p)).toBeLessThan(1e-12 + 1e-9 * p);
  });
  it('the null distribution counts: sum 2^n, symmetric, table values (n = 10: 25 subsets with sum <= 8)', () => {
    for (const n of [1, 5, 10, 20, 50]) {
      const c = signedRankCounts(n);
      expect(c.length).toBe((n * (n + 1)) / 2 + 1);
      expect(c.reduce((a, b) => a + b, 0)).toBe(2 ** n);
      for (let s = 0; s < c.length; s++) expect(c[s]).toBe(c[c.length - 1 - s]);
    }
    expect(Array.from(signedRankCounts(4))).toEqual([1, 1, 1, 2, 2, 2, 2, 2, 1, 1, 1]);
    expect(Array.from(signedRankCounts(10).subarray(0, 9)).reduce((a, b) => a + b, 0)).toBe(25);
  });
  it('the normal tail against table values (1 - Phi(1.96) = 0.0249979, 1 - Phi(5) = 2.8665e-7)', () => {
    expect(normalSf(0)).toBeCloseTo(0.5, 15);
    expect(normalSf(1.96)).toBeCloseTo(0.0249979, 7);
    expect(normalSf(5) / 2.866515718791933e-7).toBeCloseTo(1, 9);
    expect(normalSf(-1)).toBeCloseTo(1 - 0.15865525393145707, 12);
  });
});

describe('pairedComparison', () => {
  it('mean difference, interval around it, p, n', () => {
    const a = [0.8, 0.75, 0.9, 0.7, 0.85, 0.81], b = [0.7, 0.74, 0.8, 0.72, 0.75, 0.8];
    const c = pairedComparison('ours', a, 'sas', b);
    expect(c.a).toBe('ours');
    expect(c.n).toBe(6);
    expect(c.mean_diff).toBeCloseTo((0.1 + 0.01 + 0.1 - 0.02 + 0.1 + 0.01) / 6, 4);
    expect(c.ci95[0]).toBeLessThanOrEqual(c.mean_diff);
    expect(c.ci95[1]).toBeGreaterThanOrEqual(c.mean_diff);
    expect(c.p_value).not.toBeNull();
    expect(() => pairedComparison('a', [1], 'b', [1, 2])).toThrow(/paired/);
  });
  it('bootstrap: constant differences give a point interval; seeded, so repeatable', () => {
    const pt = bootstrapMeanCi([0.2, 0.2, 0.2]);
    expect(pt[0]).toBeCloseTo(0.2, 12);
    expect(pt[1]).toBeCloseTo(0.2, 12);
    const d = [0.1, -0.3, 0.5, 0.05, 0.2, -0.1, 0.4];
    expect(bootstrapMeanCi(d)).toEqual(bootstrapMeanCi(d));
    const [lo, hi] = bootstrapMeanCi(d);
    expect(lo).toBeGreaterThanOrEqual(-0.3);
    expect(hi).toBeLessThanOrEqual(0.5);
    expect(hi - lo).toBeGreaterThan(0.1);
  });
});

describe('G-Blend results statistics (shared by the command line and the web lab)', () => {
  const run = (name: string, seed: number, top1: number, fold?: number): MethodResult =>
    ({ name, seed, top1, top5: 1, weights: null, history: [], estimates: [], ...(fold !== undefined ? { fold } : {}) });
  it('pairs over (seed, fold) units, names the best single modality, reports the regime per fold and per-fold means', () => {
    // Two folds x two seeds. uni:b is the best single modality (mean 0.8 vs 0.6); naive is below it
    // overall (0.70 vs 0.80) and in fold 1 (0.5 vs 0.85), above it in fold 2 (0.9 vs 0.75).
    const rs = [
      run('uni:a', 1, 0.6, 1), run('uni:a', 2, 0.6, 1), run('uni:a', 1, 0.6, 2), run('uni:a', 2, 0.6, 2),
      run('uni:b', 1, 0.8, 1), run('uni:b', 2, 0.9, 1), run('uni:b', 1, 0.7, 2), run('uni:b', 2, 0.8, 2),
      run('naive', 1, 0.5, 1), run('naive', 2, 0.5, 1), run('naive', 1, 0.9, 2), run('naive', 2, 0.9, 2),
    ];
    const st = gblendStatistics(rs);
    expect(st.seeds).toEqual([1, 2]);
    expect(st.folds).toEqual([1, 2]);
    expect(st.bestSingle).toBe('uni:b');
    const c = st.comparisons.find((x) => x.a === 'naive' && x.b === 'uni:b')!;
    expect(c.n).toBe(4);
    expect(c.mean_diff).toBeCloseTo((-0.3 - 0.4 + 0.2 + 0.1) / 4, 4);
    // Every method against naive and against the best single modality (there is no aux or late-product here).
    expect(st.comparisons.map((x) => `${x.a}-${x.b}`).sort()).toEqual(['naive-uni:b', 'uni:a-naive', 'uni:a-uni:b', 'uni:b-naive'].sort());
    expect(st.foldRegime).toEqual([
      { fold: 1, naive: 0.5, best_single: expect.closeTo(0.85, 10), naive_below: true },
      { fold: 2, naive: 0.9, best_single: expect.closeTo(0.75, 10), naive_below: false },
    ]);
    expect(st.regime).toMatch(/^naive joint training 70\.0% is BELOW the best single modality uni:b 80\.0% \(paired over 4 \(seed, fold\) units: -10\.0 points/);
    expect(st.regime).toMatch(/per fold, naive is below uni:b in 1 of 2 \(fold 1\)$/);
    const b1 = st.perFold.find((p) => p.name === 'uni:b' && p.fold === 1)!;
    expect(b1.top1).toBeCloseTo(0.85, 10);
    expect(b1.top1_std).toBeCloseTo(Math.sqrt(0.005), 10); // sample std of 0.8, 0.9
    expect(b1.seeds).toBe(2);
    const json = statisticsJson(rs, st, null);
    expect(json.folds).toBeNull();
    expect(json.per_fold).toBeNull();
  });
  it('without folds pairs over seeds and has no per-fold rows', () => {
    const st = gblendStatistics([run('naive', 1, 0.5), run('naive', 2, 0.6), run('aux', 1, 0.7), run('aux', 2, 0.65)]);
    expect(st.folds).toEqual([]);
    expect(st.perFold).toEqual([]);
    expect(st.regime).toBeNull(); // no uni-modal method: no regime line
    const c = st.comparisons.find((x) => x.a === 'aux' && x.b === 'naive')!;
    expect(c.n).toBe(2);
    expect(c.mean_diff).toBeCloseTo(0.125, 4);
    expect(statisticsJson([], st, null).validation).toEqual({ 1: null, 2: null });
  });
});
