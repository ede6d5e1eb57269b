// Two-sided Wilcoxon signed-rank test of paired differences, as scipy.stats.wilcoxon computes it with
// zero_method='wilcox' and correction=True:
// - zero differences are dropped (Wilcoxon's convention); n is the number of non-zero differences;
// - |d| are ranked with average ranks for ties; the statistic is W+ (sum of the positive ranks);
// - exact null distribution when n <= 50 and there are neither ties nor zeros: the number of subsets
//   of {1..n} with each rank sum, by dynamic programming (counts stay below 2^50, exact in float64),
//   p = min(1, 2 min(P(T <= W+), P(T >= W+)));
// - otherwise the normal approximation: mean n(n+1)/4, variance n(n+1)(2n+1)/24 - sum(t^3 - t)/48
//   over tie groups of size t, continuity correction 0.5 towards the mean, p = 2 (1 - Phi(|z|)).
// Checked against scipy 1.17 values in test/stats.test.ts. Pure numbers: no tensors, no I/O.

export interface WilcoxonResult {
  /** Two-sided p-value. */
  p: number;
  /** W+: the sum of the ranks of the positive differences. */
  statistic: number;
  /** Whether p comes from the exact null distribution (else the normal approximation). */
  exact: boolean;
  /** Differences left after dropping zeros. */
  nNonZero: number;
}

/** Largest n for which the exact null distribution is used (scipy's default, too). */
export const EXACT_MAX_N = 50;

/** Counts of subsets of {1..n} by rank sum: c[s] = #{S subset of {1..n} : sum(S) = s}, s = 0..n(n+1)/2. */
export function signedRankCounts(n: number): Float64Array {
  const max = (n * (n + 1)) / 2;
  const c = new Float64Array(max + 1);
  c[0] = 1;
  for (let k = 1; k <= n; k++) {
    const top = (k * (k + 1)) / 2;
    for (let s = top; s >= k; s--) c[s]! += c[s - k]!;
  }
  return c;
}

/** Average ranks (1-based) of v, and the sizes of the tie groups. */
function averageRanks(v: readonly number[]): { ranks: Float64Array; ties: number[] } {
  const order = v.map((_, i) => i).sort((a, b) => v[a]! - v[b]!);
  const ranks = new Float64Array(v.length), ties: number[] = [];
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && v[order[j + 1]!] === v[order[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) ranks[order[t]!] = r;
    if (j > i) ties.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, ties };
}

/** erfc(x) for x >= 0: power series of erf below 3, Lentz's continued fraction above (~1e-15 relative). */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 3) {
    // erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_k 2^k x^(2k+1) / (1*3*...*(2k+1))
    let term = x, sum = x;
    for (let k = 1; k < 200; k++) {
      term *= (2 * x * x) / (2 * k + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
  const tiny = 1e-300;
  let f = x, C = x, D = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    D = x + a * D; D = Math.abs(D) < tiny ? tiny : D; D = 1 / D;
    C = x + a / C; C = Math.abs(C) < tiny ? tiny : C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Upper tail of the standard normal, 1 - Phi(z). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Two-sided Wilcoxon signed-rank test of the differences d. */
export function wilcoxonSignedRank(d: ArrayLike<number>): WilcoxonResult {
  const x = Array.from(d);
  if (x.some((v) => !Number.isFinite(v))) throw new Error('wilcoxonSignedRank: differences must be finite numbers');
  const nz = x.filter((v) => v !== 0);
  if (nz.length === 0) return { p: 1, statistic: 0, exact: false, nNonZero: 0 };
  if (x.length < 2) throw new Error('wilcoxonSignedRank: needs at least 2 pairs');
  const n = nz.length;
  const { ranks, ties } = averageRanks(nz.map(Math.abs));
  let wPlus = 0;
  nz.forEach((v, i) => { if (v > 0) wPlus += ranks[i]!; });
  // One non-zero difference: rank 1 of 1, p = 1 either way.
  if (n < 2) return { p: 1, statistic: wPlus, exact: false, nNonZero: n };
  const exact = n === x.length && ties.length === 0 && n <= EXACT_MAX_N;
  if (exact) {
    const c = signedRankCounts(n), total = 2 ** n, w = Math.round(wPlus);
    let lo = 0, hi = 0;
    for (let s = 0; s < c.length; s++) { if (s <= w) lo += c[s]!; if (s >= w) hi += c[s]!; }
    return { p: Math.min(1, (2 * Math.min(lo, hi)) / total), statistic: wPlus, exact: true, nNonZero: n };
  }
  const mean = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - ties.reduce((a, t) => a + t ** 3 - t, 0) / 48;
  let dev = wPlus - mean;
  dev -= 0.5 * Math.sign(dev);
  const p = variance > 0 ? Math.min(1, 2 * normalSf(Math.abs(dev) / Math.sqrt(variance))) : 1;
  return { p, statistic: wPlus, exact: false, nNonZero: n };
}
