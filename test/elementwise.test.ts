import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { backendsUnderTest, checkGrad, expectClose, randData, t, useBackend, weightedSumRef } from './harness.js';
import { binaryBroadcastRef, unaryRef } from './reference/core.js';

type UnaryCase = { name: string; f: (x: Tensor) => Tensor; ref: (v: number) => number; lo?: number; hi?: number };
const unaryCases: UnaryCase[] = [
  { name: 'neg', f: bw.neg, ref: (v) => unaryRef.neg!(v, 0, 0) },
  { name: 'abs', f: bw.abs, ref: (v) => Math.abs(v) },
  { name: 'exp', f: bw.exp, ref: Math.exp },
  { name: 'log', f: bw.log, ref: Math.log, lo: 0.2, hi: 3 },
  { name: 'sqrt', f: bw.sqrt, ref: Math.sqrt, lo: 0.2, hi: 3 },
  { name: 'square', f: bw.square, ref: (v) => v * v },
  { name: 'relu', f: bw.relu, ref: (v) => Math.max(v, 0) },
  { name: 'leakyRelu', f: (x) => bw.leakyRelu(x, 0.2), ref: (v) => (v > 0 ? v : 0.2 * v) },
  { name: 'sigmoid', f: bw.sigmoid, ref: (v) => 1 / (1 + Math.exp(-v)), lo: -6, hi: 6 },
  { name: 'tanh', f: bw.tanh, ref: Math.tanh, lo: -3, hi: 3 },
  { name: 'softplus', f: bw.softplus, ref: (v) => Math.log1p(Math.exp(v)), lo: -6, hi: 6 },
  { name: 'reciprocal', f: bw.reciprocal, ref: (v) => 1 / v, lo: 0.5, hi: 2 },
  { name: 'powScalar', f: (x) => bw.powScalar(x, 1.7), ref: (v) => v ** 1.7, lo: 0.2, hi: 2 },
  { name: 'affine', f: (x) => bw.affine(x, -1.5, 0.25), ref: (v) => -1.5 * v + 0.25 },
  { name: 'clamp', f: (x) => bw.clamp(x, -0.5, 0.3), ref: (v) => Math.min(Math.max(v, -0.5), 0.3) },
];

// Awkward sizes: not multiples of 4, size-1 axes, batch > 1.
const shapes = [[1], [7], [2, 3, 5], [3, 1, 4, 1, 6]];

describe.each(backendsUnderTest())('elementwise on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  for (const c of unaryCases) {
    it(`${c.name}: matches the reference and finite differences`, async () => {
      for (const [k, shape] of shapes.entries()) {
        // Keep kinks (relu, abs, clamp) away from the finite-difference probes.
        const data = randData(shape, 11 + k, c.lo ?? -2, c.hi ?? 2).map((v) => (Math.abs(v) < 0.02 ? v + 0.05 : v));
        const x = t(data, shape);
        const y = c.f(x);
        expect(y.shape).toEqual(shape);
        expectClose((await y.data()), data.map(c.ref), 1e-5, 2e-5, c.name);
        x.dispose(); y.dispose();
        const r = randData(shape, 99);
        await checkGrad(([a]) => bw.sum(bw.mul(c.f(a!), t(r, shape))), ([a]) => weightedSumRef(a!.map(c.ref), r), [{ data, shape }]);
      }
    });
  }

  const binaries: [string, (a: Tensor, b: Tensor) => Tensor, boolean][] = [
    ['add', bw.add, true], ['sub', bw.sub, true], ['mul', bw.mul, true], ['div', bw.div, true],
    ['maximum', bw.maximum, true], ['minimum', bw.minimum, true], ['greater', bw.greater, false], ['equal', bw.equal, false],
  ];
  const pairs: [number[], number[]][] = [
    [[5], [5]], [[2, 3, 5], [5]], [[2, 3, 5], [3, 1]], [[4, 1, 3], [1, 6, 1]], [[1], [2, 7]], [[2, 1, 3, 1, 5], [2, 4, 1, 3, 5]],
  ];
  for (const [name, f, differentiable] of binaries) {
    it(`${name}: broadcasting matches the reference${differentiable ? ' and finite differences' : ''}`, async () => {
      for (const [k, [sa, sb]] of pairs.entries()) {
        const a = randData(sa, 3 + k), b = randData(sb, 50 + k).map((v) => (name === 'div' ? v + Math.sign(v || 1) * 0.5 : v));
        const ref = binaryBroadcastRef(binaryRef(name), a, sa, b, sb);
        const ta = t(a, sa), tb = t(b, sb);
        const y = f(ta, tb);
        expect(y.shape).toEqual(ref.shape);
        expectClose((await y.data()), ref.y, 1e-6, 1e-5, name);
        bw.tidy(() => { ta.dispose(); tb.dispose(); y.dispose(); });
        if (!differentiable) continue;
        const r = randData(ref.shape, 7);
        await checkGrad(([x, z]) => bw.sum(bw.mul(f(x!, z!), t(r, ref.shape))),
          ([x, z]) => weightedSumRef(binaryBroadcastRef(binaryRef(name), x!, sa, z!, sb).y, r),
          [{ data: a, shape: sa }, { data: b, shape: sb }]);
      }
    });
  }

  it('pow(a, b) with tensors: values and gradients', async () => {
    const a = randData([2, 3], 1, 0.5, 2), b = randData([3], 2, -1, 2);
    const r = randData([2, 3], 3);
    await checkGrad(([x, y]) => bw.sum(bw.mul(bw.pow(x!, y!), t(r, [2, 3]))),
      ([x, y]) => weightedSumRef(binaryBroadcastRef((p, q) => p ** q, x!, [2, 3], y!, [3]).y, r),
      [{ data: a, shape: [2, 3] }, { data: b, shape: [3] }]);
  });

  it('where selects and routes gradients', async () => {
    const cond = t([1, 0, 1, 0, 0], [5]);
    const a = randData([5], 4), b = randData([5], 5);
    await checkGrad(([x, y]) => bw.sum(bw.mul(bw.where(cond, x!, y!), t([1, 2, 3, 4, 5], [5]))),
      ([x, y]) => [0, 1, 2, 3, 4].reduce((s, i) => s + (i + 1) * ([1, 0, 1, 0, 0][i] ? x![i]! : y![i]!), 0),
      [{ data: a, shape: [5] }, { data: b, shape: [5] }]);
    cond.dispose();
  });

  it('rejects mismatched shapes and dtypes with the op name and shapes', async () => {
    const a = t(randData([2, 3], 1), [2, 3]), b = t(randData([4], 1), [4]);
    expect(() => bw.add(a, b)).toThrow(/add: shapes \[2, 3\] and \[4\] do not broadcast/);
    const i = bw.tensor(new Int32Array([1, 2, 3]), [3]);
    expect(() => bw.exp(i)).toThrow(/exp: x must be f32, got i32 \[3\]/);
    expect(() => bw.clamp(a, 1, 0)).toThrow(/clamp: lo/);
    a.dispose(); b.dispose(); i.dispose();
  });
});

function binaryRef(name: string): (a: number, b: number) => number {
  return {
    add: (a: number, b: number) => a + b, sub: (a: number, b: number) => a - b, mul: (a: number, b: number) => a * b,
    div: (a: number, b: number) => a / b, maximum: Math.max, minimum: Math.min,
    greater: (a: number, b: number) => (a > b ? 1 : 0), equal: (a: number, b: number) => (a === b ? 1 : 0),
  }[name]!;
}
