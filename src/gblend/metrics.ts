// Classification metrics on the host from logits: cross-entropy, top-1, top-5; for multi-label data,
// binary cross-entropy, mAP and mAUC (mean over classes with at least one positive and one negative).

export interface HeadMetrics { loss: number; top1: number; top5: number; mAP?: number; mAUC?: number }

/** Softmax probabilities of row-major logits [n, c]. */
export function softmaxRows(logits: Float32Array, c: number): Float32Array {
  const p = new Float32Array(logits.length);
  for (let r = 0; r < logits.length / c; r++) {
    let mx = -Infinity;
    for (let j = 0; j < c; j++) mx = Math.max(mx, logits[r * c + j]!);
    let s = 0;
    for (let j = 0; j < c; j++) { const e = Math.exp(logits[r * c + j]! - mx); p[r * c + j] = e; s += e; }
    for (let j = 0; j < c; j++) p[r * c + j]! /= s;
  }
  return p;
}

/** Top-k accuracy: the label is among the k largest scores (ties count against). */
export function topK(scores: Float32Array, c: number, labels: Int32Array, k: number): number {
  let hit = 0;
  for (let r = 0; r < labels.length; r++) {
    const y = labels[r]!, sy = scores[r * c + y]!;
    let above = 0;
    for (let j = 0; j < c; j++) if (j !== y && scores[r * c + j]! >= sy) above++;
    if (above < k) hit++;
  }
  return hit / labels.length;
}

/** Mean cross-entropy of softmax(logits) against integer labels. */
export function crossEntropy(logits: Float32Array, c: number, labels: Int32Array): number {
  let s = 0;
  for (let r = 0; r < labels.length; r++) {
    let mx = -Infinity;
    for (let j = 0; j < c; j++) mx = Math.max(mx, logits[r * c + j]!);
    let z = 0;
    for (let j = 0; j < c; j++) z += Math.exp(logits[r * c + j]! - mx);
    s += Math.log(z) + mx - logits[r * c + labels[r]!]!;
  }
  return s / labels.length;
}

/** Average precision of one class: mean precision at each positive, ranked by score. */
export function averagePrecision(scores: ArrayLike<number>, positives: ArrayLike<number>): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let tp = 0, sum = 0;
  order.forEach((i, rank) => { if (positives[i]! > 0.5) { tp++; sum += tp / (rank + 1); } });
  return tp ? sum / tp : NaN;
}

/** ROC AUC of one class (Mann-Whitney, ties count half). */
export function rocAuc(scores: ArrayLike<number>, positives: ArrayLike<number>): number {
  let pos = 0, neg = 0, wins = 0;
  const P: number[] = [], N: number[] = [];
  for (let i = 0; i < scores.length; i++) (positives[i]! > 0.5 ? P : N).push(scores[i]!);
  pos = P.length; neg = N.length;
  if (!pos || !neg) return NaN;
  for (const p of P) for (const q of N) wins += p > q ? 1 : p === q ? 0.5 : 0;
  return wins / (pos * neg);
}

export function multiLabelMetrics(logits: Float32Array, c: number, targets: Float32Array): { loss: number; mAP: number; mAUC: number; top1: number } {
  const n = logits.length / c;
  let loss = 0, top1 = 0;
  for (let i = 0; i < logits.length; i++) { const x = logits[i]!; loss += Math.max(x, 0) - x * targets[i]! + Math.log1p(Math.exp(-Math.abs(x))); }
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (logits[r * c + j]! > logits[r * c + best]!) best = j;
    if (targets[r * c + best]! > 0.5) top1++;
  }
  const aps: number[] = [], aucs: number[] = [];
  for (let j = 0; j < c; j++) {
    const s = Float32Array.from({ length: n }, (_, r) => logits[r * c + j]!), t = Float32Array.from({ length: n }, (_, r) => targets[r * c + j]!);
    const ap = averagePrecision(s, t), auc = rocAuc(s, t);
    if (!Number.isNaN(ap)) aps.push(ap);
    if (!Number.isNaN(auc)) aucs.push(auc);
  }
  const mean = (a: number[]) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : NaN);
  return { loss: loss / logits.length, mAP: mean(aps), mAUC: mean(aucs), top1: top1 / n };
}
