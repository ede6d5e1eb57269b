// Audio features on the CPU: STFT (Hann window, real radix-2 FFT), power spectrum, HTK mel
// filterbank, log-mel and log-spectrogram images of a fixed size. The arithmetic is AssemblyScript
// (assembly/io/audio.ts, through src/io/kernels.ts); this module checks the options and names the
// errors. The TypeScript versions these replaced are the test reference (test/reference/io.ts).
import { ioKernels } from '../io/kernels.js';

export interface SpectrogramOptions {
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

const isPow2 = (n: number): boolean => Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;

function checkInt(op: string, name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${op}: ${name} must be an integer >= ${min}, got ${v}`);
}

/** In-place radix-2 FFT of (re, im), length a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (!isPow2(n)) throw new Error(`fft: length ${n} is not a power of two`);
  if (im.length !== n) throw new Error(`fft: re has ${n} values, im has ${im.length}; expected equal lengths`);
  ioKernels().fft(re, im);
}

/** Power spectrogram [frames][nFft/2 + 1] (frames as produced by the hop, no resampling). */
export function powerSpectrogram(signal: Float32Array, nFft: number, hop: number): Float64Array[] {
  if (!isPow2(nFft)) throw new Error(`powerSpectrogram: nFft ${nFft} is not a power of two`);
  checkInt('powerSpectrogram', 'hop', hop, 1);
  return ioKernels().powerRows(signal, nFft, hop);
}

/** HTK-style triangular mel filters [nMels][nFft/2 + 1]. */
export function melFilterbank(nMels: number, nFft: number, sampleRate: number, fMin = 0, fMax = sampleRate / 2): Float64Array[] {
  checkInt('melFilterbank', 'nMels', nMels, 0);
  if (!isPow2(nFft)) throw new Error(`melFilterbank: nFft ${nFft} is not a power of two`);
  return ioKernels().melFilters(nMels, nFft, sampleRate, fMin, fMax);
}

/**
 * A log-mel (nMels > 0) or log-spectrogram image, [bands][frames] row-major, as float32.
 * Values are log(power + 1e-6), so silence is about -13.8.
 */
export function logSpectrogramImage(signal: Float32Array, sampleRate: number, opts: SpectrogramOptions = {}): { data: Float32Array; shape: [number, number] } {
  const nFft = opts.nFft ?? 256, hop = opts.hop ?? 64, nMels = opts.nMels ?? 32, frames = opts.frames ?? 32;
  const bins = nMels > 0 ? 0 : opts.bins ?? nFft / 2 + 1;
  const op = 'logSpectrogramImage';
  if (!isPow2(nFft)) throw new Error(`${op}: nFft ${nFft} is not a power of two`);
  checkInt(op, 'hop', hop, 1);
  checkInt(op, 'nMels', nMels, 0);
  checkInt(op, 'frames', frames, 1);
  if (nMels === 0) checkInt(op, 'bins', bins, 1);
  if (!(sampleRate > 0)) throw new Error(`${op}: sampleRate must be > 0, got ${sampleRate}`);
  const data = ioKernels().logSpectrogram(signal, sampleRate, {
    nFft, hop, nMels, frames, bins, fMin: opts.fMin ?? 0, fMax: opts.fMax ?? sampleRate / 2,
  });
  return { data, shape: [nMels > 0 ? nMels : bins, frames] };
}
