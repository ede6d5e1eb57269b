// The test cases of the op families that src/backend/op-table.ts gives codes to: one entry per op of
// the table, with the public function, its float64 reference and whether it has a gradient. The
// parity suites (test/elementwise.test.ts) run every entry on every backend under test, against the
// reference and by finite differences; test/op-table.test.ts fails when an op of the table has no
// entry here (no reference, parity test or gradient check).
import * as bw from '../src/index.js';
import type { Tensor } from '../src/index.js';
import type { BinaryOp, UnaryOp } from '../src/backend/op-table.js';
import { binaryRef as binaryRefs, unaryRef } from './reference/core.js';

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
