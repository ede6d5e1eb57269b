// The TypeScript versions of the CPU-side kernels that moved to AssemblyScript (assembly/io/), kept
// verbatim as the references their tests (test/io-kernels.test.ts) and bench cases (bench/io-cases.ts)
// compare with: NIfTI voxel decoding, the audio features (from src/gblend/features.ts) and block
// down-sampling (from src/synth/preprocess.ts). No imports from src/.

// ---- NIfTI voxel decoding (the loop of src/io/nifti.ts parseNifti) ----

export type NiftiDatatypeRef = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'float32' | 'float64';
export const NIFTI_CODE: Record<NiftiDatatypeRef, number> = { uint8: 2, int16: 4, int32: 8, float32: 16, float64: 64, int8: 256, uint16: 512 };
export const NIFTI_BYTES: Record<NiftiDatatypeRef, number> = { uint8: 1, int8: 1, int16: 2, uint16: 2, int32: 4, float32: 4, float64: 8 };

/** `n` voxels of `datatype` from `b` at byte `voxOffset`, `le` or big-endian, as x * slope + inter. */
export function decodeVoxelsRef(b: Uint8Array, voxOffset: number, n: number, datatype: NiftiDatatypeRef, le: boolean, slope: number, inter: number): Float32Array {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const data = new Float32Array(n);
  const size = NIFTI_BYTES[datatype];
  const read: (o: number) => number = {
    uint8: (o: number) => v.getUint8(o), int8: (o: number) => v.getInt8(o),
    int16: (o: number) => v.getInt16(o, le), uint16: (o: number) => v.getUint16(o, le),
    int32: (o: number) => v.getInt32(o, le), float32: (o: number) => v.getFloat32(o, le),
    float64: (o: number) => v.getFloat64(o, le),
  }[datatype];
  for (let i = 0, o = voxOffset; i < n; i++, o += size) data[i] = read(o) * slope + inter;
  return data;
}

// ---- audio features ----

export interface SpectrogramOptionsRef {
  /** FFT size (a power of two). */
  nFft?: number;
  /** Samples between frames. */
  hop?: number;
  /** Number of mel bands; 0 gives the linear-frequency log spectrogram (nFft / 2 + 1 bins). */
  nMels?: number;
  /** Frames in the output: the time axis is linearly resampled to this length (clips vary in length). */
  frames?: number;
  /** Frequency bins of a linear spectrogram are resampled to this count (default: all). */
  bins?: number;
  fMin?: number;
  fMax?: number;
}

/** In-place iterative radix-2 FFT of (re, im), length a power of two. */
export function fftRef(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (n & (n - 1)) throw new Error(`fft: length ${n} is not a power of two`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) { let t = re[i]!; re[i] = re[j]!; re[j] = t; t = im[i]!; im[i] = im[j]!; im[j] = t; }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len, wr = Math.cos(ang), wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1, ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k, b = a + len / 2;
        const tr = re[b]! * cr - im[b]! * ci, ti = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - tr; im[b] = im[a]! - ti; re[a]! += tr; im[a]! += ti;
        const nr = cr * wr - ci * wi; ci = cr * wi + ci * wr; cr = nr;
      }
    }
  }
}

/** Power spectrogram [frames][nFft/2 + 1] (frames as produced by the hop, no resampling). */
export function powerSpectrogramRef(signal: Float32Array, nFft: number, hop: number): Float64Array[] {
  const win = Float64Array.from({ length: nFft }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / nFft));
  const count = Math.max(1, 1 + Math.floor((signal.length - nFft) / hop));
  const out: Float64Array[] = [];
  const re = new Float64Array(nFft), im = new Float64Array(nFft);
  for (let f = 0; f < count; f++) {
    re.fill(0); im.fill(0);
    for (let i = 0; i < nFft; i++) { const s = f * hop + i; re[i] = s < signal.length ? signal[s]! * win[i]! : 0; }
    fftRef(re, im);
    const p = new Float64Array(nFft / 2 + 1);
    for (let k = 0; k <= nFft / 2; k++) p[k] = re[k]! * re[k]! + im[k]! * im[k]!;
    out.push(p);
  }
  return out;
}

const hzToMel = (f: number): number => 2595 * Math.log10(1 + f / 700);
const melToHz = (m: number): number => 700 * (10 ** (m / 2595) - 1);

/** HTK-style triangular mel filters [nMels][nFft/2 + 1]. */
export function melFilterbankRef(nMels: number, nFft: number, sampleRate: number, fMin = 0, fMax = sampleRate / 2): Float64Array[] {
  const bins = nFft / 2 + 1;
  const mMin = hzToMel(fMin), mMax = hzToMel(fMax);
  const edges = Array.from({ length: nMels + 2 }, (_, i) => melToHz(mMin + ((mMax - mMin) * i) / (nMels + 1)));
  return Array.from({ length: nMels }, (_, m) => {
    const lo = edges[m]!, mid = edges[m + 1]!, hi = edges[m + 2]!;
    const w = new Float64Array(bins);
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / nFft;
      w[k] = Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid)));
    }
    return w;
  });
}

function resampleRows(rows: Float64Array[], count: number): Float64Array[] {
  if (rows.length === count) return rows;
  return Array.from({ length: count }, (_, i) => {
    const x = count === 1 ? 0 : (i * (rows.length - 1)) / (count - 1);
    const a = Math.floor(x), b = Math.min(rows.length - 1, a + 1), t = x - a;
    return rows[a]!.map((v, j) => (1 - t) * v + t * rows[b]![j]!);
  });
}

/**
 * A log-mel (nMels > 0) or log-spectrogram image, [bands][frames] row-major, as float32.
 * Values are log(power + 1e-6), so silence is about -13.8.
 */
export function logSpectrogramImageRef(signal: Float32Array, sampleRate: number, opts: SpectrogramOptionsRef = {}): { data: Float32Array; shape: [number, number] } {
  const nFft = opts.nFft ?? 256, hop = opts.hop ?? 64, nMels = opts.nMels ?? 32, frames = opts.frames ?? 32;
  const power = resampleRows(powerSpectrogramRef(signal, nFft, hop), frames);
  let bands: Float64Array[]; // [frames][bands]
  if (nMels > 0) {
    const fb = melFilterbankRef(nMels, nFft, sampleRate, opts.fMin ?? 0, opts.fMax ?? sampleRate / 2);
    bands = power.map((p) => Float64Array.from(fb, (w) => w.reduce((acc, wk, k) => acc + wk * p[k]!, 0)));
  } else {
    const want = opts.bins ?? nFft / 2 + 1;
    // Resample the frequency axis by transposing, resampling rows, and transposing back.
    const t = Array.from({ length: nFft / 2 + 1 }, (_, k) => Float64Array.from(power, (p) => p[k]!));
    const r = resampleRows(t, want);
    bands = Array.from({ length: frames }, (_, f) => Float64Array.from(r, (row) => row[f]!));
  }
  const nb = bands[0]!.length;
  const data = new Float32Array(nb * frames);
  for (let f = 0; f < frames; f++) for (let b = 0; b < nb; b++) data[b * frames + f] = Math.log(bands[f]![b]! + 1e-6);
  return { data, shape: [nb, frames] };
}

// ---- block down-sampling ----

/** Integer down-sampling by k on each axis longer than 1: the mean of each k-block (the remainder is dropped). */
export function downsampleImageRef(data: Float32Array, shape: [number, number, number], k: number): { data: Float32Array; shape: [number, number, number] } {
  if (k === 1) return { data, shape };
  const f = shape.map((s) => (s > 1 ? k : 1)) as [number, number, number];
  const out = shape.map((s, i) => Math.floor(s / f[i]!)) as [number, number, number];
  if (out.some((s) => s < 1)) throw new Error(`downsample: factor ${k} is larger than the volume ${shape.join(' x ')}`);
  const res = new Float32Array(out[0] * out[1] * out[2]);
  const inv = 1 / (f[0] * f[1] * f[2]);
  for (let z = 0; z < out[0]; z++) for (let y = 0; y < out[1]; y++) for (let x = 0; x < out[2]; x++) {
    let s = 0;
    for (let a = 0; a < f[0]; a++) for (let b = 0; b < f[1]; b++) {
      const row = ((z * f[0] + a) * shape[1] + y * f[1] + b) * shape[2] + x * f[2];
      for (let c = 0; c < f[2]; c++) s += data[row + c]!;
    }
    res[(z * out[1] + y) * out[2] + x] = s * inv;
  }
  return { data: res, shape: out };
}

/** Integer down-sampling of a label map: the most frequent class of each k-block (ties: the smallest index). */
export function downsampleLabelsRef(data: Int32Array, shape: [number, number, number], k: number): { data: Int32Array; shape: [number, number, number] } {
  if (k === 1) return { data, shape };
  const f = shape.map((s) => (s > 1 ? k : 1)) as [number, number, number];
  const out = shape.map((s, i) => Math.floor(s / f[i]!)) as [number, number, number];
  if (out.some((s) => s < 1)) throw new Error(`downsample: factor ${k} is larger than the volume ${shape.join(' x ')}`);
  const res = new Int32Array(out[0] * out[1] * out[2]);
  const counts = new Int32Array(256);
  for (let z = 0; z < out[0]; z++) for (let y = 0; y < out[1]; y++) for (let x = 0; x < out[2]; x++) {
    counts.fill(0);
    for (let a = 0; a < f[0]; a++) for (let b = 0; b < f[1]; b++) {
      const row = ((z * f[0] + a) * shape[1] + y * f[1] + b) * shape[2] + x * f[2];
      for (let c = 0; c < f[2]; c++) counts[data[row + c]! & 255]!++;
    }
    let best = 0;
    for (let l = 1; l < 256; l++) if (counts[l]! > counts[best]!) best = l;
    res[(z * out[1] + y) * out[2] + x] = best;
  }
  return { data: res, shape: out };
}

