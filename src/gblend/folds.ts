// K-fold cross-validation for `blendwarp gblend --folds K`: every example of the pooled data is in the
// test set of exactly one fold. With groups (speakers, sites: a manifest's "group", AV-MNIST's
// speakers) whole groups are held out: the group names are sorted, shuffled by a fixed seeded draw
// (so the folds do not depend on the order groups appear in the input, nor on --seeds) and dealt
// round-robin into K folds. Without groups the folds are stratified: each class's examples (in
// index order) are shuffled by the same fixed draw and dealt round-robin, so every fold holds
// about 1/K of each class. Preprocessing fitted on data (standardisation, PCA) is fitted per fold on
// that fold's training rows only (`FoldSource.prepare`).
import { Rng } from '../ops/create.js';
import { checkClassesPresent, subset, type Dataset, type TrainTest } from './data.js';

/** The fixed seed of the fold assignment (independent of --seeds: every seed sees the same folds). */
export const FOLD_SEED = 20200;

export interface Fold {
  /** 1-based. */
  fold: number;
  /** Example indices of the pooled data used for training (T and V come from these) and for testing. */
  train: Int32Array;
  test: Int32Array;
  /** The groups this fold holds out (sorted names), when the folds are over groups. */
  testGroups?: string[];
}

export interface FoldPlan {
  k: number;
  by: 'groups' | 'stratified';
  folds: Fold[];
}

/** Pooled data and how to make one fold's (train, test) from it, fitting preprocessing on train. */
export interface FoldSource {
  all: Dataset;
  /**
   * Standardises (and degrades, where the data asks for it) a fold's copies in place, fitted on
   * `train`; any random draw is seeded by the fold number, so a fold prepares the same way whether
   * or not the folds before it were prepared in this process. Returns notes.
   */
  prepare: (train: Dataset, test: Dataset, fold: number) => string[];
  notes: string[];
}

function seededOrder(n: number, salt: number): Int32Array {
  return new Rng(FOLD_SEED + salt).permutation(n);
}

/** Which fold (0-based) each group name goes to: sorted names, a fixed seeded shuffle, round-robin. */
export function groupFolds(names: readonly string[], k: number): Map<string, number> {
  const sorted = [...new Set(names)].sort();
  if (k > sorted.length) throw new Error(`--folds ${k}: the data has ${sorted.length} group${sorted.length === 1 ? '' : 's'} (${sorted.join(', ')}); folds over groups need at most that many folds`);
  const order = seededOrder(sorted.length, 0);
  const out = new Map<string, number>();
  order.forEach((gi, pos) => out.set(sorted[gi]!, pos % k));
  return out;
}

/** The K folds of `ds`: over its groups when it has them, else stratified by class. */
export function makeFolds(ds: Dataset, k: number): FoldPlan {
  if (!Number.isInteger(k) || k < 2) throw new Error(`--folds: expected an integer >= 2, got ${k}`);
  const n = ds.labels.length;
  const foldOf = new Int32Array(n);
  let by: FoldPlan['by'];
  let groupOfFold: string[][] | null = null;
  if (ds.groups && ds.groupNames) {
    by = 'groups';
    const missing = ds.groups.findIndex((g) => g < 0 || g >= ds.groupNames!.length);
    if (missing >= 0) throw new Error(`--folds over groups: example ${missing} has no group (give every example a "group", or none)`);
    const gf = groupFolds(ds.groupNames, k);
    ds.groups.forEach((g, i) => { foldOf[i] = gf.get(ds.groupNames![g]!)!; });
    groupOfFold = Array.from({ length: k }, (_, f) => [...gf].filter(([, v]) => v === f).map(([name]) => name).sort());
  } else {
    by = 'stratified';
    for (let c = 0; c < ds.classes; c++) {
      const ids: number[] = [];
      ds.labels.forEach((y, i) => { if (y === c) ids.push(i); });
      if (ids.length === 0) continue;
      const order = seededOrder(ids.length, 1 + c);
      // Rotate the round-robin start per class so small classes do not all land in fold 1.
      order.forEach((j, pos) => { foldOf[ids[j]!] = (pos + c) % k; });
    }
  }
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const test: number[] = [], train: number[] = [];
    foldOf.forEach((v, i) => (v === f ? test : train).push(i));
    if (test.length === 0) throw new Error(`--folds ${k}: fold ${f + 1} would hold no example (the data has ${n}); use fewer folds`);
    folds.push({ fold: f + 1, train: Int32Array.from(train), test: Int32Array.from(test), ...(groupOfFold ? { testGroups: groupOfFold[f] } : {}) });
  }
  return { k, by, folds };
}

/** One fold's training and test data: copies of the pooled rows, prepared (standardised) on the training rows. */
export function foldData(src: FoldSource, fold: Fold, source = 'data'): TrainTest {
  const train = subset(src.all, fold.train), test = subset(src.all, fold.test);
  checkClassesPresent(train, `${source}, fold ${fold.fold} training`);
  const notes = src.prepare(train, test, fold.fold);
  const held = fold.testGroups ? `held-out groups ${fold.testGroups.join(', ')}` : 'stratified';
  return { train, test, notes: [`fold ${fold.fold}: ${train.labels.length} training, ${test.labels.length} test examples (${held})`, ...notes] };
}
