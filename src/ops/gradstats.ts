// Statistics of whole parameter-gradient lists: dot products, Gram matrices and global norms.
// G-Blend's direct estimator (Proposition 1) is built from these.
import { composite, getBackend } from '../tensor/engine.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { expectF32, fmt, ShapeError } from './checks.js';
import { sqrt } from './elementwise.js';

function checkLists(op: string, lists: readonly (readonly Tensor[])[]): void {
  const first = lists[0]!;
  for (const l of lists) {
    if (l.length !== first.length) throw new ShapeError(op, `gradient lists differ in length: ${lists.map((q) => q.length).join(' vs ')}`);
    l.forEach((t, i) => {
      expectF32(op, `tensor ${i}`, t);
      if (t.size !== first[i]!.size) throw new ShapeError(op, `tensor ${i} has shape ${fmt(t.shape)}, expected ${fmt(first[i]!.shape)}`);
    });
  }
}

/** Scalar sum over i of <a[i], b[i]> (f64 accumulation inside each tensor). */
export function gradDot(a: readonly Tensor[], b: readonly Tensor[]): Tensor {
  checkLists('gradDot', [a, b]);
  const out = emptyTensor([]);
  getBackend().fill(out.storage, 1, 0, 'f32');
  a.forEach((t, i) => getBackend().dotAcc(t.storage, b[i]!.storage, t.size, out.storage, 0));
  return out;
}

/** The k x k Gram matrix G[p][q] = <lists[p], lists[q]> of k gradient lists. */
export function gradGram(lists: readonly (readonly Tensor[])[]): Tensor {
  if (lists.length === 0) throw new ShapeError('gradGram', 'needs at least one gradient list');
  checkLists('gradGram', lists);
  const k = lists.length;
  const out = emptyTensor([k, k]);
  getBackend().fill(out.storage, k * k, 0, 'f32');
  for (let p = 0; p < k; p++) {
    for (let q = p; q < k; q++) {
      lists[p]!.forEach((t, i) => getBackend().dotAcc(t.storage, lists[q]![i]!.storage, t.size, out.storage, p * k + q));
      if (q !== p) getBackend().copy(out.storage, p * k + q, out.storage, q * k + p, 1);
    }
  }
  return out;
}

/** sqrt(sum of squares) over a list of tensors. */
export function globalNorm(list: readonly Tensor[]): Tensor {
  return composite(() => sqrt(gradDot(list, list)));
}
