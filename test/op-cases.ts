// The test cases of the op families that src/backend/op-table.ts gives codes to: one entry per op of
// the table, with the public function, its float64 reference and whether it has a gradient. The
// parity suites (test/elementwise.test.ts) run every entry on every backend under test, against the
// reference and by finite differences; test/op-table.test.ts fails when an op of the table has no
// entry here (no reference, parity test or gradient check).
import * as bw from '../src/index.js';
import type { Tensor } from '../src/index.js';
import type { BinaryOp, UnaryOp } from '../src/backend/op-table.js';
import { binaryRef as binaryRefs, concatRef, matmulRef, reduceRef, sliceRef, softmaxCrossEntropyRef, transposeRef, unaryRef } from './reference/core.js';
import { conv3dRef } from './reference/conv.js';
import { poolRef, upsampleRef } from './reference/pool.js';
import { boxSumRef, warpNearestRef, warpRef } from './reference/warp.js';
import {
  adagradRef, adamRef, argmaxRef, castF32ToI32Ref, castI32ToF32Ref, copyRef, dotRef, fillRef, dropoutMaskRef, gatherRef, labelCountsRef, oneHotRef,
  randomNormalRef, randomUniformRef, selectRef, sgdRef, softmaxRef,
} from './reference/kernels.js';
import { randData, t, type GradInput } from './harness.js';

export interface UnaryCase { name: string; f: (x: Tensor) => Tensor; ref: (v: number) => number; grad: boolean; lo?: number; hi?: number }
export interface BinaryCase { name: string; f: (a: Tensor, b: Tensor) => Tensor; ref: (a: number, b: number) => number; grad: boolean; lo?: number; hi?: number }

const u = (op: UnaryOp, p0 = 0, p1 = 0) => (v: number) => unaryRef[op]!(v, p0, p1);

export const UNARY_CASES: Record<UnaryOp, UnaryCase> = {
  neg: { name: 'neg', f: bw.neg, ref: u('neg'), grad: true },
  abs: { name: 'abs', f: bw.abs, ref: u('abs'), grad: true },
  exp: { name: 'exp', f: bw.exp, ref: u('exp'), grad: true },
  log: { name: 'log', f: bw.log, ref: u('log'), grad: true, lo: 0.2, hi: 3 },
  sqrt: { name: 'sqrt', f: bw.sqrt, ref: u('sqrt'), grad: true, lo: 0.2, hi: 3 },
  square: { name: 'square', f: bw.square, ref: u('square'), grad: true },
  relu: { name: 'relu', f: bw.relu, ref: u('relu'), grad: true },
  leakyRelu: { name: 'leakyRelu', f: (x) => bw.leakyRelu(x, 0.2), ref: u('leakyRelu', 0.2), grad: true },
  sigmoid: { name: 'sigmoid', f: bw.sigmoid, ref: u('sigmoid'), grad: true, lo: -6, hi: 6 },
  tanh: { name: 'tanh', f: bw.tanh, ref: u('tanh'), grad: true, lo: -3, hi: 3 },
  softplus: { name: 'softplus', f: bw.softplus, ref: u('softplus'), grad: true, lo: -6, hi: 6 },
  reciprocal: { name: 'reciprocal', f: bw.reciprocal, ref: u('reciprocal'), grad: true, lo: 0.5, hi: 2 },
  pow: { name: 'powScalar', f: (x) => bw.powScalar(x, 1.7), ref: u('pow', 1.7), grad: true, lo: 0.2, hi: 2 },
  affine: { name: 'affine', f: (x) => bw.affine(x, -1.5, 0.25), ref: u('affine', -1.5, 0.25), grad: true },
  clamp: { name: 'clamp', f: (x) => bw.clamp(x, -0.5, 0.3), ref: u('clamp', -0.5, 0.3), grad: true },
  // Piecewise constant: no derivative kernel, autograd gives zero, which the finite differences of
  // the reference (probed away from the jump) confirm.
  step: { name: 'step', f: bw.step, ref: u('step'), grad: true },
  sign: { name: 'sign', f: bw.sign, ref: u('sign'), grad: true },
};

export const BINARY_CASES: Record<BinaryOp, BinaryCase> = {
  add: { name: 'add', f: bw.add, ref: binaryRefs.add!, grad: true },
  sub: { name: 'sub', f: bw.sub, ref: binaryRefs.sub!, grad: true },
  mul: { name: 'mul', f: bw.mul, ref: binaryRefs.mul!, grad: true },
  div: { name: 'div', f: bw.div, ref: binaryRefs.div!, grad: true },
  max: { name: 'maximum', f: bw.maximum, ref: binaryRefs.maximum!, grad: true },
  min: { name: 'minimum', f: bw.minimum, ref: binaryRefs.minimum!, grad: true },
  pow: { name: 'pow', f: bw.pow, ref: binaryRefs.pow!, grad: true, lo: 0.5, hi: 2 },
  greater: { name: 'greater', f: bw.greater, ref: binaryRefs.greater!, grad: false },
  equal: { name: 'equal', f: bw.equal, ref: binaryRefs.equal!, grad: false },
};

// ---- every other op of the table (src/backend/op-table.ts KERNELS) -------------------------------
// One case per kernel (per variant for kernels that switch on an op or mode): inputs, the public op
// that reaches the kernel, the expected values from the kernel's float64 reference in
// test/reference/*, and whether autograd is checked against finite differences of that reference.
// test/kernels.test.ts runs every case on every backend under test; test/op-table.test.ts fails when
// the table and these cases disagree. Backward kernels have no case: the gradient check of the op
// they differentiate runs them.

export interface KernelCase {
  /** The float64 reference (a function of test/reference/*) the expected values come from. */
  ref: (...args: never[]) => unknown;
  /** f32 inputs (the gradient check differentiates with respect to each). */
  inputs: GradInput[];
  /** The public op on the inputs (integer inputs are made inside); a promise for ops read on the host. */
  f: (xs: Tensor[]) => Tensor | Promise<ArrayLike<number>>;
  /** The reference's values for the inputs. */
  expected: (xs: Float64Array[]) => ArrayLike<number>;
  /** Autograd checked against central differences of `expected` (weighted by a fixed random tensor). */
  grad: boolean;
  atol?: number;
  rtol?: number;
  gradOpts?: { eps?: number; atol?: number; rtol?: number; coords?: number };
}

const inp = (shape: number[], seed: number, lo = -1, hi = 1): GradInput => ({ data: randData(shape, seed, lo, hi), shape });
const i32 = (data: ArrayLike<number>, shape: number[]) => bw.tensor(Int32Array.from(data), shape, 'i32');
const X5: [number, number, number, number, number] = [2, 3, 4, 5, 2];
const LABELS = [0, 2, 1, 3, 3, 0, 2, 5, 1];
const IDX = [2, 0, 3, 3, 1];
const INTS = [-7, 0, 3, 2 ** 24, -(2 ** 20), 2 ** 24 + 1]; // the last rounds to 2^24 in f32

/** Runs `steps` updates of an optimizer on one parameter tensor and returns the parameter. */
function optimize(opt: bw.Optimizer, p0: Float64Array, grads: Float64Array[]): Tensor {
  const p = t(p0, [p0.length]);
  for (const g of grads) { const gt = t(g, [g.length]); opt.step([p], [gt]); gt.dispose(); }
  opt.dispose();
  return p;
}
const P0 = randData([29], 71), GS = [randData([29], 72), randData([29], 73), randData([29], 74)];

const flowOf = (shape: number[], seed: number) => randData([...shape.slice(0, 4), 3], seed, -1.7, 1.7)
  // keep sample points away from voxel boundaries, where the trilinear weights have kinks
  .map((v) => { const f = v - Math.floor(v); return f < 0.05 || f > 0.95 ? v + 0.1 : v; });

export const KERNEL_CASES: Record<string, KernelCase> = {
  fill: { ref: fillRef, inputs: [], f: () => bw.full([3, 7], -2.25), expected: () => fillRef(21, -2.25), grad: false },
  copy: { ref: copyRef, inputs: [inp([4, 6], 1)], f: ([x]) => bw.cast(x!, 'f32'), expected: ([x]) => copyRef(x!), grad: false, atol: 0, rtol: 0 },
  castI32ToF32: { ref: castI32ToF32Ref, inputs: [], f: () => bw.cast(i32(INTS, [6]), 'f32'), expected: () => castI32ToF32Ref(INTS), grad: false, atol: 0, rtol: 0 },
  castF32ToI32: {
    ref: castF32ToI32Ref, inputs: [{ data: Float64Array.from([-2.5, -1.5, -0.5, 0.5, 1.5, 2.49, 2.5, -3.7, 7.2, 1e6]), shape: [10] }],
    f: ([x]) => bw.cast(x!, 'i32'), expected: ([x]) => castF32ToI32Ref(Float32Array.from(x!)), grad: false, atol: 0, rtol: 0,
  },
  permute: {
    ref: transposeRef, inputs: [inp([2, 3, 4, 5], 2)], f: ([x]) => bw.transpose(x!, [2, 0, 3, 1]),
    expected: ([x]) => transposeRef(x!, [2, 3, 4, 5], [2, 0, 3, 1]), grad: true,
  },
  slice: {
    ref: sliceRef, inputs: [inp([3, 5, 4], 3)], f: ([x]) => bw.slice(x!, [1, 2, 0], [2, 3, 3]),
    expected: ([x]) => sliceRef(x!, [3, 5, 4], [1, 2, 0], [2, 3, 3]), grad: true,
  },
  // paste: pad writes x into a zeroed larger tensor (and concat pastes each part).
  paste: {
    ref: concatRef, inputs: [inp([2, 3, 2], 4), inp([2, 3, 3], 5)], f: ([a, b]) => bw.concat([bw.pad(a!, [[0, 0], [0, 0], [0, 0]]), b!], 2),
    expected: ([a, b]) => concatRef([{ data: a!, shape: [2, 3, 2] }, { data: b!, shape: [2, 3, 3] }], 2).y, grad: true,
  },
  gather: {
    ref: gatherRef, inputs: [inp([3, 4, 5], 6)], f: ([x]) => bw.gather(x!, i32(IDX, [5]), 1),
    expected: ([x]) => gatherRef(x!, 3, 4, 5, IDX), grad: true, // the gradient runs scatterAddAcc (index 3 repeats: it accumulates)
  },
  oneHot: { ref: oneHotRef, inputs: [], f: () => bw.oneHot(i32([...LABELS, -1, 9], [11]), 6, 0.9, -0.1), expected: () => oneHotRef([...LABELS, -1, 9], 6, 0.9, -0.1), grad: false },
  select: {
    ref: selectRef, inputs: [inp([9], 7), inp([9], 8)], f: ([a, b]) => bw.where(t([1, 0, 0, 1, 1, 0, 1, 0, 1], [9]), a!, b!),
    expected: ([a, b]) => selectRef([1, 0, 0, 1, 1, 0, 1, 0, 1], a!, b!), grad: true,
  },
  ...Object.fromEntries((['sum', 'max', 'min'] as const).map((op, k) => [`reduce.${op}`, {
    ref: reduceRef, inputs: [inp([3, 5, 4], 9 + k)], f: ([x]: Tensor[]) => bw[op](x!, 1),
    expected: ([x]: Float64Array[]) => reduceRef(op, x!, [3, 5, 4], [1]).y, grad: true,
  } satisfies KernelCase])),
  argmax: {
    ref: argmaxRef, inputs: [inp([6, 7], 12)], f: ([x]) => bw.argmax(x!), expected: ([x]) => argmaxRef(x!, 6, 7), grad: false, atol: 0, rtol: 0,
  },
  dotAcc: {
    ref: dotRef, inputs: [inp([5, 3], 13), inp([7], 14), inp([5, 3], 15), inp([7], 16)],
    f: ([a, b, c, d]) => bw.gradDot([a!, b!], [c!, d!]), expected: ([a, b, c, d]) => [dotRef([a!, b!], [c!, d!])], grad: false,
  },
  matmul: {
    ref: matmulRef, inputs: [inp([5, 6], 17), inp([6, 7], 18)], f: ([a, b]) => bw.matmul(a!, b!),
    expected: ([a, b]) => matmulRef(a!, b!, 5, 6, 7), grad: true, gradOpts: { coords: 15 },
  },
  conv3d: {
    ref: conv3dRef, inputs: [inp([1, 3, 5, 4, 2], 19), inp([3, 3, 3, 2, 3], 20, -0.5, 0.5), inp([3], 21)],
    f: ([x, w, b]) => bw.conv3d(x!, w!, b!, { stride: [1, 2, 1], padding: 'same' }),
    expected: ([x, w, b]) => conv3dRef(x!, [1, 3, 5, 4, 2], w!, [3, 3, 3, 2, 3], b!, [1, 2, 1], 'same').y,
    grad: true, gradOpts: { coords: 20, rtol: 3e-3, atol: 5e-4 },
  },
  ...Object.fromEntries((['max', 'avg'] as const).map((op, k) => [`pool.${op}`, {
    ref: poolRef, inputs: [inp(X5, 22 + k)], f: ([x]: Tensor[]) => (op === 'max' ? bw.maxPool : bw.avgPool)(x!, [1, 2, 2]),
    expected: ([x]: Float64Array[]) => poolRef(op, x!, X5, [1, 2, 2]).y, grad: true,
  } satisfies KernelCase])),
  ...Object.fromEntries((['nearest', 'linear'] as const).map((mode, k) => [`upsample.${mode}`, {
    ref: upsampleRef, inputs: [inp([1, 2, 3, 2, 2], 24 + k)], f: ([x]: Tensor[]) => bw.upsample(x!, mode, [2, 2, 2]),
    expected: ([x]: Float64Array[]) => upsampleRef(mode, x!, [1, 2, 3, 2, 2], [2, 2, 2]).y, grad: true,
  } satisfies KernelCase])),
  warp: {
    ref: warpRef, inputs: [inp([1, 3, 4, 5, 2], 26), { data: flowOf([1, 3, 4, 5], 27), shape: [1, 3, 4, 5, 3] }],
    f: ([x, fl]) => bw.warp(x!, fl!), expected: ([x, fl]) => warpRef(x!, [1, 3, 4, 5, 2], fl!),
    grad: true, gradOpts: { coords: 30, rtol: 5e-3, atol: 5e-4 },
  },
  warpNearest: {
    ref: warpNearestRef, inputs: [{ data: flowOf([1, 3, 4, 5], 28), shape: [1, 3, 4, 5, 3] }],
    f: ([fl]) => bw.warpNearest(i32(Array.from({ length: 60 }, (_, i) => (i * 7) % 11), [1, 3, 4, 5, 1]), fl!, -1),
    expected: ([fl]) => warpNearestRef(Int32Array.from({ length: 60 }, (_, i) => (i * 7) % 11), [1, 3, 4, 5, 1], fl!, -1), grad: false, atol: 0, rtol: 0,
  },
  boxSum: {
    ref: boxSumRef, inputs: [inp(X5, 29)], f: ([x]) => bw.boxSum(x!, [1, 2, 1]), expected: ([x]) => boxSumRef(x!, X5, [1, 2, 1]), grad: true,
  },
  softmaxCrossEntropy: {
    ref: softmaxCrossEntropyRef, inputs: [inp([9, 6], 30, -3, 3)], f: ([x]) => bw.softmaxCrossEntropy(x!, i32(LABELS, [9])),
    expected: ([x]) => [softmaxCrossEntropyRef(x!, LABELS, 6)], grad: true,
  },
  // Rows that are not probabilities: offsets from -40 to 40, spreads up to 20.
  softmax: {
    ref: softmaxRef, inputs: [{ data: randData([5, 7], 31).map((v, i) => -40 + 20 * Math.floor(i / 7) + [0.1, 3, 20][Math.floor(i / 7) % 3]! * v), shape: [5, 7] }],
    f: ([x]) => bw.softmax(x!), expected: ([x]) => softmaxRef(x!, 7), grad: false, atol: 1e-6, rtol: 1e-5,
  },
  // Hard Dice per label from the counts the kernel accumulates (diceScores reads them on the host).
  labelCountsAcc: {
    ref: labelCountsRef, inputs: [],
    f: async () => [...(await bw.diceScores(i32(LABELS, [3, 3]), i32([...LABELS].reverse(), [3, 3]), [0, 1, 2, 3, 5])).values()],
    expected: () => {
      const c = labelCountsRef(LABELS, [...LABELS].reverse(), 6);
      return [0, 1, 2, 3, 5].map((l) => (2 * c[3 * l]!) / (c[3 * l + 1]! + c[3 * l + 2]!));
    },
    grad: false,
  },
  randomUniform: { ref: randomUniformRef, inputs: [], f: () => bw.randomUniform([1001], new bw.Rng(12345), -2, 3), expected: () => randomUniformRef(1001, 12345, 0, -2, 3), grad: false, atol: 1e-6, rtol: 1e-6 },
  randomNormal: { ref: randomNormalRef, inputs: [], f: () => bw.randomNormal([999], new bw.Rng(77), 1.5, 2), expected: () => randomNormalRef(999, 77, 0, 1.5, 2), grad: false, atol: 2e-5, rtol: 1e-5 },
  dropoutMask: { ref: dropoutMaskRef, inputs: [], f: () => bw.dropout(bw.ones([777]), 0.3, new bw.Rng(9)), expected: () => dropoutMaskRef(777, 0.7, 9, 0), grad: false, atol: 1e-6, rtol: 1e-6 },
  sgdUpdate: {
    ref: sgdRef, inputs: [], f: () => optimize(new bw.SGD({ lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true }), P0, GS),
    expected: () => sgdRef(P0, GS, { lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true }), grad: false,
  },
  adamUpdate: {
    ref: adamRef, inputs: [], f: () => optimize(new bw.Adam({ lr: 0.01, weightDecay: 0.1, decoupledWeightDecay: true }), P0, GS),
    expected: () => adamRef(P0, GS, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true }), grad: false, rtol: 1e-4,
  },
  adagradUpdate: {
    ref: adagradRef, inputs: [], f: () => optimize(new bw.AdaGrad({ lr: 0.1, weightDecay: 0.05 }), P0, GS),
    expected: () => adagradRef(P0, GS, { lr: 0.1, eps: 1e-10, weightDecay: 0.05 }), grad: false, rtol: 1e-4,
  },
};
