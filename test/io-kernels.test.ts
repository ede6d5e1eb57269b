// The AssemblyScript CPU kernels of io and preprocessing (assembly/io/, src/io/kernels.ts) against
// the TypeScript versions they replaced (test/reference/io.ts): NIfTI voxel decoding (every
// datatype, both byte orders, scaling, unaligned offsets, more than one slab), the audio features
// (FFT, power spectrogram, mel filters, log-mel and log-spectrogram images on awkward sizes) and
// block down-sampling (means bit-identical, majority labels identical).
import { describe, expect, it } from 'vitest';
import { fft, logSpectrogramImage, melFilterbank, powerSpectrogram } from '../src/gblend/features.js';
import { ioKernels, loadIoKernels } from '../src/io/kernels.js';
import { defaultGeometry, encodeNifti, parseNifti } from '../src/io/nifti.js';
import { downsampleImage, downsampleLabels } from '../src/synth/preprocess.js';
import {
  decodeVoxelsRef, downsampleImageRef, downsampleLabelsRef, fftRef, logSpectrogramImageRef, melFilterbankRef, NIFTI_BYTES, NIFTI_CODE,
  powerSpectrogramRef, type NiftiDatatypeRef,
} from './reference/io.js';

function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
}

function randomBytes(n: number, seed: number): Uint8Array {
  const r = xorshift(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

/** Bit-identical float32 arrays (any NaN matches any NaN); returns the first mismatch or -1. */
function firstBitMismatch(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length), ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) if (ua[i] !== ub[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
}

/** max |a - b| / max(1, |b|) */
function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return m;
}

const DATATYPES = Object.keys(NIFTI_CODE) as NiftiDatatypeRef[];

describe('io kernels: NIfTI voxel decoding', () => {
  it('every datatype, both byte orders, with and without scaling, at an unaligned offset: bit-identical to the reference', () => {
    const k = ioKernels();
    for (const dt of DATATYPES) {
      for (const n of [1, 3, 257]) {
        const off = 349; // odd, so multi-byte voxels are unaligned
        const bytes = randomBytes(off + n * NIFTI_BYTES[dt] + 5, n * 31 + NIFTI_CODE[dt]);
        for (const le of [true, false]) {
          for (const [slope, inter] of [[1, 0], [0.5, -3], [Math.fround(0.1), Math.fround(1e-3)]] as const) {
            const want = decodeVoxelsRef(bytes, off, n, dt, le, slope, inter);
            const got = k.decodeVoxels(bytes.subarray(off), n, NIFTI_CODE[dt], le, slope, inter);
            const bad = firstBitMismatch(got, want);
            expect(bad, `${dt} n=${n} ${le ? 'LE' : 'BE'} slope ${slope}: voxel ${bad} got ${got[bad]} want ${want[bad]}`).toBe(-1);
          }
        }
      }
    }
  });

  it('decodes a volume larger than one slab (2^18 voxels) the same as the reference', () => {
    const n = (1 << 18) + 37;
    const bytes = randomBytes(2 * n, 5);
    for (const le of [true, false]) {
      expect(firstBitMismatch(ioKernels().decodeVoxels(bytes, n, NIFTI_CODE.int16, le, 2, 1), decodeVoxelsRef(bytes, 0, n, 'int16', le, 2, 1))).toBe(-1);
    }
  });

  it('parseNifti goes through the kernel: a big-endian int16 file with scaling', () => {
    const data = Int16Array.from({ length: 2 * 3 * 5 }, (_, i) => (i * 977) % 30000 - 15000);
    const le = encodeNifti({ dims: [5, 3, 2], data, datatype: 'int16', geometry: defaultGeometry() });
    // Byte-swap the header fields read and every voxel, and set scl_slope/inter.
    const v = new DataView(le.buffer);
    v.setFloat32(112, 0.25, true); v.setFloat32(116, -7, true);
    const be = le.slice();
    const w = new DataView(be.buffer);
    w.setInt32(0, 348, false);
    w.setInt16(40, v.getInt16(40, true), false);
    for (let i = 0; i < 7; i++) w.setInt16(42 + 2 * i, v.getInt16(42 + 2 * i, true), false);
    for (const o of [70, 72, 252, 254]) w.setInt16(o, v.getInt16(o, true), false);
    for (let o = 76; o < 124; o += 4) if (o !== 120) w.setFloat32(o, v.getFloat32(o, true), false);
    for (let o = 256; o < 328; o += 4) w.setFloat32(o, v.getFloat32(o, true), false);
    for (let i = 0; i < data.length; i++) w.setInt16(352 + 2 * i, data[i]!, false);
    const got = parseNifti(be, 'be.nii');
    expect(got.dims).toEqual([5, 3, 2]);
    expect(firstBitMismatch(got.data, decodeVoxelsRef(be, 352, data.length, 'int16', false, 0.25, -7))).toBe(-1);
    expect(Array.from(got.data.slice(0, 3))).toEqual(Array.from(data.slice(0, 3), (x) => x * 0.25 - 7));
  });

  it('rejects an unknown datatype code and short input by name', () => {
    expect(() => ioKernels().decodeVoxels(new Uint8Array(8), 2, 32, true, 1, 0)).toThrow('decodeVoxels: NIfTI datatype 32 is not supported');
    expect(() => ioKernels().decodeVoxels(new Uint8Array(7), 2, 16, true, 1, 0)).toThrow('decodeVoxels: 2 voxels of 4 bytes need 8 bytes, got 7');
  });
});

function signal(n: number, seed: number): Float32Array {
  const r = xorshift(seed);
  return Float32Array.from({ length: n }, (_, i) => 0.6 * Math.sin(0.05 * i * (1 + (i % 7) / 50)) + 0.3 * (r() - 0.5));
}

describe('io kernels: audio features', () => {
  it('the complex FFT matches the reference (n = 1 to 1024)', () => {
    for (const n of [1, 2, 4, 8, 64, 1024]) {
      const r = xorshift(n);
      const re = Float64Array.from({ length: n }, () => r() - 0.5), im = Float64Array.from({ length: n }, () => r() - 0.5);
      const re2 = re.slice(), im2 = im.slice();
      fft(re, im); fftRef(re2, im2);
      expect(maxErr(re, re2), `n=${n}`).toBeLessThan(1e-12);
      expect(maxErr(im, im2), `n=${n}`).toBeLessThan(1e-12);
    }
    expect(() => fft(new Float64Array(6), new Float64Array(6))).toThrow('fft: length 6 is not a power of two');
  });

  it('power spectrograms (real FFT) match the reference on awkward lengths and hops', () => {
    for (const [len, nFft, hop] of [[1000, 256, 64], [777, 128, 100], [100, 256, 64], [33, 4, 3], [9, 2, 1], [5, 1, 2], [0, 16, 4]] as const) {
      const s = signal(len, len + nFft);
      const got = powerSpectrogram(s, nFft, hop), want = powerSpectrogramRef(s, nFft, hop);
      expect(got.length, `${len}/${nFft}/${hop}`).toBe(want.length);
      const peak = Math.max(1e-30, ...want.flatMap((r) => Array.from(r)));
      got.forEach((row, f) => expect(maxErr(row.map((v) => v / peak), want[f]!.map((v) => v / peak)), `${len}/${nFft}/${hop} frame ${f}`).toBeLessThan(1e-12));
    }
  });

  it('mel filters match the reference', () => {
    for (const [m, nFft, sr, lo, hi] of [[10, 256, 8000, 0, 4000], [40, 512, 16000, 20, 7600], [1, 64, 22050, 300, 3000]] as const) {
      const got = melFilterbank(m, nFft, sr, lo, hi), want = melFilterbankRef(m, nFft, sr, lo, hi);
      expect(got.length).toBe(m);
      got.forEach((row, i) => expect(maxErr(row, want[i]!)).toBeLessThan(1e-12));
    }
  });

  it('log-mel and log-spectrogram images match the reference (frames and bins up- and down-sampled)', () => {
    const configs: [number, number, Parameters<typeof logSpectrogramImage>[2]][] = [
      [4000, 8000, {}],
      [4000, 8000, { nMels: 16, frames: 8 }],
      [6000, 8000, { nFft: 512, hop: 100, nMels: 40, frames: 200, fMin: 50, fMax: 3500 }],
      [1234, 16000, { nFft: 128, hop: 37, nMels: 0, frames: 13, bins: 24 }],
      [1234, 16000, { nFft: 128, hop: 37, nMels: 0, frames: 40, bins: 100 }],
      [1234, 16000, { nFft: 64, hop: 16, nMels: 0, frames: 1, bins: 1 }],
      [50, 8000, { nFft: 256, hop: 64, nMels: 8, frames: 5 }], // shorter than one frame
      [300, 8000, { nFft: 4, hop: 3, nMels: 2, frames: 7 }],
    ];
    for (const [len, sr, o] of configs) {
      const s = signal(len, len);
      const got = logSpectrogramImage(s, sr, o), want = logSpectrogramImageRef(s, sr, o);
      expect(got.shape, JSON.stringify(o)).toEqual(want.shape);
      // float32 outputs of f64 computations that differ in the last bits (twiddle tables, libm):
      // a few float32 ulps apart at most (identical in practice).
      expect(maxErr(got.data, want.data), JSON.stringify(o)).toBeLessThan(5e-7);
    }
  });

  it('rejects bad options by name', () => {
    const s = signal(100, 1);
    expect(() => logSpectrogramImage(s, 8000, { nFft: 100 })).toThrow('logSpectrogramImage: nFft 100 is not a power of two');
    expect(() => logSpectrogramImage(s, 8000, { hop: 0 })).toThrow('logSpectrogramImage: hop must be an integer >= 1, got 0');
    expect(() => logSpectrogramImage(s, 8000, { frames: 2.5 })).toThrow('logSpectrogramImage: frames must be an integer >= 1, got 2.5');
    expect(() => logSpectrogramImage(s, 0)).toThrow('logSpectrogramImage: sampleRate must be > 0, got 0');
  });
});

describe('io kernels: block down-sampling', () => {
  const shapes: [[number, number, number], number][] = [
    [[5, 7, 9], 2], [[6, 9, 12], 3], [[1, 13, 17], 2], [[1, 16, 16], 4], [[7, 1, 5], 2], [[3, 4, 5], 1], [[8, 8, 8], 8],
    [[20, 130, 120], 2], // more than one slab of 2^18 input voxels
  ];

  it('block means are bit-identical to the reference', () => {
    for (const [shape, k] of shapes) {
      const r = xorshift(shape[0] * 1000 + shape[2]);
      const img = Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, () => r() * 3 - 1);
      const got = downsampleImage(img, shape, k), want = downsampleImageRef(img, shape, k);
      expect(got.shape).toEqual(want.shape);
      expect(firstBitMismatch(got.data, want.data), `${shape.join('x')} k=${k}`).toBe(-1);
    }
  });

  it('majority labels equal the reference (ties to the smallest, values & 255)', () => {
    for (const [shape, k] of shapes) {
      const r = xorshift(shape[1] * 1000 + shape[2]);
      const n = shape[0] * shape[1] * shape[2];
      // Few classes, so ties are common; some values above 255.
      const lab = Int32Array.from({ length: n }, (_, i) => (i % 97 === 0 ? 256 + 3 : Math.floor(r() * 4) * (1 + (i % 3))));
      const got = downsampleLabels(lab, shape, k), want = downsampleLabelsRef(lab, shape, k);
      expect(got.shape).toEqual(want.shape);
      expect(Array.from(got.data), `${shape.join('x')} k=${k}`).toEqual(Array.from(want.data));
    }
  });

  it('rejects a factor larger than the volume, a bad factor and a wrong length by name', () => {
    expect(() => downsampleImage(new Float32Array(8), [2, 2, 2], 3)).toThrow('downsample: factor 3 is larger than the volume 2 x 2 x 2');
    expect(() => downsampleLabels(new Int32Array(8), [2, 2, 2], 1.5)).toThrow('downsample: factor 1.5 must be an integer >= 1');
    expect(() => downsampleImage(new Float32Array(7), [2, 2, 2], 2)).toThrow('downsample: 7 voxels for shape 2 x 2 x 2 (8 expected)');
  });
});

describe('io kernels: the module', () => {
  it('loads asynchronously too, and a job that grows the memory past the limit gets a fresh instance afterwards', async () => {
    await loadIoKernels();
    const a = ioKernels();
    expect(ioKernels()).toBe(a);
    // A 9 M-sample signal needs > 32 MiB of module memory: that instance is retired after the call.
    const long = new Float32Array(9_000_000);
    const out = a.logSpectrogram(long, 8000, { nFft: 16, hop: 1_000_000, nMels: 0, frames: 3, bins: 9, fMin: 0, fMax: 4000 });
    expect(out.every((v) => Math.abs(v - Math.log(1e-6)) < 1e-6)).toBe(true);
    const b = ioKernels();
    expect(b).not.toBe(a);
    expect(ioKernels()).toBe(b);
  });
});
