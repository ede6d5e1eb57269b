// Elementwise op family: fill, copy, casts, unary / unaryGrad, broadcasting binary, select and the fused
// optimizer updates. Shaders: fill, copy, cast, unary, unary_grad, binary, select, sgd, adam, adagrad
// (shaders/<name>.wgsl). One thread per element; chunks of the binding limit (rt.elementwise).
import type { BinaryOp, DType, Storage, UnaryGradOp, UnaryOp } from '../../backend.js';
import { fb, type GpuRuntime } from '../runtime.js';
import { BINARY_CODE, UNARY_CODE } from '../../op-table.js';

export const PROGRAMS = ['fill', 'copy', 'cast', 'unary', 'unary_grad', 'binary', 'select', 'sgd', 'adam', 'adagrad'];

const UNARY = UNARY_CODE, BINARY = BINARY_CODE;

export function fill(rt: GpuRuntime, out: Storage, n: number, value: number, dtype: DType): void {
  rt.elementwise('fill', {}, n, { bits: dtype === 'f32' ? fb(value) : value | 0 }, [out]);
}

export function copy(rt: GpuRuntime, src: Storage, srcOffset: number, dst: Storage, dstOffset: number, n: number): void {
  if (n <= 0) return;
  if (src === dst) {
    // One buffer cannot be bound read-only and writable in one launch: go through a temporary.
    const tmp = rt.alloc(4 * n);
    copy(rt, src, srcOffset, tmp, 0, n);
    copy(rt, tmp, 0, dst, dstOffset, n);
    rt.free(tmp);
    return;
  }
  for (let t0 = 0; t0 < n; t0 += rt.chunk) {
    const cnt = Math.min(rt.chunk, n - t0);
    const [sb, s0] = rt.span('copy', src, srcOffset + t0, srcOffset + t0 + cnt);
    const [db, d0] = rt.span('copy', dst, dstOffset + t0, dstOffset + t0 + cnt);
    rt.threads('copy', {}, { t0, n: cnt, sOff: srcOffset + t0 - s0, dOff: dstOffset + t0 - d0 }, [sb, db], cnt);
  }
}

export function castI32ToF32(rt: GpuRuntime, x: Storage, out: Storage, n: number): void { rt.elementwise('cast', { OP: 0 }, n, {}, [x, out]); }

export function castF32ToI32(rt: GpuRuntime, x: Storage, out: Storage, n: number): void { rt.elementwise('cast', { OP: 1 }, n, {}, [x, out]); }

export function unary(rt: GpuRuntime, op: UnaryOp, x: Storage, out: Storage, n: number, p0: number, p1: number): void {
  rt.elementwise('unary', { OP: UNARY[op] }, n, { p0, p1 }, [x, out]);
}

export function unaryGrad(rt: GpuRuntime, op: UnaryGradOp, x: Storage, y: Storage, dy: Storage, dx: Storage, n: number, p0: number, p1: number): void {
  rt.elementwise('unary_grad', { OP: UNARY[op] }, n, { p0, p1 }, [x, y, dy, dx]);
}

export function binary(rt: GpuRuntime, op: BinaryOp, a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], out: Storage, outShape: readonly number[]): void {
  const shape = pad6(outShape, 1), as = pad6(aStrides, 0), bs = pad6(bStrides, 0);
  const n = prod(shape);
  const index = (flat: number, st: number[]): number => {
    let rem = flat, i = 0;
    for (let k = 5; k >= 0; k--) { i += (rem % shape[k]!) * st[k]!; rem = Math.floor(rem / shape[k]!); }
    return i;
  };
  for (let t0 = 0; t0 < n; t0 += rt.chunk) {
    const cnt = Math.min(rt.chunk, n - t0);
    // Broadcast strides of row-major operands make the operand index non-decreasing in the output
    // index, so a chunk reads the operand range between its first and last elements.
    const [ab, a0] = rt.operand('binary', a, index(t0, as), index(t0 + cnt - 1, as));
    const [bb, b0] = rt.operand('binary', b, index(t0, bs), index(t0 + cnt - 1, bs));
    rt.threads('binary', { OP: BINARY[op] }, { t0, n: cnt, aBase: a0, bBase: b0, shape, aStrides: as, bStrides: bs }, [ab, bb, rt.win(out, t0, cnt)], cnt);
  }
}

export function select(rt: GpuRuntime, cond: Storage, a: Storage, b: Storage, out: Storage, n: number): void {
  rt.elementwise('select', {}, n, {}, [cond, a, b, out]);
}

export function sgdUpdate(rt: GpuRuntime, p: Storage, g: Storage, v: Storage, n: number, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void {
  rt.elementwise('sgd', {}, n, { lr, momentum, weightDecay, nesterov: nesterov ? 1 : 0 }, [p, g, v]);
}

export function adamUpdate(rt: GpuRuntime, p: Storage, g: Storage, m: Storage, v: Storage, n: number, lrT: number, beta1: number, beta2: number, epsT: number, weightDecay: number, decoupledLr: number): void {
  rt.elementwise('adam', {}, n, { lrT, beta1, beta2, epsT, weightDecay, decoupledLr }, [p, g, m, v]);
}

export function adagradUpdate(rt: GpuRuntime, p: Storage, g: Storage, acc: Storage, n: number, lr: number, eps: number, weightDecay: number): void {
  rt.elementwise('adagrad', {}, n, { lr, eps, weightDecay }, [p, g, acc]);
}

function pad6(a: readonly number[], fill: number): number[] {
  return [...Array<number>(6 - a.length).fill(fill), ...a];
}

function prod(a: readonly number[]): number {
  return a.reduce((x, y) => x * y, 1);
}
