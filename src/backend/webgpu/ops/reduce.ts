// Reduction op family: reduce (sum/max/min over an axis), argmax, dotAcc. Shaders: reduce (short rows,
// one thread per output), reduce_wg (a workgroup per output block, tree in workgroup memory, pass after
// pass), reduce_acc, argmax, dot_partial / dot_final (compensated sums: see docs/webgpu-kernels.md).
import type { ReduceOp, Storage } from '../../backend.js';
import { WG, type Bind, type GpuRuntime } from '../runtime.js';
import { copy } from './elementwise.js';
import { REDUCE_CODE } from '../../op-table.js';

export const PROGRAMS = ['reduce', 'reduce_wg', 'reduce_acc', 'argmax', 'dot_partial', 'dot_final'];

export const REDUCE = REDUCE_CODE;

export function reduce(rt: GpuRuntime, op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void {
  const slab = r * inner;
  if (slab <= rt.chunk) {
    // whole [r, inner] slabs per launch
    const perLaunch = Math.max(1, Math.floor(rt.chunk / slab));
    for (let o0 = 0; o0 < outer; o0 += perLaunch) {
      const oc = Math.min(perLaunch, outer - o0);
      const [xb, x0] = rt.span('reduce', x, o0 * slab, (o0 + oc) * slab);
      const [ob, y0] = rt.span('reduce', out, o0 * inner, (o0 + oc) * inner);
      reduceLaunch(rt, op, xb, ob, o0 * inner, oc * inner, x0, y0, r, inner);
    }
    return;
  }
  if (inner > rt.chunk) {
    // One [inner] row alone exceeds a binding: fold the rows one after another, in chunks.
    for (let o = 0; o < outer; o++) {
      copy(rt, x, o * slab, out, o * inner, inner);
      for (let j = 1; j < r; j++) {
        for (let k0 = 0; k0 < inner; k0 += rt.chunk) {
          const cnt = Math.min(rt.chunk, inner - k0);
          const [xb, x0] = rt.span('reduce', x, o * slab + j * inner + k0, o * slab + j * inner + k0 + cnt);
          const [ob, y0] = rt.span('reduce', out, o * inner + k0, o * inner + k0 + cnt);
          if (x0 !== o * slab + j * inner + k0 || y0 !== o * inner + k0) {
            // unaligned row starts: go through an aligned temporary
            const tmp = rt.alloc(4 * cnt);
            copy(rt, x, o * slab + j * inner + k0, tmp, 0, cnt);
            const acc = rt.alloc(4 * cnt);
            copy(rt, out, o * inner + k0, acc, 0, cnt);
            rt.threads('reduce_acc', { OP: REDUCE[op] }, { t0: 0, n: cnt }, [rt.whole('reduce', tmp), rt.whole('reduce', acc)], cnt);
            copy(rt, acc, 0, out, o * inner + k0, cnt);
            rt.free(tmp); rt.free(acc);
          } else {
            rt.threads('reduce_acc', { OP: REDUCE[op] }, { t0: 0, n: cnt }, [xb, ob], cnt);
          }
        }
      }
    }
    return;
  }
  // One [r, inner] slab exceeds a binding: reduce pieces of r into partial rows, then the partials.
  const rows = Math.max(1, Math.floor(rt.chunk / inner));
  const pieces = Math.ceil(r / rows);
  const partial = rt.alloc(4 * pieces * inner);
  try {
    for (let o = 0; o < outer; o++) {
      for (let p = 0; p < pieces; p++) {
        const r0 = p * rows, rc = Math.min(rows, r - r0);
        const lo = (o * r + r0) * inner;
        const [xb, x0] = rt.span('reduce', x, lo, lo + rc * inner);
        // outputs indexed 0..inner of a virtual [1, rc, inner] problem starting at element lo
        reduceLaunch(rt, op, xb, rt.win(partial, 0, pieces * inner), 0, inner, x0 - lo, -p * inner, rc, inner);
      }
      const [ob, y0] = rt.span('reduce', out, o * inner, (o + 1) * inner);
      reduceLaunch(rt, op, rt.whole('reduce', partial), ob, o * inner, inner, o * pieces * inner, y0, pieces, inner);
    }
  } finally {
    rt.free(partial);
  }
}

/** Reduces whole outer rows: outputs [t0, t0 + n) are (o, k) pairs, n a multiple of inner. */
function reduceLaunch(rt: GpuRuntime, op: ReduceOp, xb: Bind, ob: Bind, t0: number, n: number, xBase: number, outBase: number, r: number, inner: number): void {
  const consts = { OP: REDUCE[op] };
  if (r <= 64) {
    rt.threads('reduce', consts, { t0, n, xBase, outBase, r, inner }, [xb, ob], n);
    return;
  }
  // Blocks of B along r per workgroup, pass after pass, until one block remains.
  const B = 1024, o0 = Math.floor(t0 / inner), oc = n / inner;
  let src = xb, srcBase = xBase, len = r;
  const temps: Storage[] = [];
  while (len > B) {
    const nb = Math.ceil(len / B);
    const tmp = rt.alloc(4 * oc * nb * inner);
    temps.push(tmp);
    const tb = rt.whole('reduce', tmp);
    rt.launch('reduce_wg', consts, { t0, n: n * nb, xBase: srcBase, outBase: o0 * nb * inner, r: len, inner, B, nb }, [src, tb], n * nb);
    src = tb; srcBase = o0 * nb * inner; len = nb;
  }
  rt.launch('reduce_wg', consts, { t0, n, xBase: srcBase, outBase, r: len, inner, B: len, nb: 1 }, [src, ob], n);
  for (const tmp of temps) rt.free(tmp);
}

export function argmax(rt: GpuRuntime, x: Storage, out: Storage, rows: number, cols: number): void {
  rt.threads('argmax', {}, { t0: 0, n: rows, cols }, [rt.whole('argmax', x), rt.whole('argmax', out)], rows);
}

export function dotAcc(rt: GpuRuntime, a: Storage, b: Storage, n: number, out: Storage, outIndex: number): void {
  if (n <= 0) return;
  const block = 4 * WG;
  const parts = Math.ceil(n / block) + Math.ceil(n / rt.chunk);
  // compensated partials: (sum, error) pairs
  const partial = rt.alloc(8 * parts);
  let p = 0;
  for (let t0 = 0; t0 < n; t0 += rt.chunk) {
    const cnt = Math.min(rt.chunk, n - t0);
    const groups = Math.ceil(cnt / block);
    rt.launch('dot_partial', {}, { n: cnt, first: p }, [rt.win(a, t0, cnt), rt.win(b, t0, cnt), rt.whole('dotAcc', partial)], groups);
    p += groups;
  }
  rt.launch('dot_final', {}, { m: p, outIndex }, [rt.whole('dotAcc', partial), rt.whole('dotAcc', out)], 1);
  rt.free(partial);
}
