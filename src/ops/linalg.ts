// Matrix multiply (batched, with transposes) and the dense layer's linear map.
import { composite, getBackend, needsGrad, record } from '../tensor/engine.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { expectF32, fmt, ShapeError } from './checks.js';
import { add } from './elementwise.js';

export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
}

/**
 * a [.., m, k] @ b [.., k, n] -> [.., m, n]. Rank 2 or 3; a rank-2 operand is shared by every batch.
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  expectF32('matmul', 'a', a);
  expectF32('matmul', 'b', b);
  const ta = opts.transposeA ?? false, tb = opts.transposeB ?? false;
  if (a.rank < 2 || a.rank > 3 || b.rank < 2 || b.rank > 3) {
    throw new ShapeError('matmul', `operands must have rank 2 or 3, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  const [a0, a1] = a.shape.slice(-2) as [number, number];
  const [b0, b1] = b.shape.slice(-2) as [number, number];
  const m = ta ? a1 : a0, k = ta ? a0 : a1;
  const kb = tb ? b1 : b0, n = tb ? b0 : b1;
  if (k !== kb) {
    throw new ShapeError('matmul', `inner dimensions differ: a ${fmt(a.shape)}${ta ? 'ᵀ' : ''} has k = ${k}, b ${fmt(b.shape)}${tb ? 'ᵀ' : ''} has k = ${kb}`);
  }
  const batchA = a.rank === 3 ? a.shape[0]! : 1, batchB = b.rank === 3 ? b.shape[0]! : 1;
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) {
    throw new ShapeError('matmul', `batch sizes differ: ${fmt(a.shape)} and ${fmt(b.shape)}`);
  }
  const batch = Math.max(batchA, batchB);
  const shape = a.rank === 3 || b.rank === 3 ? [batch, m, n] : [m, n];
  const out = emptyTensor(shape);
  getBackend().matmul(a.storage, b.storage, out.storage, batch, m, k, n, ta, tb,
    batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n);
  record(out, [a, b], (dy) => {
    // d/da = dy @ op(b)^T, d/db = op(a)^T @ dy, mapped back through the transposes.
    let da: Tensor | null = null, db: Tensor | null = null;
    if (needsGrad(a)) {
      da = ta ? matmul(b, dy, { transposeA: tb, transposeB: true }) : matmul(dy, b, { transposeB: !tb });
      if (batchA === 1 && batch > 1) da = sumBatch(da);
    }
    if (needsGrad(b)) {
      db = tb ? matmul(dy, a, { transposeA: true, transposeB: ta }) : matmul(a, dy, { transposeA: !ta });
      if (batchB === 1 && batch > 1) db = sumBatch(db);
    }
    return [da, db];
  });
  return out;
}

function sumBatch(t: Tensor): Tensor {
  const out = emptyTensor(t.shape.slice(1));
  getBackend().reduce('sum', t.storage, out.storage, 1, t.shape[0]!, out.size);
  return out;
}

/** x [N, in] @ w [in, out] + b [out]. */
export function linear(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  if (x.rank !== 2 || w.rank !== 2 || x.shape[1] !== w.shape[0] || (b && (b.rank !== 1 || b.shape[0] !== w.shape[1]))) {
    throw new ShapeError('linear', `expected x [N, in], w [in, out], b [out], got x ${fmt(x.shape)}, w ${fmt(w.shape)}${b ? `, b ${fmt(b.shape)}` : ''}`);
  }
  return composite(() => (b ? add(matmul(x, w), b) : matmul(x, w)));
}
