// The CPU-side AssemblyScript kernels of io and the pipelines' preprocessing (assembly/io/: NIfTI
// voxel decoding, the STFT/mel features, block down-sampling), in one small module of their own,
// embedded as base64 (src/io/io-wasm-binary.ts, made by scripts/build-wasm.mjs) so it loads the
// same way in Node, Deno and a bundled page. Instantiated lazily on first use, one instance per realm
// (each worker has its own), so every function using it stays synchronous; `loadIoKernels()`
// compiles it asynchronously ahead of time (readNifti does). Typed arrays in, typed arrays out:
// nothing here knows of tensors or backends.
//
// Memory: the instance's memory grows to the largest job seen. Volumes are decoded and down-sampled
// in slabs of about CHUNK voxels, so only an audio signal can make it large; an instance whose
// memory grew past KEEP_BYTES serves the call that grew it and is then replaced by a fresh one
// (instantiated from the cached compiled module), so a one-off large job does not pin its memory.
// Each call runs to completion synchronously, so calls never interleave on one instance.
import { ioWasmBase64 } from './io-wasm-binary.js';

type Ptr = number;
/** The exports of assembly/io/index.ts. */
interface Exports {
  memory: WebAssembly.Memory;
  heapBase(): Ptr;
  decodeVoxels(src: Ptr, out: Ptr, n: number, code: number, swap: number, slope: number, inter: number): void;
  frameCount(len: number, nFft: number, hop: number): number;
  fftTwiddles(tw: Ptr, n: number): void;
  fftComplex(re: Ptr, im: Ptr, m: number, tw: Ptr, stride: number): void;
  spectrogramScratchBytes(nFft: number, nMels: number, frames: number): number;
  powerRows(sig: Ptr, len: number, nFft: number, hop: number, out: Ptr, scratch: Ptr): void;
  melFilters(out: Ptr, nMels: number, nFft: number, sampleRate: number, fMin: number, fMax: number): void;
  logSpectrogram(sig: Ptr, len: number, nFft: number, hop: number, nMels: number, frames: number, bins: number,
    sampleRate: number, fMin: number, fMax: number, out: Ptr, scratch: Ptr): void;
  downsampleMean(src: Ptr, h: number, w: number, fd: number, fh: number, fw: number, out: Ptr, od: number, oh: number, ow: number): void;
  downsampleMajority(src: Ptr, h: number, w: number, fd: number, fh: number, fw: number, out: Ptr, od: number, oh: number,
    ow: number, counts: Ptr): void;
}

/** Voxels per slab when decoding or down-sampling a volume. */
const CHUNK = 1 << 18;
/** An instance whose memory grew past this is replaced after the call. */
const KEEP_BYTES = 32 << 20;
/** NIfTI-1 datatype codes the decoder knows, with their sizes in bytes. */
const VOXEL_BYTES: Record<number, number> = { 2: 1, 256: 1, 4: 2, 512: 2, 8: 4, 16: 4, 64: 8 };

const align = (n: number): number => (n + 63) & ~63;

/** Log-spectrogram parameters, every one given (defaults are the caller's business). */
export interface SpectrogramParams {
  nFft: number;
  hop: number;
  nMels: number;
  frames: number;
  bins: number;
  fMin: number;
  fMax: number;
}

export class IoKernels {
  private readonly k: Exports;
  private readonly base: number;

  constructor(instance: WebAssembly.Instance) {
    this.k = instance.exports as unknown as Exports;
    this.base = align(this.k.heapBase());
  }

  /** Makes `bytes` of memory usable from the heap base on; returns the heap base. */
  private reserve(bytes: number): Ptr {
    const mem = this.k.memory, need = this.base + bytes;
    if (need > 2 ** 32) throw new Error(`io kernels: a job of ${bytes} bytes does not fit in 32-bit WebAssembly memory`);
    if (need > mem.buffer.byteLength) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
    return this.base;
  }

  private done(): void {
    if (this.k.memory.buffer.byteLength > KEEP_BYTES && current === this) current = null;
  }

  private get buffer(): ArrayBuffer {
    return this.k.memory.buffer as ArrayBuffer;
  }

  /**
   * Decodes `n` voxels of NIfTI datatype `code` from `bytes` (at least n times the voxel size,
   * `littleEndian` or not) to float32, each `x * slope + inter` computed in f64.
   */
  decodeVoxels(bytes: Uint8Array, n: number, code: number, littleEndian: boolean, slope: number, inter: number): Float32Array {
    const size = VOXEL_BYTES[code];
    if (size === undefined) throw new Error(`decodeVoxels: NIfTI datatype ${code} is not supported`);
    if (bytes.length < n * size) throw new Error(`decodeVoxels: ${n} voxels of ${size} bytes need ${n * size} bytes, got ${bytes.length}`);
    const out = new Float32Array(n);
    const step = Math.min(n, CHUNK);
    const src = this.reserve(align(step * size) + 4 * step), dst = src + align(step * size);
    const swap = littleEndian ? 0 : 1;
    for (let i = 0; i < n; i += step) {
      const m = Math.min(step, n - i);
      new Uint8Array(this.buffer, src, m * size).set(bytes.subarray(i * size, (i + m) * size));
      this.k.decodeVoxels(src, dst, m, code, swap, slope, inter);
      out.set(new Float32Array(this.buffer, dst, m), i);
    }
    this.done();
    return out;
  }

  /** The log-mel or log-spectrogram image [bands][frames] (bands = nMels, or `bins` when nMels = 0). */
  logSpectrogram(signal: Float32Array, sampleRate: number, p: SpectrogramParams): Float32Array {
    const bands = p.nMels > 0 ? p.nMels : p.bins;
    const scratch = this.k.spectrogramScratchBytes(p.nFft, p.nMels, p.frames);
    const sig = this.reserve(align(4 * signal.length) + align(4 * bands * p.frames) + scratch);
    const out = sig + align(4 * signal.length), tmp = out + align(4 * bands * p.frames);
    new Float32Array(this.buffer, sig, signal.length).set(signal);
    this.k.logSpectrogram(sig, signal.length, p.nFft, p.hop, p.nMels, p.frames, p.bins, sampleRate, p.fMin, p.fMax, out, tmp);
    const res = new Float32Array(this.buffer, out, bands * p.frames).slice();
    this.done();
    return res;
  }

  /** Every power row [frames][nFft/2 + 1] of the STFT (Hann window, no resampling). */
  powerRows(signal: Float32Array, nFft: number, hop: number): Float64Array[] {
    const count = this.k.frameCount(signal.length, nFft, hop), b = Math.floor(nFft / 2) + 1;
    const sig = this.reserve(align(4 * signal.length) + align(8 * count * b) + this.k.spectrogramScratchBytes(nFft, 0, 0));
    const out = sig + align(4 * signal.length), tmp = out + align(8 * count * b);
    new Float32Array(this.buffer, sig, signal.length).set(signal);
    this.k.powerRows(sig, signal.length, nFft, hop, out, tmp);
    const all = new Float64Array(this.buffer, out, count * b).slice();
    this.done();
    return Array.from({ length: count }, (_, f) => all.subarray(f * b, (f + 1) * b));
  }

  /** HTK triangular mel filters [nMels][nFft/2 + 1]. */
  melFilters(nMels: number, nFft: number, sampleRate: number, fMin: number, fMax: number): Float64Array[] {
    const b = Math.floor(nFft / 2) + 1;
    const out = this.reserve(8 * nMels * b);
    this.k.melFilters(out, nMels, nFft, sampleRate, fMin, fMax);
    const all = new Float64Array(this.buffer, out, nMels * b).slice();
    this.done();
    return Array.from({ length: nMels }, (_, m) => all.subarray(m * b, (m + 1) * b));
  }

  /** In-place complex FFT of (re, im), length a power of two. */
  fft(re: Float64Array, im: Float64Array): void {
    const n = re.length;
    const tw = this.reserve(align(8 * Math.max(2, n)) + 2 * align(8 * n));
    const r = tw + align(8 * Math.max(2, n)), i = r + align(8 * n);
    this.k.fftTwiddles(tw, n);
    new Float64Array(this.buffer, r, n).set(re);
    new Float64Array(this.buffer, i, n).set(im);
    this.k.fftComplex(r, i, n, tw, 1);
    re.set(new Float64Array(this.buffer, r, n));
    im.set(new Float64Array(this.buffer, i, n));
    this.done();
  }

  /**
   * Block down-sampling of a [d, h, w] volume by factors f (each >= 1) to floor(shape / f): the mean
   * of each block (float32 in) or its most frequent label (int32 in; ties: the smallest).
   */
  downsample<T extends Float32Array | Int32Array>(data: T, shape: [number, number, number], f: [number, number, number]): T {
    const [d, h, w] = shape, [fd, fh, fw] = f;
    const od = Math.floor(d / fd), oh = Math.floor(h / fh), ow = Math.floor(w / fw);
    const labels = data instanceof Int32Array;
    const out = (labels ? new Int32Array(od * oh * ow) : new Float32Array(od * oh * ow)) as T;
    const plane = fd * h * w; // input voxels per output plane
    const planes = Math.max(1, Math.min(od, Math.floor(CHUNK / plane)));
    const src = this.reserve(align(4 * planes * plane) + align(4 * planes * oh * ow) + 1024);
    const dst = src + align(4 * planes * plane), counts = dst + align(4 * planes * oh * ow);
    if (labels) new Int32Array(this.buffer, counts, 256).fill(0);
    for (let z = 0; z < od; z += planes) {
      const m = Math.min(planes, od - z);
      const input = data.subarray(z * plane, (z + m) * plane);
      if (labels) new Int32Array(this.buffer, src, m * plane).set(input);
      else new Float32Array(this.buffer, src, m * plane).set(input);
      if (labels) this.k.downsampleMajority(src, h, w, fd, fh, fw, dst, m, oh, ow, counts);
      else this.k.downsampleMean(src, h, w, fd, fh, fw, dst, m, oh, ow);
      const res = labels ? new Int32Array(this.buffer, dst, m * oh * ow) : new Float32Array(this.buffer, dst, m * oh * ow);
      out.set(res, z * oh * ow);
    }
    this.done();
    return out;
  }
}

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let compiled: WebAssembly.Module | null = null;
let current: IoKernels | null = null;

function startError(e: unknown): Error {
  return new Error(`io kernels: cannot start the WebAssembly module (${(e as Error).message}); where synchronous `
    + 'compilation is refused (a browser main thread before Chrome 114), call `await loadIoKernels()` once first');
}

/**
 * The io kernels of this realm. The first call compiles the module synchronously (about 20 KB:
 * accepted on a browser main thread since Chrome 114, and by Firefox, Safari, Deno and Node),
 * unless `loadIoKernels()` compiled it already.
 */
export function ioKernels(): IoKernels {
  if (current) return current;
  try {
    compiled ??= new WebAssembly.Module(decodeBase64(ioWasmBase64));
    current = new IoKernels(new WebAssembly.Instance(compiled, {}));
  } catch (e) {
    throw startError(e);
  }
  return current;
}

/** Compiles and instantiates the io kernels asynchronously (off the calling thread where the runtime can). */
export async function loadIoKernels(): Promise<void> {
  if (current) return;
  try {
    compiled ??= await WebAssembly.compile(decodeBase64(ioWasmBase64));
    current ??= new IoKernels(await WebAssembly.instantiate(compiled, {}));
  } catch (e) {
    throw startError(e);
  }
}
