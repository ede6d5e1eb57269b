// Losses for classification (softmax cross-entropy, BCE), registration (NCC, smoothness, MSE)
// and segmentation (soft Dice), plus hard per-label Dice for evaluation.
import { composite, getBackend, record } from '../tensor/engine.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { expectF32, expectI32, expectSameShape, fmt, ShapeError } from './checks.js';
import { full } from './create.js';
import { add, addScalar, div, mul, mulScalar, softplus, square, sub, abs } from './elementwise.js';
import { mean, sum } from './reduce.js';
import { reshape, slice } from './shape.js';
import { boxSum } from './warp.js';

export class NonFiniteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteError';
  }
}

/**
 * Rejects a NaN/Inf loss where values are host-visible (wasm), naming the op and the input that
 * carries non-finite values. On asynchronous backends the check happens when the loss is read.
 */
function checkFinite(op: string, loss: Tensor, inputs: Record<string, Tensor>): void {
  const b = getBackend();
  if (!b.readSync) return;
  const v = loss.dataSync()[0]!;
  if (Number.isFinite(v)) return;
  for (const [name, t] of Object.entries(inputs)) {
    if (t.dtype !== 'f32') continue;
    const data = t.dataSync();
    const i = data.findIndex((x) => !Number.isFinite(x));
    if (i >= 0) throw new NonFiniteError(`${op}: loss is ${v}: input '${name}' ${fmt(t.shape)} holds ${data[i]} at flat index ${i}`);
  }
  throw new NonFiniteError(`${op}: loss is ${v} although its inputs are finite (overflow inside the loss?)`);
}

export type Reduction = 'mean' | 'sum' | 'none';

/** Softmax cross-entropy of logits [..., C] against integer labels [...] in [0, C). */
export function softmaxCrossEntropy(logits: Tensor, labels: Tensor, reduction: Reduction = 'mean'): Tensor {
  expectF32('softmaxCrossEntropy', 'logits', logits);
  expectI32('softmaxCrossEntropy', 'labels', labels);
  const classes = logits.shape[logits.rank - 1]!;
  const rows = logits.size / classes;
  if (labels.size !== rows || labels.rank !== logits.rank - 1 || labels.shape.some((s, i) => s !== logits.shape[i])) {
    throw new ShapeError('softmaxCrossEntropy', `labels must have shape ${fmt(logits.shape.slice(0, -1))} for logits ${fmt(logits.shape)}, got ${fmt(labels.shape)}`);
  }
  if (getBackend().readSync) {
    const l = labels.dataSync();
    const bad = l.findIndex((v) => v < 0 || v >= classes);
    if (bad >= 0) throw new ShapeError('softmaxCrossEntropy', `label ${l[bad]} at index ${bad} is outside [0, ${classes})`);
  }
  return composite(() => {
    const perRow = emptyTensor(labels.shape);
    const probs = emptyTensor(logits.shape);
    getBackend().softmaxCrossEntropy(logits.storage, labels.storage, perRow.storage, probs.storage, rows, classes);
    record(perRow, [logits], (dy) => {
      const dx = emptyTensor(logits.shape);
      getBackend().softmaxCrossEntropyBackward(probs.storage, labels.storage, dy.storage, dx.storage, rows, classes);
      return [dx];
    });
    const out = reduce(perRow, reduction);
    if (reduction !== 'none') checkFinite('softmaxCrossEntropy', out, { logits });
    return out;
  });
}

function reduce(t: Tensor, reduction: Reduction): Tensor {
  return reduction === 'mean' ? mean(t) : reduction === 'sum' ? sum(t) : t;
}

/** Row-wise softmax over the last axis (no gradient: use softmaxCrossEntropy for training). */
export function softmax(x: Tensor): Tensor {
  expectF32('softmax', 'x', x);
  const classes = x.shape[x.rank - 1]!;
  const out = emptyTensor(x.shape);
  getBackend().softmax(x.storage, out.storage, x.size / classes, classes);
  return out;
}

/** Binary cross-entropy with logits: softplus(x) - x * z, stable for large |x|. */
export function bceWithLogits(logits: Tensor, targets: Tensor, reduction: Reduction = 'mean'): Tensor {
  expectSameShape('bceWithLogits', logits, targets, 'logits and targets');
  const out = composite(() => reduce(sub(softplus(logits), mul(logits, targets)), reduction));
  if (reduction !== 'none') checkFinite('bceWithLogits', out, { logits, targets });
  return out;
}

/** Mean squared error. */
export function mse(a: Tensor, b: Tensor): Tensor {
  expectSameShape('mse', a, b);
  const out = composite(() => mean(square(sub(a, b))));
  checkFinite('mse', out, { a, b });
  return out;
}

/**
 * Local normalized cross-correlation loss, -mean(cc), with a `win`^3 window (VoxelMorph's NCC:
 * cc = cross^2 / (var_I var_J + 1e-5)). Window sums use box sums, so the cost does not grow with
 * the window. Axes of size 1 (2D data) get no window.
 */
export function nccLoss(I: Tensor, J: Tensor, win = 9): Tensor {
  expectSameShape('nccLoss', I, J, 'images');
  if (I.rank !== 5) throw new ShapeError('nccLoss', `images must be [N, D, H, W, C], got ${fmt(I.shape)}`);
  if (!Number.isInteger(win) || win < 1 || win % 2 === 0) throw new ShapeError('nccLoss', `win must be an odd integer >= 1, got ${win}`);
  const r = (win - 1) / 2;
  const radius: [number, number, number] = [I.shape[1]! > 1 ? r : 0, I.shape[2]! > 1 ? r : 0, I.shape[3]! > 1 ? r : 0];
  const winSize = radius.reduce((a, q) => a * (2 * q + 1), 1);
  const out = composite(() => {
  const Is = boxSum(I, radius), Js = boxSum(J, radius);
  const I2s = boxSum(square(I), radius), J2s = boxSum(square(J), radius), IJs = boxSum(mul(I, J), radius);
  const uI = mulScalar(Is, 1 / winSize), uJ = mulScalar(Js, 1 / winSize);
  // cross = IJ - uJ*I - uI*J + uI*uJ*w  ==  IJ - I*J/w ; likewise for the variances.
  const cross = sub(IJs, mul(uI, Js));
  const varI = sub(I2s, mul(uI, Is));
  const varJ = sub(J2s, mul(uJ, Js));
  const cc = div(square(cross), addScalar(mul(varI, varJ), 1e-5));
  return mulScalar(mean(cc), -1);
  });
  checkFinite('nccLoss', out, { I, J });
  return out;
}

export interface SmoothnessOptions {
  penalty?: 'l2' | 'l1';
  /** Per-voxel weights [N, D, H, W, 1] (e.g. brainstorm's 1 - boundary mask), applied at each difference's origin. */
  weight?: Tensor;
}

/**
 * Smoothness of a field [N, D, H, W, C]: forward differences along each spatial axis longer than 1,
 * squared (l2) or absolute (l1), mean per axis, averaged over those axes (VoxelMorph's Grad loss).
 */
export function smoothness(u: Tensor, opts: SmoothnessOptions = {}): Tensor {
  expectF32('smoothness', 'field', u);
  if (u.rank !== 5) throw new ShapeError('smoothness', `field must be [N, D, H, W, C], got ${fmt(u.shape)}`);
  const w = opts.weight;
  if (w) {
    expectF32('smoothness', 'weight', w);
    if (w.rank !== 5 || w.shape[4] !== 1 || w.shape.slice(0, 4).some((s, i) => s !== u.shape[i])) {
      throw new ShapeError('smoothness', `weight must be [${u.shape.slice(0, 4).join(', ')}, 1] for field ${fmt(u.shape)}, got ${fmt(w.shape)}`);
    }
  }
  const axes = [1, 2, 3].filter((a) => u.shape[a]! > 1);
  if (axes.length === 0) throw new ShapeError('smoothness', `field ${fmt(u.shape)} has no spatial axis longer than 1`);
  const out = composite(() => {
  let total: Tensor | null = null;
  for (const a of axes) {
    const size = u.shape.map((s, i) => (i === a ? s - 1 : s));
    const begin1 = u.shape.map((_, i) => (i === a ? 1 : 0));
    const diff = sub(slice(u, begin1, size), slice(u, [0, 0, 0, 0, 0], size));
    let pen = opts.penalty === 'l1' ? abs(diff) : square(diff);
    if (w) pen = mul(pen, slice(w, [0, 0, 0, 0, 0], [...size.slice(0, 4), 1]));
    const m = mean(pen);
    total = total ? add(total, m) : m;
  }
  return mulScalar(total!, 1 / axes.length);
  });
  checkFinite('smoothness', out, { field: u });
  return out;
}

/**
 * Soft Dice loss, 1 - mean over classes of 2 sum(p t) / (sum p + sum t + eps), for probabilities and
 * one-hot targets of shape [..., C].
 */
export function softDiceLoss(probs: Tensor, targets: Tensor, eps = 1e-5): Tensor {
  expectSameShape('softDiceLoss', probs, targets, 'probs and targets');
  const c = probs.shape[probs.rank - 1]!;
  const out = composite(() => {
  const p = reshape(probs, [-1, c]), t = reshape(targets, [-1, c]);
  const inter = sum(mul(p, t), 0);
  const denom = addScalar(add(sum(p, 0), sum(t, 0)), eps);
  const dice = div(mulScalar(inter, 2), denom);
  return sub(full([], 1), mean(dice));
  });
  checkFinite('softDiceLoss', out, { probs, targets });
  return out;
}

/**
 * Hard Dice per label between two integer label maps of one shape: 2|P∩T| / (|P| + |T|).
 * A label absent from both gets NaN (undefined), so callers can skip it.
 */
export async function diceScores(pred: Tensor, truth: Tensor, labels: readonly number[]): Promise<Map<number, number>> {
  expectI32('diceScores', 'pred', pred);
  expectI32('diceScores', 'truth', truth);
  expectSameShape('diceScores', pred, truth, 'pred and truth');
  if (labels.some((l) => !Number.isInteger(l) || l < 0)) throw new ShapeError('diceScores', `labels must be integers >= 0, got ${fmt(labels)}`);
  const numLabels = Math.max(...labels) + 1;
  const counts = emptyTensor([numLabels, 3], 'i32');
  getBackend().fill(counts.storage, counts.size, 0, 'i32');
  getBackend().labelCountsAcc(pred.storage, truth.storage, pred.size, numLabels, counts.storage);
  const c = await counts.data();
  counts.dispose();
  const out = new Map<number, number>();
  for (const l of labels) {
    const denom = c[3 * l + 1]! + c[3 * l + 2]!;
    out.set(l, denom === 0 ? Number.NaN : (2 * c[3 * l]!) / denom);
  }
  return out;
}
