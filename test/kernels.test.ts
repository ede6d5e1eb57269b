// Every op of the table (src/backend/op-table.ts KERNELS) that has a case in test/op-cases.ts
// KERNEL_CASES, on every backend under test: values against the float64 reference and, where the op
// is differentiable, autograd against central finite differences of that reference. (The unary and
// binary ops are run by test/elementwise.test.ts.) test/op-table.test.ts checks that the table and
// the cases agree, so an op cannot be added to a backend without a case here.
import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { backendsUnderTest, checkGrad, expectClose, randData, t, useBackend, weightedSumRef } from './harness.js';
import { KERNEL_CASES } from './op-cases.js';

describe.each(backendsUnderTest())('every kernel on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  for (const [id, c] of Object.entries(KERNEL_CASES)) {
    it(`${id}: matches its reference${c.grad ? ' and finite differences' : ''}`, async () => {
      const xs = c.inputs.map((i) => t(i.data, i.shape));
      const out = c.f(xs);
      const want = c.expected(c.inputs.map((i) => Float64Array.from(Float32Array.from(i.data))));
      const got = out instanceof Promise ? await out : await out.data();
      expectClose(got, want, c.atol ?? 1e-5, c.rtol ?? 1e-4, id);
      if (!(out instanceof Promise)) out.dispose();
      for (const x of xs) x.dispose();
      if (!c.grad) return;
      expect(out instanceof Promise, `${id}: a differentiable case returns a tensor`).toBe(false);
      const r = randData([want.length], 1234);
      await checkGrad((ts) => {
        const y = c.f(ts) as bw.Tensor;
        return bw.sum(bw.mul(bw.reshape(y, [y.size]), t(r, [y.size])));
      }, (as) => weightedSumRef(Float64Array.from(c.expected(as)), r), c.inputs, c.gradOpts);
    });
  }
});
