import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { backendsUnderTest, checkGrad, expectClose, randData, randInts, t, useBackend, weightedSumRef } from './harness.js';
import { concatRef, reduceRef, sliceRef, transposeRef } from './reference/core.js';

describe.each(backendsUnderTest())('reductions and shape ops on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  const cases: [number[], number[]][] = [
    [[7], [0]], [[2, 3, 5], [1]], [[2, 3, 5], [0, 2]], [[3, 1, 4, 1, 6], [2, 4]], [[2, 3, 5], [0, 1, 2]], [[4, 9], [1]], [[1, 1, 5], [0, 1]],
  ];
  for (const op of ['sum', 'mean', 'max', 'min'] as const) {
    it(`${op} over axes matches the reference and finite differences`, async () => {
      for (const [k, [shape, axes]] of cases.entries()) {
        const x = randData(shape, 20 + k);
        const ref = reduceRef(op, x, shape, axes);
        const tx = t(x, shape);
        const y = bw[op](tx, axes, { keepDims: true });
        expect(y.shape).toEqual(ref.shape);
        expectClose((await y.data()), ref.y, 1e-5, 1e-5, `${op} ${shape} over ${axes}`);
        const y2 = bw[op](tx, axes);
        expect(y2.shape).toEqual(shape.filter((_, i) => !axes.includes(i)));
        tx.dispose(); y.dispose(); y2.dispose();
        const r = randData(ref.shape, 5);
        await checkGrad(([a]) => bw.sum(bw.mul(bw[op](a!, axes, { keepDims: true }), t(r, ref.shape))),
          ([a]) => weightedSumRef(reduceRef(op, a!, shape, axes).y, r), [{ data: x, shape }]);
      }
    });
  }

  it('sum of a long vector is accurate (f64 accumulation)', async () => {
    const n = 1_000_003;
    const x = bw.full([n], 0.1);
    const s = bw.sum(x);
    expect(Math.abs((await s.data())[0]! - n * Math.fround(0.1))).toBeLessThan(1);
    x.dispose(); s.dispose();
  });

  it('argmax picks the first maximum per row', async () => {
    const x = t([1, 3, 3, 0, -1, -2, 5, 5, 5], [3, 3]);
    const a = bw.argmax(x);
    expect(Array.from(await a.data())).toEqual([1, 0, 0]);
    x.dispose(); a.dispose();
  });

  it('reshape shares storage and differentiates', async () => {
    const x = randData([2, 6], 1);
    const r = randData([3, 4], 2);
    await checkGrad(([a]) => bw.sum(bw.mul(bw.reshape(a!, [3, -1]), t(r, [3, 4]))), ([a]) => weightedSumRef(a!, r), [{ data: x, shape: [2, 6] }]);
    const tx = t(x, [2, 6]);
    expect(() => bw.reshape(tx, [5, -1])).toThrow(/reshape: cannot reshape \[2, 6\] \(12 elements\) to \[5, -1\]/);
    tx.dispose();
  });

  it('transpose matches the reference for every rank up to 6', async () => {
    const perms: [number[], number[]][] = [[[3, 5], [1, 0]], [[2, 3, 4], [2, 0, 1]], [[2, 1, 3, 5], [3, 1, 0, 2]], [[2, 3, 1, 2, 3], [4, 0, 3, 2, 1]], [[2, 1, 2, 3, 1, 2], [5, 4, 3, 2, 1, 0]]];
    for (const [k, [shape, perm]] of perms.entries()) {
      const x = randData(shape, 30 + k);
      const r = randData(perm.map((p) => shape[p]!), 3);
      await checkGrad(([a]) => bw.sum(bw.mul(bw.transpose(a!, perm), t(r, perm.map((p) => shape[p]!)))),
        ([a]) => weightedSumRef(transposeRef(a!, shape, perm), r), [{ data: x, shape }]);
    }
  });

  it('slice and pad are adjoint-consistent with the reference', async () => {
    const shape = [2, 5, 3, 7];
    const begin = [1, 1, 0, 2], size = [1, 3, 3, 4];
    const x = randData(shape, 8);
    const r = randData(size, 9);
    await checkGrad(([a]) => bw.sum(bw.mul(bw.slice(a!, begin, size), t(r, size))), ([a]) => weightedSumRef(sliceRef(a!, shape, begin, size), r), [{ data: x, shape }]);
    const small = randData([2, 3], 10);
    const rp = randData([5, 4], 11);
    await checkGrad(([a]) => bw.sum(bw.mul(bw.pad(a!, [[1, 2], [0, 1]]), t(rp, [5, 4]))),
      ([a]) => { let s = 0; for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) s += a![i * 3 + j]! * rp[(i + 1) * 4 + j]!; return s; },
      [{ data: small, shape: [2, 3] }]);
    const tx = t(x, shape);
    expect(() => bw.slice(tx, [0, 4, 0, 0], [1, 3, 3, 4])).toThrow(/slice: window begin \[0, 4, 0, 0\] size \[1, 3, 3, 4\] does not fit in \[2, 5, 3, 7\] \(axis 1\)/);
    tx.dispose();
  });

  it('concat along channels and other axes', async () => {
    for (const axis of [0, 2, 3]) {
      const shapes = [[2, 3, 1, 5], [2, 3, 1, 5], [2, 3, 1, 5]].map((s, i) => s.map((v, k) => (k === axis ? v + i : v)));
      const xs = shapes.map((s, i) => ({ data: randData(s, 40 + i), shape: s }));
      const ref = concatRef(xs, axis);
      const r = randData(ref.shape, 1);
      await checkGrad((ts) => bw.sum(bw.mul(bw.concat(ts, axis), t(r, ref.shape))), (as) => weightedSumRef(concatRef(as.map((d, i) => ({ data: d, shape: shapes[i]! })), axis).y, r), xs);
    }
    const a = t(randData([2, 3], 1), [2, 3]), b = t(randData([3, 3], 1), [3, 3]);
    expect(() => bw.concat([a, b], -1)).toThrow(/concat: all inputs must match except on axis 1/);
    a.dispose(); b.dispose();
  });

  it('gather along an axis and its scatter-add gradient', async () => {
    const shape = [4, 3, 2];
    const x = randData(shape, 3);
    const idx = bw.tensor(new Int32Array([2, 0, 2]), [3]);
    const r = randData([4, 3, 2], 4);
    await checkGrad(([a]) => bw.sum(bw.mul(bw.gather(a!, idx, 1), t(r, [4, 3, 2]))), ([a]) => {
      let s = 0;
      for (let o = 0; o < 4; o++) [2, 0, 2].forEach((j, i) => { for (let k = 0; k < 2; k++) s += a![(o * 3 + j) * 2 + k]! * r[(o * 3 + i) * 2 + k]!; });
      return s;
    }, [{ data: x, shape }]);
    const bad = bw.tensor(new Int32Array([3]), [1]);
    const tx = t(x, shape);
    // Indices are bounds-checked where they are host-visible (wasm); elsewhere they are the caller's contract.
    if (bw.getBackend().readSync) expect(() => bw.gather(tx, bad, 1)).toThrow(/gather: index 3 is out of range \[0, 3\)/);
    bad.dispose(); idx.dispose(); tx.dispose();
  });

  it('oneHot and cast', async () => {
    const l = bw.tensor(randInts(10, 4, 1), [2, 5]);
    const oh = bw.oneHot(l, 4);
    expect(oh.shape).toEqual([2, 5, 4]);
    const lv = (await l.data()), ov = (await oh.data());
    for (let i = 0; i < 10; i++) for (let c = 0; c < 4; c++) expect(ov[i * 4 + c]).toBe(lv[i] === c ? 1 : 0);
    const f = bw.cast(l, 'f32');
    expect(Array.from(await f.data())).toEqual(Array.from(lv));
    const back = bw.cast(f, 'i32');
    expect(Array.from(await back.data())).toEqual(Array.from(lv));
    for (const q of [l, oh, f, back]) q.dispose();
  });
});
