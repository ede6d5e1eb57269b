import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { backendsUnderTest, checkGrad, expectClose, randData, t, useBackend, weightedSumRef } from './harness.js';
import { binaryBroadcastRef } from './reference/core.js';
import { BINARY_CASES, UNARY_CASES } from './op-cases.js';
import { getBackend } from '../src/tensor/engine.js';
import type { UnaryGradOp } from '../src/backend/op-table.js';

const unaryCases = Object.values(UNARY_CASES);

// Awkward sizes: not multiples of 4, size-1 axes, batch > 1.
const shapes = [[1], [7], [2, 3, 5], [3, 1, 4, 1, 6]];

describe.each(backendsUnderTest())('elementwise on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  for (const c of unaryCases) {
    it(`${c.name}: matches the reference${c.grad ? ' and finite differences' : ''}`, async () => {
      for (const [k, shape] of shapes.entries()) {
        // Keep kinks (relu, abs, clamp) away from the finite-difference probes.
        const data = randData(shape, 11 + k, c.lo ?? -2, c.hi ?? 2).map((v) => (Math.abs(v) < 0.02 ? v + 0.05 : v));
        const x = t(data, shape);
        const y = c.f(x);
        expect(y.shape).toEqual(shape);
        expectClose((await y.data()), data.map(c.ref), 1e-5, 2e-5, c.name);
        x.dispose(); y.dispose();
        const r = randData(shape, 99);
        if (c.grad) await checkGrad(([a]) => bw.sum(bw.mul(c.f(a!), t(r, shape))), ([a]) => weightedSumRef(a!.map(c.ref), r), [{ data, shape }]);
      }
    });
  }

  it('unaryGrad computes dy * derivative in f32 exactly as written (vector lanes and the tail alike; wasm bit-exact)', async () => {
    // 4 * 9 + 3 elements: SIMD lanes and a scalar tail. Values include 0, kinks and clamp bounds.
    const n = 39, f = Math.fround;
    const x = Float32Array.from(randData([n], 5, -2, 2)), dy = Float32Array.from(randData([n], 6, -3, 3));
    x[0] = 0; x[1] = -0.5; x[2] = 0.5; x[5] = -0; x[37] = 0.5;
    const p0 = 0.2, p1 = 0.5;
    const y = Float32Array.from(randData([n], 7, 0.05, 0.95));
    const d: Partial<Record<UnaryGradOp, (v: number, yv: number) => number>> = {
      neg: () => -1, square: (v) => f(2 * v), relu: (v) => (v > 0 ? 1 : 0), leakyRelu: (v) => (v > 0 ? 1 : f(p0)),
      clamp: (v) => (v >= f(p0) && v <= f(p1) ? 1 : 0), affine: () => f(p0), exp: (_, yv) => yv,
      sigmoid: (_, yv) => f(yv * f(1 - yv)), tanh: (_, yv) => f(1 - f(yv * yv)),
    };
    const be = getBackend();
    const put = (a: Float32Array) => { const s = be.alloc(4 * a.length); be.write(s, a); return s; };
    const sx = put(x), sy = put(y), sdy = put(dy), sdx = be.alloc(4 * n);
    try {
      for (const [op, der] of Object.entries(d) as [UnaryGradOp, (v: number, yv: number) => number][]) {
        be.unaryGrad(op, sx, sy, sdy, sdx, n, p0, p1);
        const got = await be.read(sdx, 'f32', n);
        const want = Array.from(x, (v, i) => f(dy[i]! * der(v, y[i]!)));
        if (backend === 'wasm') expect(Array.from(got), op).toEqual(want);
        else expectClose(got, want, 1e-6, 1e-6, op); // a GPU may fuse a multiply-add
      }
    } finally {
      for (const s of [sx, sy, sdy, sdx]) be.free(s);
    }
  });

  const pairs: [number[], number[]][] = [
    [[5], [5]], [[2, 3, 5], [5]], [[2, 3, 5], [3, 1]], [[4, 1, 3], [1, 6, 1]], [[1], [2, 7]], [[2, 1, 3, 1, 5], [2, 4, 1, 3, 5]],
  ];
  for (const { name, f, grad: differentiable, ref: op, lo, hi } of Object.values(BINARY_CASES)) {
    it(`${name}: broadcasting matches the reference${differentiable ? ' and finite differences' : ''}`, async () => {
      for (const [k, [sa, sb]] of pairs.entries()) {
        const a = randData(sa, 3 + k, lo ?? -1, hi ?? 1), b = randData(sb, 50 + k).map((v) => (name === 'div' ? v + Math.sign(v || 1) * 0.5 : v));
        const ref = binaryBroadcastRef(op, a, sa, b, sb);
        const ta = t(a, sa), tb = t(b, sb);
        const y = f(ta, tb);
        expect(y.shape).toEqual(ref.shape);
        expectClose((await y.data()), ref.y, 1e-6, 1e-5, name);
        bw.tidy(() => { ta.dispose(); tb.dispose(); y.dispose(); });
        if (!differentiable) continue;
        const r = randData(ref.shape, 7);
        await checkGrad(([x, z]) => bw.sum(bw.mul(f(x!, z!), t(r, ref.shape))),
          ([x, z]) => weightedSumRef(binaryBroadcastRef(op, x!, sa, z!, sb).y, r),
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
