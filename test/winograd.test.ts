// Winograd F(2x2, 3x3) and F(4x4, 3x3) convolutions of the wasm backend (assembly/winograd.ts):
// forward, input and weight gradients against float64 references (whole arrays) and finite differences,
// over borders, odd sizes, both paddings, depth slices, several chunks of tiles; the same bits on 1 and
// 2 threads; what conv 'auto' picks; BLENDWARP_CONV checked.
import { afterAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { parseConvAlgorithm } from '../src/backend/wasm/workers.js';
import { checkGrad, randData, t, weightedSumRef } from './harness.js';
import { conv3dRef, convPadding } from './reference/conv.js';

type Case = { x: [number, number, number, number, number]; cout: number; padding: 'same' | 'valid'; bias: boolean; kd?: number };
const cases: Case[] = [
  { x: [1, 1, 6, 6, 4], cout: 4, padding: 'same', bias: true },       // one plane, even sizes
  { x: [2, 1, 7, 9, 8], cout: 12, padding: 'same', bias: true },      // batch 2, odd sizes: half tiles on both axes
  { x: [1, 3, 5, 4, 8], cout: 4, padding: 'valid', bias: false },     // depth slices (kd = 1); valid: the input gradient runs with padding 2
  { x: [1, 1, 3, 3, 4], cout: 8, padding: 'valid', bias: true },      // a 1 x 1 output: one tile, three quarters outside
  { x: [2, 1, 40, 64, 64], cout: 16, padding: 'same', bias: true },   // several chunks of tile rows (1 MiB Winograd buffers)
  { x: [2, 5, 7, 9, 8], cout: 12, padding: 'same', bias: true, kd: 3 }, // 3D: in-plane Winograd summed over the depth taps
  { x: [1, 6, 9, 10, 4], cout: 8, padding: 'valid', bias: false, kd: 3 },
  { x: [1, 4, 6, 5, 4], cout: 4, padding: 'same', bias: true, kd: 5 },  // depth taps reaching past both ends
];

/** Float64 gradients of sum(r * conv(x, w)) for a [kd, 3, 3] kernel, stride 1: dx and dw. */
function gradsRef(x: Float64Array, xs: number[], w: Float64Array, kd: number, cout: number, r: Float64Array, padding: 'same' | 'valid') {
  const [n, d, h, wd, cin] = xs as [number, number, number, number, number];
  const D = convPadding(d, kd, 1, padding), H = convPadding(h, 3, 1, padding), W = convPadding(wd, 3, 1, padding);
  const dx = new Float64Array(x.length), dw = new Float64Array(w.length);
  for (let b = 0; b < n; b++) {
    for (let oz = 0; oz < D.out; oz++) {
      for (let oy = 0; oy < H.out; oy++) {
        for (let ox = 0; ox < W.out; ox++) {
          const ro = (((b * D.out + oz) * H.out + oy) * W.out + ox) * cout;
          for (let kz = 0; kz < kd; kz++) {
            const iz = oz + kz - D.before;
            if (iz < 0 || iz >= d) continue;
            for (let ky = 0; ky < 3; ky++) {
              const iy = oy + ky - H.before;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < 3; kx++) {
                const ix = ox + kx - W.before;
                if (ix < 0 || ix >= wd) continue;
                const xo = (((b * d + iz) * h + iy) * wd + ix) * cin, wo = ((kz * 3 + ky) * 3 + kx) * cin * cout;
                for (let ci = 0; ci < cin; ci++) {
                  for (let co = 0; co < cout; co++) {
                    dx[xo + ci]! += r[ro + co]! * w[wo + ci * cout + co]!;
                    dw[wo + ci * cout + co]! += r[ro + co]! * x[xo + ci]!;
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return { dx, dw };
}

/** max |got - want| <= tol * max |want|, with the worst index in the message. */
function expectScaled(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let scale = 0, worst = 0, at = -1;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!);
    if (!(e <= worst)) { worst = e; at = i; }
  }
  expect(worst / scale, `${what}: index ${at}: got ${got[at]}, expected ${want[at]} (largest |value| ${scale})`).toBeLessThanOrEqual(tol);
}

async function convAndGrads(c: Case, x: Float64Array, w: Float64Array, b: Float64Array, r: Float64Array, yShape: number[]) {
  const wShape = [c.kd ?? 1, 3, 3, c.x[4], c.cout];
  const tx = t(x, c.x), tw = t(w, wShape), tb = c.bias ? t(b, [c.cout]) : null, tr = t(r, yShape);
  const y = bw.conv3d(tx, tw, tb, { padding: c.padding });
  const { value, grads } = bw.valueAndGrads(() => bw.sum(bw.mul(bw.conv3d(tx, tw, tb, { padding: c.padding }), tr)), [tx, tw]);
  const out = { y: await y.data(), dx: await grads[0]!.data(), dw: await grads[1]!.data() };
  for (const q of [tx, tw, tb, tr, y, value, ...grads]) q?.dispose();
  return out;
}

describe('Winograd F(2x2, 3x3) convolutions (wasm)', () => {
  afterAll(async () => { await bw.setBackend('wasm'); });

  for (const [k, c] of cases.entries()) for (const tile of [2, 4] as const) {
    it(`F(${tile}x${tile}, 3x3), x ${JSON.stringify(c.x)} -> ${c.cout} channels, kernel depth ${c.kd ?? 1}, ${c.padding}: forward and both gradients against float64, finite differences`, async () => {
      await bw.setBackend('wasm', { wasm: { conv: 'winograd', winogradTile: tile, threads: 1 } });
      expect(bw.getBackend().info().conv).toBe('winograd');
      const kd = c.kd ?? 1;
      const wShape = [kd, 3, 3, c.x[4], c.cout];
      const x = randData(c.x, 100 + k), w = randData(wShape, 200 + k, -0.5, 0.5), b = randData([c.cout], 300 + k);
      const ref = conv3dRef(x, c.x, w, wShape, c.bias ? b : null, [1, 1, 1], c.padding);
      const r = randData(ref.shape, 400 + k);
      const got = await convAndGrads(c, x, w, b, r, ref.shape);
      // Error bounds relative to the largest output: Winograd's transforms mix values of different size,
      // so its error follows the scale of the whole tile, not of each output (F(4x4)'s coefficients up to
      // 8 make it ~10x F(2x2)'s; the direct kernel here is ~1e-7).
      const tol = tile === 2 ? 3e-6 : 3e-5;
      expectScaled(got.y, ref.y, tol, 'y');
      const g = gradsRef(x, c.x, w, kd, c.cout, r, c.padding);
      expectScaled(got.dx, g.dx, tol, 'dx');
      expectScaled(got.dw, g.dw, tol, 'dw');
      if (x.length <= 2000) {
        const inputs = [{ data: x, shape: c.x }, { data: w, shape: wShape }];
        await checkGrad((ts) => bw.sum(bw.mul(bw.conv3d(ts[0]!, ts[1]!, null, { padding: c.padding }), t(r, ref.shape))),
          (as) => weightedSumRef(conv3dRef(as[0]!, c.x, as[1]!, wShape, null, [1, 1, 1], c.padding).y, r),
          inputs, { coords: 20, rtol: 3e-3, atol: 5e-4 });
      }
    });
  }

  for (const tile of [2, 4] as const) it(`F(${tile}x${tile}, 3x3) gives the same bits on 1 and 2 threads (fixed chunks and slabs)`, async () => {
    const c = cases[4]!;
    const wShape = [1, 3, 3, c.x[4], c.cout];
    const x = randData(c.x, 1), w = randData(wShape, 2, -0.5, 0.5), b = randData([c.cout], 3);
    const r = randData([c.x[0], c.x[1], c.x[2], c.x[3], c.cout], 4);
    const runs = [];
    for (const threads of [1, 2]) {
      await bw.setBackend('wasm', { wasm: { conv: 'winograd', winogradTile: tile, threads } });
      runs.push(await convAndGrads(c, x, w, b, r, [c.x[0], c.x[1], c.x[2], c.x[3], c.cout]));
    }
    for (const key of ['y', 'dx', 'dw'] as const) expect(Array.from(runs[1]![key]), key).toEqual(Array.from(runs[0]![key]));
  });

  it('3D: several chunks of planes (halo planes transformed twice) give the direct kernel\'s outputs and gradients', async () => {
    // 64 x 64 planes of 64 channels, F(4x4): 2.4 MB of Winograd buffer per plane, 16 MB chunks of 5 output planes.
    const c: Case = { x: [1, 10, 64, 64, 64], cout: 64, padding: 'same', bias: true, kd: 3 };
    const wShape = [3, 3, 3, 64, 64];
    const x = randData(c.x, 7), w = randData(wShape, 8, -0.05, 0.05), b = randData([64], 9), r = randData([1, 10, 64, 64, 64], 10);
    await bw.setBackend('wasm', { wasm: { conv: 'direct', threads: 1 } });
    const want = await convAndGrads(c, x, w, b, r, [1, 10, 64, 64, 64]);
    await bw.setBackend('wasm', { wasm: { conv: 'winograd', winogradTile: 4, threads: 1 } });
    const got = await convAndGrads(c, x, w, b, r, [1, 10, 64, 64, 64]);
    for (const key of ['y', 'dx', 'dw'] as const) expectScaled(got[key], want[key], 3e-5, key);
  });

  it("'auto' runs Winograd from 16 channels (multiples of 4), F(4x4) given enough tiles, the direct kernel below or for other kernels", async () => {
    const outputs = async (conv: 'auto' | 'direct' | 'winograd', c: Case, kernel = 3, tile?: 2 | 4) => {
      await bw.setBackend('wasm', { wasm: { conv, threads: 1, ...(tile ? { winogradTile: tile } : {}) } });
      const wShape = [1, kernel, kernel, c.x[4], c.cout];
      const tx = t(randData(c.x, 5), c.x), tw = t(randData(wShape, 6, -0.5, 0.5), wShape);
      const y = bw.conv3d(tx, tw, null, { padding: c.padding });
      const data = Array.from(await y.data());
      for (const q of [tx, tw, y]) q.dispose();
      return data;
    };
    const wide: Case = { x: [1, 1, 9, 10, 16], cout: 16, padding: 'same', bias: false };
    const narrow: Case = { x: [1, 1, 9, 10, 8], cout: 8, padding: 'same', bias: false };
    const autoWide = await outputs('auto', wide), autoNarrow = await outputs('auto', narrow);
    expect(bw.getBackend().info().conv).toBe('auto');
    expect(autoWide).toEqual(await outputs('winograd', wide));
    expect(autoWide).not.toEqual(await outputs('direct', wide)); // the two algorithms round differently
    expect(autoNarrow).toEqual(await outputs('direct', narrow));
    // A 5x5 kernel never runs as F(2x2, 3x3), whatever is asked.
    expect(await outputs('winograd', wide, 5)).toEqual(await outputs('direct', wide, 5));
    // The tile: F(4x4) where its tiles are at least twice the channels (here 3 x 3 tiles, 16 channels: F(2x2)) ...
    expect(autoWide).toEqual(await outputs('winograd', wide, 3, 2));
    expect(autoWide).not.toEqual(await outputs('winograd', wide, 3, 4));
    // ... and F(4x4) on a larger image (8 x 8 tiles).
    const big: Case = { x: [1, 1, 32, 30, 16], cout: 16, padding: 'same', bias: false };
    expect(await outputs('auto', big)).toEqual(await outputs('winograd', big, 3, 4));
  });

  it('BLENDWARP_CONV accepts auto, direct, winograd and names anything else', () => {
    expect(parseConvAlgorithm(undefined)).toBeUndefined();
    expect(parseConvAlgorithm(' direct ')).toBe('direct');
    expect(parseConvAlgorithm('winograd')).toBe('winograd');
    expect(() => parseConvAlgorithm('fast')).toThrow(/BLENDWARP_CONV: expected auto, direct or winograd.*"fast"/);
  });
});
