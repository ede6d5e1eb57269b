// step, sign and softmax on every backend: values against the float64 reference (awkward sizes,
// exact zeros, signed zeros, huge magnitudes), the zero gradient of the piecewise-constant maps, and
// softmax on general rows (not probabilities: any offsets, one class, many classes), WebGPU against wasm.
import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { backendsUnderTest, checkGrad, expectClose, randData, t, useBackend, weightedSumRef } from './harness.js';
import { unaryRef } from './reference/core.js';
import { softmaxRef } from './reference/kernels.js';

/** Logits with per-row offsets from -60 to +60 and spreads from 0.01 to 30: rows that are nothing like probabilities. */
function generalRows(rows: number, classes: number, seed: number): Float64Array {
  const base = randData([rows, classes], seed);
  return base.map((v, i) => {
    const r = Math.floor(i / classes);
    const offset = -60 + (120 * r) / Math.max(1, rows - 1), spread = [0.01, 1, 30][r % 3]!;
    return offset + spread * v;
  });
}

const rowShapes: [number, number][] = [[1, 1], [5, 1], [7, 3], [4, 10], [9, 17], [3, 257]];

describe.each(backendsUnderTest())('step, sign and softmax on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  for (const name of ['step', 'sign'] as const) {
    it(`${name}: matches the reference at zero, signed zero, tiny, huge and ordinary values; zero gradient`, async () => {
      const special = [0, -0, 1e-30, -1e-30, 1e30, -1e30, 3, -3, 0.5, -0.5, 1, -1, 7];
      const data = Float64Array.from([...special, ...randData([2, 3, 5], 4)]);
      const x = t(data, [data.length]);
      const y = bw[name](x);
      const expected = data.map((v) => unaryRef[name]!(v, 0, 0) + 0); // + 0: sign(-0) is 0 in f32 comparisons
      expectClose(await y.data(), expected, 0, 0, name);
      x.dispose(); y.dispose();
      // Away from the jump the reference is flat: the gradient must be exactly what autograd gives (zero).
      const away = randData([3, 7], 9).map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v));
      const r = randData([3, 7], 10);
      await checkGrad(([a]) => bw.sum(bw.mul(bw.add(bw[name](a!), a!), t(r, [3, 7]))),
        ([a]) => weightedSumRef(a!.map((v) => unaryRef[name]!(v, 0, 0) + v), r), [{ data: away, shape: [3, 7] }]);
    });
  }

  it('softmax: general rows (any offset and spread, 1 to 257 classes) match the reference and sum to 1', async () => {
    for (const [k, [rows, classes]] of rowShapes.entries()) {
      const data = generalRows(rows, classes, 20 + k);
      const x = t(data, [rows, classes]);
      const y = bw.softmax(x);
      const got = await y.data();
      expectClose(got, softmaxRef(data, classes), 1e-6, 1e-5, `softmax ${rows} x ${classes}`);
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let j = 0; j < classes; j++) s += got[r * classes + j]!;
        expect(Math.abs(s - 1), `row ${r} of ${rows} x ${classes} sums to ${s}`).toBeLessThan(1e-5);
      }
      x.dispose(); y.dispose();
    }
    // Rank 3: rows are every position of the leading axes.
    const data = generalRows(6, 5, 40);
    const y = bw.softmax(t(data, [2, 3, 5]));
    expect(y.shape).toEqual([2, 3, 5]);
    expectClose(await y.data(), softmaxRef(data, 5), 1e-6, 1e-5, 'softmax rank 3');
  });
});

const both = backendsUnderTest().includes('webgpu') && backendsUnderTest().includes('wasm');
describe.skipIf(!both)('softmax, step and sign: WebGPU against wasm', () => {
  it('the same inputs give the same outputs (softmax to 1e-6, step and sign exactly)', async () => {
    const inputs = rowShapes.map(([rows, classes], k) => ({ rows, classes, data: generalRows(rows, classes, 60 + k) }));
    const run = async () => {
      const out: Float32Array[] = [];
      for (const { rows, classes, data } of inputs) {
        const x = t(data, [rows, classes]);
        for (const y of [bw.softmax(x), bw.step(x), bw.sign(x)]) { out.push((await y.data()) as Float32Array); y.dispose(); }
        x.dispose();
      }
      return out;
    };
    await useBackend('wasm');
    const ref = await run();
    await useBackend('webgpu');
    const gpu = await run();
    for (const [i, g] of gpu.entries()) {
      if (i % 3 === 0) expectClose(g, ref[i]!, 1e-6, 1e-5, `softmax ${i / 3}`);
      else expect(Array.from(g), `${i % 3 === 1 ? 'step' : 'sign'} ${Math.floor(i / 3)}`).toEqual(Array.from(ref[i]!));
    }
  });
});
