// Layout op family: permute, slice, paste, gather, scatterAddAcc, oneHot. Shaders: permute, slice, paste,
// gather, scatter_add, one_hot. slice/paste split monotone chunks; the others bind whole tensors.
import type { Storage } from '../../backend.js';
import type { GpuRuntime } from '../runtime.js';

export const PROGRAMS = ['permute', 'slice', 'paste', 'gather', 'scatter_add', 'one_hot'];

export function permute(rt: GpuRuntime, x: Storage, out: Storage, shape: readonly number[], perm: readonly number[]): void {
  const s6 = pad6(shape, 1);
  const pad = 6 - shape.length;
  const p6 = [...Array.from({ length: pad }, (_, i) => i), ...perm.map((q) => q + pad)];
  const strides = rowStrides(s6);
  const outShape = p6.map((q) => s6[q]!);
  const n = prod(outShape);
  rt.threads('permute', {}, { t0: 0, n, shape: outShape, xStrides: p6.map((q) => strides[q]!) }, [rt.whole('permute', x), rt.whole('permute', out)], n);
}

export function slice(rt: GpuRuntime, x: Storage, xShape: readonly number[], begin: readonly number[], out: Storage, outShape: readonly number[]): void {
  const o6 = pad6(outShape, 1), xs = rowStrides(pad6(xShape, 1)), b6 = pad6(begin, 0);
  const n = prod(o6);
  // The x index grows with the output index: a chunk of outputs reads the x range between its ends.
  const at = (i: number) => boxIndex(o6, xs, b6, i);
  for (const [t0, cnt] of rt.monotoneChunks(n, at, x)) {
    const [xb, x0] = rt.operand('slice', x, at(t0), at(t0 + cnt - 1));
    rt.threads('slice', {}, { t0, n: cnt, xBase: x0, shape: o6, xStrides: xs, begin: b6 }, [xb, rt.win(out, t0, cnt)], cnt);
  }
}

export function paste(rt: GpuRuntime, src: Storage, srcShape: readonly number[], dst: Storage, dstShape: readonly number[], begin: readonly number[], add: boolean): void {
  const s6 = pad6(srcShape, 1), ds = rowStrides(pad6(dstShape, 1)), b6 = pad6(begin, 0);
  const n = prod(s6);
  const at = (i: number) => boxIndex(s6, ds, b6, i);
  for (const [t0, cnt] of rt.monotoneChunks(n, at, dst)) {
    const [db, d0] = rt.operand('paste', dst, at(t0), at(t0 + cnt - 1));
    rt.threads('paste', {}, { t0, n: cnt, add: add ? 1 : 0, dstBase: d0, shape: s6, dstStrides: ds, begin: b6 }, [rt.win(src, t0, cnt), db], cnt);
  }
}

export function gather(rt: GpuRuntime, x: Storage, idx: Storage, out: Storage, outer: number, axisLen: number, inner: number, nIdx: number): void {
  const n = outer * nIdx * inner;
  rt.threads('gather', {}, { t0: 0, n, axisLen, inner, nIdx }, [rt.whole('gather', x), rt.whole('gather', idx), rt.whole('gather', out)], n);
}

export function scatterAddAcc(rt: GpuRuntime, dy: Storage, idx: Storage, dx: Storage, outer: number, axisLen: number, inner: number, nIdx: number): void {
  const n = outer * axisLen * inner;
  rt.threads('scatter_add', {}, { t0: 0, n, axisLen, inner, nIdx }, [rt.whole('scatterAddAcc', dy), rt.whole('scatterAddAcc', idx), rt.whole('scatterAddAcc', dx)], n);
}

export function oneHot(rt: GpuRuntime, idx: Storage, out: Storage, n: number, depth: number, on: number, off: number): void {
  const total = n * depth;
  rt.threads('one_hot', {}, { t0: 0, n: total, depth, on, off }, [rt.whole('oneHot', idx), rt.whole('oneHot', out)], total);
}

function pad6(a: readonly number[], fill: number): number[] {
  return [...Array<number>(6 - a.length).fill(fill), ...a];
}

function rowStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) s[k] = s[k + 1]! * shape[k + 1]!;
  return s;
}

/** Index (with strides `st`) of the flat position i of a box of shape `shape` placed at `begin`. */
function boxIndex(shape: readonly number[], st: readonly number[], begin: readonly number[], i: number): number {
  let rem = i, idx = 0;
  for (let k = shape.length - 1; k >= 0; k--) {
    idx += ((rem % shape[k]!) + begin[k]!) * st[k]!;
    rem = Math.floor(rem / shape[k]!);
  }
  return idx;
}

function prod(a: readonly number[]): number {
  return a.reduce((x, y) => x * y, 1);
}
