// The WebAssembly backend: one SIMD module (assembly/ -> four builds embedded as base64, see
// scripts/build-wasm.mjs), a TypeScript-side allocator over its memory, thin calls into its kernels,
// and for the heavy kernels (convolutions, warp, matmul) a pool of worker threads sharing that memory.
//
// Build choice at load time, by WebAssembly.validate: relaxed SIMD (FMA) when the runtime has it
// (Node 20 needs a V8 flag, set by workers.ts), plain SIMD128 otherwise; a shared memory (threads
// possible) where SharedArrayBuffer is usable, a private one otherwise.
import type {
  Backend, BackendInfo, BinaryOp, ConvGeometry, DType, MemoryStats, ReduceOp, ResampleGeometry, Storage,
  UnaryGradOp, UnaryOp,
} from '../backend.js';
import { LinearAllocator } from './allocator.js';
import { BINARY_CODE, POOL_CODE, REDUCE_CODE, UNARY_CODE } from '../op-table.js';
import { ThreadPool } from './threads.js';
import { wasmRelaxedBase64, wasmRelaxedSharedBase64, wasmSimdBase64, wasmSimdSharedBase64 } from './wasm-binary.js';
import { detectPlatform, enableRelaxedSimd, type ConvAlgorithm, type Platform } from './workers.js';

type Ptr = number;
/** The kernel exports of assembly/index.ts. */
interface Kernels {
  heapBase(): Ptr;
  fill32(out: Ptr, n: number, bits: number): void;
  copyBytes(src: Ptr, dst: Ptr, bytes: number): void;
  castI32ToF32(x: Ptr, out: Ptr, n: number): void;
  castF32ToI32(x: Ptr, out: Ptr, n: number): void;
  unary(op: number, x: Ptr, out: Ptr, n: number, p0: number, p1: number): void;
  unaryGrad(op: number, x: Ptr, y: Ptr, dy: Ptr, dx: Ptr, n: number, p0: number, p1: number): void;
  binary(op: number, a: Ptr, as: Ptr, b: Ptr, bs: Ptr, out: Ptr, shape: Ptr): void;
  select(cond: Ptr, a: Ptr, b: Ptr, out: Ptr, n: number): void;
  reduce(op: number, x: Ptr, out: Ptr, outer: number, r: number, inner: number): void;
  argmax(x: Ptr, out: Ptr, rows: number, cols: number): void;
  dotAcc(a: Ptr, b: Ptr, n: number, out: Ptr, outIndex: number): void;
  permute(x: Ptr, out: Ptr, shape: Ptr, perm: Ptr): void;
  slice(x: Ptr, xShape: Ptr, begin: Ptr, out: Ptr, outShape: Ptr): void;
  paste(src: Ptr, srcShape: Ptr, dst: Ptr, dstShape: Ptr, begin: Ptr, add: number): void;
  gather(x: Ptr, idx: Ptr, out: Ptr, outer: number, axisLen: number, inner: number, nIdx: number): void;
  scatterAddAcc(dy: Ptr, idx: Ptr, dx: Ptr, outer: number, axisLen: number, inner: number, nIdx: number): void;
  oneHot(idx: Ptr, out: Ptr, n: number, depth: number, on: number, off: number): void;
  matmul(a: Ptr, b: Ptr, out: Ptr, batch: number, m: number, k: number, n: number, aRowStride: number,
    aColStride: number, aBatchStride: number, bBatchStride: number): void;
  conv3d(x: Ptr, w: Ptr, bias: Ptr, y: Ptr, geom: Ptr): void;
  conv3dRows(x: Ptr, w: Ptr, bias: Ptr, y: Ptr, geom: Ptr, r0: number, r1: number): void;
  convFlipWeights(w: Ptr, out: Ptr, kd: number, kh: number, kw: number, cin: number, cout: number): void;
  conv3dBackwardInputRows(dy: Ptr, w: Ptr, dx: Ptr, geom: Ptr, r0: number, r1: number): void;
  conv3dBackwardWeightRows(x: Ptr, dy: Ptr, dw: Ptr, geom: Ptr, r0: number, r1: number, part: number): void;
  warpRows(x: Ptr, flow: Ptr, y: Ptr, n: number, d: number, h: number, w: number, c: number, r0: number, r1: number): void;
  warpBackwardRows(x: Ptr, flow: Ptr, dy: Ptr, dx: Ptr, dflow: Ptr, n: number, d: number, h: number, w: number, c: number,
    r0: number, r1: number, part: number): void;
  matmulRows(a: Ptr, b: Ptr, out: Ptr, batch: number, m: number, k: number, n: number, aRowStride: number,
    aColStride: number, aBatchStride: number, bBatchStride: number, cBatchStride: number, acc: number, scratch: Ptr,
    r0: number, r1: number, slab: number): void;
  conv3dBackwardInput(dy: Ptr, w: Ptr, dx: Ptr, geom: Ptr): void;
  conv3dBackwardWeight(x: Ptr, dy: Ptr, dw: Ptr, geom: Ptr): void;
  winoInputRows(x: Ptr, v: Ptr, h: number, w: number, c: number, ph: number, pw: number, th: number, tw: number,
    base: number, T: number, r0: number, r1: number): void;
  winoOutputRows(m: Ptr, y: Ptr, bias: Ptr, oh: number, ow: number, c: number, th: number, tw: number,
    base: number, T: number, r0: number, r1: number): void;
  winoGradOutRows(dy: Ptr, e: Ptr, oh: number, ow: number, c: number, th: number, tw: number,
    base: number, T: number, r0: number, r1: number): void;
  winoFilter(w: Ptr, u: Ptr, cin: number, cout: number): void;
  winoWeightOut(mw: Ptr, dw: Ptr, cin: number, cout: number, acc: number): void;
  wino4Filter(w: Ptr, u: Ptr, cin: number, cout: number): void;
  wino4WeightOut(mw: Ptr, dw: Ptr, cin: number, cout: number, acc: number): void;
  pool(op: number, x: Ptr, y: Ptr, geom: Ptr): void;
  poolBackward(op: number, x: Ptr, dy: Ptr, dx: Ptr, geom: Ptr): void;
  upsample(mode: number, x: Ptr, y: Ptr, geom: Ptr): void;
  upsampleBackward(mode: number, dy: Ptr, dx: Ptr, geom: Ptr): void;
  warp(x: Ptr, flow: Ptr, y: Ptr, n: number, d: number, h: number, w: number, c: number): void;
  warpBackward(x: Ptr, flow: Ptr, dy: Ptr, dx: Ptr, dflow: Ptr, n: number, d: number, h: number, w: number, c: number): void;
  warpNearest(x: Ptr, flow: Ptr, y: Ptr, n: number, d: number, h: number, w: number, c: number, outsideBits: number): void;
  boxSum(x: Ptr, y: Ptr, scratch: Ptr, n: number, d: number, h: number, w: number, c: number, rd: number, rh: number, rw: number): void;
  softmax(x: Ptr, out: Ptr, rows: number, classes: number): void;
  softmaxCrossEntropy(logits: Ptr, labels: Ptr, loss: Ptr, probs: Ptr, rows: number, classes: number): void;
  softmaxCrossEntropyBackward(probs: Ptr, labels: Ptr, dloss: Ptr, dlogits: Ptr, rows: number, classes: number): void;
  labelCountsAcc(pred: Ptr, truth: Ptr, n: number, numLabels: number, counts: Ptr): void;
  randomUniform(out: Ptr, n: number, seed: number, stream: number, offset: number, lo: number, hi: number): void;
  randomNormal(out: Ptr, n: number, seed: number, stream: number, offset: number, mean: number, std: number): void;
  dropoutMask(out: Ptr, n: number, keep: number, seed: number, stream: number, offset: number): void;
  sgdUpdate(p: Ptr, g: Ptr, v: Ptr, n: number, lr: number, momentum: number, weightDecay: number, nesterov: number): void;
  adamUpdate(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number, lrT: number, beta1: number, beta2: number, epsT: number,
    weightDecay: number, decoupledLr: number): void;
  adagradUpdate(p: Ptr, g: Ptr, acc: Ptr, n: number, lr: number, eps: number, weightDecay: number): void;
}

class WasmStorage implements Storage {
  refs = 1;
  constructor(readonly backend: WasmBackend, readonly ptr: number, readonly bytes: number) {}
}

const UNARY = UNARY_CODE, BINARY = BINARY_CODE, REDUCE = REDUCE_CODE;
const PARAM_BYTES = 1024;

/** Kernels run on the thread pool, by index (the workers look them up by these names). */
const THREADED = ['conv3dRows', 'conv3dBackwardInputRows', 'conv3dBackwardWeightRows', 'warpRows', 'matmulRows', 'warpBackwardRows',
  'winoInputRows', 'winoOutputRows', 'winoGradOutRows', 'wino4InputRows', 'wino4OutputRows', 'wino4GradOutRows'] as const;
const T_CONV = 0, T_CONV_BI = 1, T_CONV_BW = 2, T_WARP = 3, T_MATMUL = 4, T_WARP_BW = 5;

/** One Winograd scheme F(m x m, 3 x 3): output tile m, (m + 2)^2 points, its threaded transforms and its filter kernels. */
interface WinoScheme { m: 2 | 4; points: number; tIn: number; tOut: number; tGradOut: number; filter: 'winoFilter' | 'wino4Filter'; weightOut: 'winoWeightOut' | 'wino4WeightOut' }
const WINO2: WinoScheme = { m: 2, points: 16, tIn: 6, tOut: 7, tGradOut: 8, filter: 'winoFilter', weightOut: 'winoWeightOut' };
const WINO4: WinoScheme = { m: 4, points: 36, tIn: 9, tOut: 10, tGradOut: 11, filter: 'wino4Filter', weightOut: 'wino4WeightOut' };
/** Image-gradient partials of the warp adjoint: at most this many, and at most this many bytes in all
 *  (fixed by the shape, never by the thread count). */
const WARP_GRAD_PARTS = 4;
const WARP_GRAD_PART_BYTES = 64 * 1024 * 1024;
/** Below this many multiply-adds a kernel runs on the calling thread alone (waking workers costs ~0.1 ms). */
const MIN_PARALLEL_WORK = 1 << 20;
/** Weight-gradient partial sums: a count fixed by the work, never by the thread count, so that the
 *  summation order (and every bit of the result) is the same on 1 thread and on many. */
const WEIGHT_GRAD_PARTS = 8;
const INITIAL_PAGES = 16;
/** Winograd (assembly/winograd.ts) for 3x3 stride-1 convolutions with at least this many input and output
 *  channels (multiples of 4) under conv 'auto'; below it the transforms cost more than they save (bench/). */
const WINOGRAD_MIN_CHANNELS = 16;
/** Bytes of each Winograd-domain buffer (16 matrices of tiles x channels); larger convolutions run in
 *  chunks of tile rows, a count fixed by the shape, never by the thread count. */
const WINOGRAD_CHUNK_BYTES = 1024 * 1024;
/** Bytes of each Winograd-domain buffer of a kd > 1 convolution: whole planes (at least kd of them, then
 *  beyond this), since every plane is read by kd output planes; the kd - 1 extra input planes per chunk are
 *  transformed twice. */
const WINOGRAD_PLANES_BYTES = 16 * 1024 * 1024;
/**
 * F(4x4, 3x3) when its tile count is at least this many times the widest channel count, else F(2x2, 3x3):
 * with few tiles its 36 filter matrices (2.25x F(2x2)'s) are read for few rows each, and partial tiles at
 * the borders waste more (measured: 96 x 80 x 32 and 48 x 40 x 64 channels, batch 2, F(4x4) 1.3x faster than
 * F(2x2); 24 x 20 x 128 1.25x slower).
 */
const WINOGRAD4_TILES_PER_CHANNEL = 2;

export interface WasmBackendOptions {
  /** Threads for the heavy kernels, the caller included; default: BLENDWARP_THREADS, else the cores this runtime offers.
   *  1 where shared memory or workers are unavailable (browsers without cross-origin isolation). */
  threads?: number;
  /** Use the relaxed-SIMD (FMA) build where the runtime validates it; default true. */
  relaxedSimd?: boolean;
  /**
   * Stride-1 convolutions with a 3x3 in-plane kernel (any depth) and channel counts that are multiples of 4: 'auto' (default,
   * else BLENDWARP_CONV) runs Winograd (F(4x4, 3x3) or F(2x2, 3x3)) from 16 channels up, 'winograd' wherever it applies,
   * 'direct' never. The algorithms agree to float rounding, not bit for bit.
   */
  conv?: ConvAlgorithm;
  /** Winograd output tile, 2 (F(2x2, 3x3)) or 4 (F(4x4, 3x3)); default: 4 where its tiles are many next to the channels, else 2. For tests and benchmarks. */
  winogradTile?: 2 | 4;
}

/** Per-kernel time of a profiled backend (see WasmBackend.startProfile). */
export interface KernelProfile {
  [kernel: string]: { calls: number; ms: number; flops: number };
}

/**
 * Rows of a Winograd-domain matrix for `tiles` tiles: odd, so that the 16 matrices (T * c * 4 bytes
 * apart, c a multiple of 4) never start on the same cache sets; with an even tile count (a 4 KiB multiple
 * apart for 32 channels and up) the transforms' 16 streams thrash the L1 cache (measured: up to 1.6x
 * slower). The spare row is computed by the forward product and never read.
 */
function winoRows(tiles: number): number {
  return tiles | 1;
}

function convFlops(g: ConvGeometry): number {
  return 2 * g.n * g.od * g.oh * g.ow * g.cout * g.cin * g.kd * g.kh * g.kw;
}

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export class WasmBackend implements Backend {
  readonly name = 'wasm' as const;
  private readonly k: Kernels;
  private readonly heap: LinearAllocator;
  /** A small block for shapes, strides and geometries passed to kernels. */
  private readonly params: number;
  private readonly workers: ThreadPool | null;
  private readonly threaded: ((...args: number[]) => void)[];
  private disposed = false;
  private profile: KernelProfile | null = null;

  private constructor(
    instance: WebAssembly.Instance,
    private readonly mem: WebAssembly.Memory,
    module: WebAssembly.Module,
    private readonly relaxed: boolean,
    private readonly shared: boolean,
    threads: number,
    private readonly platform: Platform,
    private readonly convAlgorithm: ConvAlgorithm,
    private readonly winogradTile: 2 | 4 | undefined,
  ) {
    this.k = instance.exports as unknown as Kernels;
    this.heap = new LinearAllocator(mem, this.k.heapBase());
    this.params = this.heap.alloc(PARAM_BYTES);
    this.threaded = THREADED.map((n) => (this.k as unknown as Record<string, (...a: number[]) => void>)[n]!);
    this.workers = threads > 1 && platform.spawner
      ? new ThreadPool(threads, module, mem, THREADED, this.threaded, platform.spawner)
      : null;
  }

  /** Starts the backend; with no options: every core, the fastest build the runtime validates. */
  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const platform = await detectPlatform();
    const shared = platform.sharedMemory;
    let relaxed = false;
    let bytes = decodeBase64(shared ? wasmSimdSharedBase64 : wasmSimdBase64);
    const conv = options.conv ?? platform.envConv ?? 'auto';
    if (conv !== 'auto' && conv !== 'direct' && conv !== 'winograd') throw new Error(`wasm backend: conv must be auto, direct or winograd, got "${String(conv)}"`);
    if (options.relaxedSimd !== false) {
      const rb = decodeBase64(shared ? wasmRelaxedSharedBase64 : wasmRelaxedBase64);
      relaxed = WebAssembly.validate(rb) || ((await enableRelaxedSimd()) && WebAssembly.validate(rb));
      if (relaxed) bytes = rb;
    }
    if (!WebAssembly.validate(bytes)) {
      throw new Error('wasm backend: this runtime cannot run the SIMD128 WebAssembly module (WebAssembly SIMD is required)');
    }
    const module = await WebAssembly.compile(bytes);
    const memory = WasmBackend.newMemory(shared);
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    const wanted = Math.max(1, Math.floor(options.threads ?? platform.envThreads ?? platform.cores));
    const threads = shared && platform.spawner ? Math.min(wanted, 16) : 1;
    return new WasmBackend(instance, memory, module, relaxed, shared, threads, platform, conv, options.winogradTile);
  }

  private static newMemory(shared: boolean): WebAssembly.Memory {
    // A shared memory must declare its maximum up front; 4 GiB is wasm32's limit, but a runtime may
    // refuse to reserve that much address space (32-bit or mobile): then ask for 1 GiB.
    try {
      return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: 65536, shared });
    } catch (e) {
      if (!shared) throw e;
      return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: 16384, shared });
    }
  }

  info(): BackendInfo {
    return {
      name: 'wasm',
      simd: true,
      relaxedSimd: this.relaxed,
      threads: this.workers ? this.workers.threads : 1,
      sharedMemory: this.shared,
      conv: this.convAlgorithm,
      runtime: this.platform.runtime,
      context: this.platform.context,
      cores: this.platform.cores,
      memoryBytes: this.heap.reservedBytes,
      maxMemoryBytes: 4 * 1024 ** 3,
    };
  }

  /** Threads for the heavy kernels (the calling thread included). */
  get threads(): number {
    return this.workers ? this.workers.threads : 1;
  }

  /** Resolves when every worker thread has started (they start on the first large kernel otherwise). */
  async warmThreads(): Promise<void> {
    await this.workers?.warm();
  }

  /**
   * Starts timing every kernel call (synchronous kernels: wall time of the call), for profiles such
   * as bench/RESULTS.md's. Off by default: then no call is wrapped and nothing is measured.
   */
  startProfile(): void {
    if (this.profile) return;
    this.profile = {};
    const self = this as unknown as Record<string, (...a: unknown[]) => unknown>;
    const proto = WasmBackend.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    const profile = this.profile;
    for (const name of PROFILED) {
      const fn = proto[name]!;
      self[name] = function (this: WasmBackend, ...args: unknown[]) {
        const t0 = performance.now();
        const r = fn.apply(this, args);
        const entry = profile[name] ?? (profile[name] = { calls: 0, ms: 0, flops: 0 });
        entry.calls++;
        entry.ms += performance.now() - t0;
        if (name.startsWith('conv3d')) entry.flops += convFlops(args[args.length - 1] as ConvGeometry);
        return r;
      };
    }
  }

  /** Stops timing and returns what was measured since startProfile. */
  stopProfile(): KernelProfile {
    const out = this.profile ?? {};
    const self = this as unknown as Record<string, unknown>;
    for (const name of PROFILED) delete self[name];
    this.profile = null;
    return out;
  }

  /** Slab count for a row-split kernel whose results do not depend on the split. */
  private slabs(rows: number, work: number): number {
    if (!this.workers || work < MIN_PARALLEL_WORK) return 1;
    // Several slabs per thread: on a busy machine a descheduled thread then holds back less work.
    return Math.max(1, Math.min(rows, 8 * this.workers.threads, 65535));
  }

  private runRows(fn: number, args: number[], rows: number, slabs: number): void {
    if (this.workers) this.workers.run(fn, args, rows, slabs);
    else for (let i = 0; i < slabs; i++) this.threaded[fn]!(...args, Math.floor(i * rows / slabs), Math.floor((i + 1) * rows / slabs), i);
  }

  memory(): MemoryStats {
    // The parameter block is the backend's own, not a tensor.
    return { liveBuffers: this.heap.liveBlocks - 1, liveBytes: this.heap.liveBytes - PARAM_BYTES, reservedBytes: this.heap.reservedBytes };
  }

  alloc(bytes: number): Storage {
    return new WasmStorage(this, this.heap.alloc(bytes), bytes);
  }

  free(s: Storage): void {
    this.heap.release(p(s), s.bytes);
  }

  private view(dtype: DType, ptr: number, count: number): Float32Array | Int32Array {
    // Views are made fresh each time: growing the memory detaches (or, shared, outgrows) earlier ones.
    return dtype === 'f32' ? new Float32Array(this.mem.buffer, ptr, count) : new Int32Array(this.mem.buffer, ptr, count);
  }

  write(s: Storage, data: Float32Array | Int32Array, elementOffset = 0): void {
    const dst = data instanceof Float32Array ? this.view('f32', p(s) + 4 * elementOffset, data.length) : this.view('i32', p(s) + 4 * elementOffset, data.length);
    dst.set(data as never);
  }

  readSync(s: Storage, dtype: DType, count: number): Float32Array | Int32Array {
    return this.view(dtype, p(s), count).slice();
  }

  read(s: Storage, dtype: DType, count: number): Promise<Float32Array | Int32Array> {
    return Promise.resolve(this.readSync(s, dtype, count));
  }

  /** Writes up to 6 small int arrays into the parameter block, each padded to rank 6 with leading fill. */
  private ints(...arrays: (readonly number[])[]): number[] {
    const view = new Int32Array(this.mem.buffer, this.params, PARAM_BYTES / 4);
    const ptrs: number[] = [];
    let at = 0;
    for (const a of arrays) {
      view.set(a, at);
      ptrs.push(this.params + 4 * at);
      at += Math.max(8, a.length);
    }
    return ptrs;
  }

  fill(out: Storage, n: number, value: number, dtype: DType): void {
    const bits = dtype === 'f32' ? new Int32Array(new Float32Array([value]).buffer)[0]! : value | 0;
    this.k.fill32(p(out), n, bits);
  }
  copy(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, n: number): void {
    this.k.copyBytes(p(src) + 4 * srcOffset, p(dst) + 4 * dstOffset, 4 * n);
  }
  castI32ToF32(x: Storage, out: Storage, n: number): void { this.k.castI32ToF32(p(x), p(out), n); }
  castF32ToI32(x: Storage, out: Storage, n: number): void { this.k.castF32ToI32(p(x), p(out), n); }

  permute(x: Storage, out: Storage, shape: readonly number[], perm: readonly number[]): void {
    const pad = 6 - shape.length;
    const s6 = [...Array<number>(pad).fill(1), ...shape];
    const p6 = [...Array.from({ length: pad }, (_, i) => i), ...perm.map((q) => q + pad)];
    const [sp, pp] = this.ints(s6, p6);
    this.k.permute(p(x), p(out), sp!, pp!);
  }
  slice(x: Storage, xShape: readonly number[], begin: readonly number[], out: Storage, outShape: readonly number[]): void {
    const [a, b, c] = this.ints(pad6(xShape, 1), pad6(begin, 0), pad6(outShape, 1));
    this.k.slice(p(x), a!, b!, p(out), c!);
  }
  paste(src: Storage, srcShape: readonly number[], dst: Storage, dstShape: readonly number[], begin: readonly number[], add: boolean): void {
    const [a, b, c] = this.ints(pad6(srcShape, 1), pad6(dstShape, 1), pad6(begin, 0));
    this.k.paste(p(src), a!, p(dst), b!, c!, add ? 1 : 0);
  }
  gather(x: Storage, idx: Storage, out: Storage, outer: number, axisLen: number, inner: number, nIdx: number): void {
    this.k.gather(p(x), p(idx), p(out), outer, axisLen, inner, nIdx);
  }
  scatterAddAcc(dy: Storage, idx: Storage, dx: Storage, outer: number, axisLen: number, inner: number, nIdx: number): void {
    this.k.scatterAddAcc(p(dy), p(idx), p(dx), outer, axisLen, inner, nIdx);
  }
  oneHot(idx: Storage, out: Storage, n: number, depth: number, on: number, off: number): void {
    this.k.oneHot(p(idx), p(out), n, depth, on, off);
  }

  unary(op: UnaryOp, x: Storage, out: Storage, n: number, p0: number, p1: number): void {
    this.k.unary(UNARY[op], p(x), p(out), n, p0, p1);
  }
  unaryGrad(op: UnaryGradOp, x: Storage, y: Storage, dy: Storage, dx: Storage, n: number, p0: number, p1: number): void {
    this.k.unaryGrad(UNARY[op], p(x), p(y), p(dy), p(dx), n, p0, p1);
  }
  binary(op: BinaryOp, a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], out: Storage, outShape: readonly number[]): void {
    const [as, bs, sh] = this.ints(pad6(aStrides, 0), pad6(bStrides, 0), pad6(outShape, 1));
    this.k.binary(BINARY[op], p(a), as!, p(b), bs!, p(out), sh!);
  }
  select(cond: Storage, a: Storage, b: Storage, out: Storage, n: number): void {
    this.k.select(p(cond), p(a), p(b), p(out), n);
  }

  reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void {
    this.k.reduce(REDUCE[op], p(x), p(out), outer, r, inner);
  }
  argmax(x: Storage, out: Storage, rows: number, cols: number): void { this.k.argmax(p(x), p(out), rows, cols); }
  dotAcc(a: Storage, b: Storage, n: number, out: Storage, outIndex: number): void {
    this.k.dotAcc(p(a), p(b), n, p(out), outIndex);
  }

  matmul(a: Storage, b: Storage, out: Storage, batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number): void {
    let bp = p(b);
    let tmp: Storage | null = null;
    if (transB) {
      // The kernel reads B row-major [k, n]: transpose [n, k] once (O(kn), small next to O(mkn)).
      const batches = bBatchStride === 0 ? 1 : batch;
      tmp = this.alloc(4 * batches * k * n);
      for (let i = 0; i < batches; i++) {
        const [sp, pp] = this.ints([1, 1, 1, 1, n, k], [0, 1, 2, 3, 5, 4]);
        this.k.permute(bp + 4 * i * n * k, p(tmp) + 4 * i * n * k, sp!, pp!);
      }
      bp = p(tmp);
      if (bBatchStride !== 0) bBatchStride = k * n;
    }
    const rows = batch * m;
    const slabs = Math.min(this.slabs(rows, rows * k * n), Math.ceil(rows / 8));
    // Per slab: one packed k x 8 strip of B (linalg.ts), worth it once B outgrows the L2 cache.
    const scratch = k * n >= 1 << 16 ? this.alloc(32 * k * slabs) : null;
    try {
      this.runRows(T_MATMUL, [p(a), bp, p(out), batch, m, k, n, transA ? 1 : k, transA ? m : 1, aBatchStride, bBatchStride, m * n, 0,
        scratch ? p(scratch) : 0], rows, slabs);
    } finally {
      if (scratch) this.free(scratch);
    }
    if (tmp) this.free(tmp);
  }

  private conv(g: ConvGeometry): number {
    return this.ints([g.n, g.d, g.h, g.w, g.cin, g.kd, g.kh, g.kw, g.cout, g.sd, g.sh, g.sw, g.pd, g.ph, g.pw, g.od, g.oh, g.ow])[0]!;
  }
  private resample(g: ResampleGeometry): number {
    return this.ints([g.n, g.d, g.h, g.w, g.c, g.fd, g.fh, g.fw, g.od, g.oh, g.ow])[0]!;
  }
  /** The Winograd scheme a convolution runs with (assembly/winograd.ts), or null: the direct kernel. */
  private winograd(g: ConvGeometry): WinoScheme | null {
    if (this.convAlgorithm === 'direct') return null;
    // Any depth kd (stride 1): a kd > 1 kernel is kd in-plane Winograd convolutions summed over depth.
    const fits = g.sd === 1 && g.pd < g.kd && g.od >= 1 && g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1
      && g.ph <= 2 && g.pw <= 2 && g.oh >= 1 && g.ow >= 1 && g.cin % 4 === 0 && g.cout % 4 === 0;
    if (!fits) return null;
    if (this.convAlgorithm !== 'winograd' && (g.cin < WINOGRAD_MIN_CHANNELS || g.cout < WINOGRAD_MIN_CHANNELS)) return null;
    const tiles4 = g.n * g.d * Math.ceil(g.oh / 4) * Math.ceil(g.ow / 4);
    const tile = this.winogradTile ?? (tiles4 >= WINOGRAD4_TILES_PER_CHANNEL * Math.max(g.cin, g.cout) ? 4 : 2);
    return tile === 4 ? WINO4 : WINO2;
  }

  /** Tile rows per chunk of a Winograd convolution whose widest side has `c` channels. */
  private winoChunks(g: ConvGeometry, s: WinoScheme, c: number): { th: number; tw: number; rows: number; perChunk: number } {
    const th = Math.ceil(g.oh / s.m), tw = Math.ceil(g.ow / s.m), rows = g.n * g.d * th;
    return { th, tw, rows, perChunk: Math.max(1, Math.min(rows, Math.floor(WINOGRAD_CHUNK_BYTES / (4 * s.points * (tw + 1) * c)))) };
  }

  /**
   * Chunks of a depth-kd Winograd convolution: runs of output planes of one batch item, with the input
   * planes they read (kd - 1 more), sized by WINOGRAD_PLANES_BYTES for the widest Winograd buffer.
   */
  private winoPlaneChunks(g: ConvGeometry, s: WinoScheme): { b: number; z0: number; z1: number; i0: number; i1: number }[] {
    const tpp = Math.ceil(g.oh / s.m) * Math.ceil(g.ow / s.m);
    const perPlane = 4 * s.points * tpp * Math.max(g.cin, g.cout);
    const outPlanes = Math.max(1, Math.floor(WINOGRAD_PLANES_BYTES / perPlane) - (g.kd - 1));
    const out: { b: number; z0: number; z1: number; i0: number; i1: number }[] = [];
    for (let b = 0; b < g.n; b++) {
      for (let z0 = 0; z0 < g.od; z0 += outPlanes) {
        const z1 = Math.min(g.od, z0 + outPlanes);
        out.push({ b, z0, z1, i0: Math.max(0, z0 - g.pd), i1: Math.min(g.d, z1 - 1 - g.pd + g.kd) });
      }
    }
    return out;
  }

  /**
   * y = conv(x, w) + bias for kd > 1: per chunk of output planes, the input planes to the Winograd domain
   * once, then per depth tap kz one product per point (output plane z reads input plane z + kz - pd: a
   * whole-plane shift, so every tap is one contiguous product, added up in M), then M back.
   */
  private winoForward3d(s: WinoScheme, x: number, w: number, bias: number, y: number, g: ConvGeometry): void {
    const th = Math.ceil(g.oh / s.m), tw = Math.ceil(g.ow / s.m), tpp = th * tw, P = 4 * s.points;
    const chunks = this.winoPlaneChunks(g, s);
    const maxIn = Math.max(...chunks.map((c) => c.i1 - c.i0)), maxOut = Math.max(...chunks.map((c) => c.z1 - c.z0));
    const tap = g.kh * g.kw * g.cin * g.cout;
    const u = this.alloc(P * g.kd * g.cin * g.cout);
    const v = this.alloc(P * winoRows(maxIn * tpp) * g.cin), m = this.alloc(P * winoRows(maxOut * tpp) * g.cout);
    try {
      for (let kz = 0; kz < g.kd; kz++) this.k[s.filter](w + 4 * kz * tap, p(u) + P * kz * g.cin * g.cout, g.cin, g.cout);
      for (const c of chunks) {
        const Tin = winoRows((c.i1 - c.i0) * tpp), Tout = winoRows((c.z1 - c.z0) * tpp);
        const inRows = (c.i1 - c.i0) * th, outRows = (c.z1 - c.z0) * th;
        this.runRows(s.tIn, [x, p(v), g.h, g.w, g.cin, g.ph, g.pw, th, tw, (c.b * g.d + c.i0) * th, Tin], inRows,
          this.slabs(inRows, 4 * s.points * Tin * g.cin));
        // Taps in an order that starts with one covering every output plane of the chunk (then the
        // first product overwrites M); without one, M starts from zero.
        const taps = Array.from({ length: g.kd }, (_, kz) => kz);
        const covers = (kz: number) => Math.max(c.z0, g.pd - kz) === c.z0 && Math.min(c.z1, g.d + g.pd - kz) === c.z1;
        const first = taps.find(covers);
        if (first === undefined) this.k.fill32(p(m), s.points * Tout * g.cout, 0);
        else taps.unshift(...taps.splice(first, 1));
        taps.forEach((kz, i) => {
          const zs = Math.max(c.z0, g.pd - kz), ze = Math.min(c.z1, g.d + g.pd - kz);
          if (ze <= zs) return;
          this.winoMatmul(s, p(v) + 4 * (zs + kz - g.pd - c.i0) * tpp * g.cin, p(u) + P * kz * g.cin * g.cout,
            p(m) + 4 * (zs - c.z0) * tpp * g.cout, (ze - zs) * tpp, g.cin, g.cout, g.cin, 1, Tin * g.cin, g.cin * g.cout,
            Tout * g.cout, first === undefined || i > 0 ? 1 : 0);
        });
        this.runRows(s.tOut, [p(m), y, bias, g.oh, g.ow, g.cout, th, tw, (c.b * g.od + c.z0) * th, Tout], outRows,
          this.slabs(outRows, 4 * s.points * Tout * g.cout));
      }
    } finally {
      this.free(u); this.free(v); this.free(m);
    }
  }

  /** dw for kd > 1: per chunk and depth tap kz, one product per point summed over the chunk's tiles of every plane pair (z + kz - pd, z). */
  private winoWeightGrad3d(s: WinoScheme, x: number, dy: number, dw: number, g: ConvGeometry): void {
    const th = Math.ceil(g.oh / s.m), tw = Math.ceil(g.ow / s.m), tpp = th * tw, P = 4 * s.points;
    const chunks = this.winoPlaneChunks(g, s);
    const maxIn = Math.max(...chunks.map((c) => c.i1 - c.i0)), maxOut = Math.max(...chunks.map((c) => c.z1 - c.z0));
    const tap = g.kh * g.kw * g.cin * g.cout;
    const v = this.alloc(P * winoRows(maxIn * tpp) * g.cin), e = this.alloc(P * winoRows(maxOut * tpp) * g.cout);
    const mw = this.alloc(P * g.cin * g.cout);
    try {
      this.k.fill32(dw, g.kd * tap, 0);
      for (const c of chunks) {
        const Tin = winoRows((c.i1 - c.i0) * tpp), Tout = winoRows((c.z1 - c.z0) * tpp);
        const inRows = (c.i1 - c.i0) * th, outRows = (c.z1 - c.z0) * th;
        this.runRows(s.tIn, [x, p(v), g.h, g.w, g.cin, g.ph, g.pw, th, tw, (c.b * g.d + c.i0) * th, Tin], inRows,
          this.slabs(inRows, 4 * s.points * Tin * g.cin));
        this.runRows(s.tGradOut, [dy, p(e), g.oh, g.ow, g.cout, th, tw, (c.b * g.od + c.z0) * th, Tout], outRows,
          this.slabs(outRows, 4 * s.points * Tout * g.cout));
        for (let kz = 0; kz < g.kd; kz++) {
          const zs = Math.max(c.z0, g.pd - kz), ze = Math.min(c.z1, g.d + g.pd - kz);
          if (ze <= zs) continue;
          this.winoMatmul(s, p(v) + 4 * (zs + kz - g.pd - c.i0) * tpp * g.cin, p(e) + 4 * (zs - c.z0) * tpp * g.cout, p(mw),
            g.cin, (ze - zs) * tpp, g.cout, 1, g.cin, Tin * g.cin, Tout * g.cout);
          this.k[s.weightOut](p(mw), dw + 4 * kz * tap, g.cin, g.cout, 1);
        }
      }
    } finally {
      this.free(v); this.free(e); this.free(mw);
    }
  }

  /** y = conv(x, w) + bias by Winograd; w [kd, 3, 3, cin, cout] (already flipped for an input gradient). */
  private winoForward(s: WinoScheme, x: number, w: number, bias: number, y: number, g: ConvGeometry): void {
    if (g.kd > 1) {
      this.winoForward3d(s, x, w, bias, y, g);
      return;
    }
    const { th, tw, rows, perChunk } = this.winoChunks(g, s, Math.max(g.cin, g.cout));
    const P = 4 * s.points;
    const u = this.alloc(P * g.cin * g.cout);
    const v = this.alloc(P * winoRows(perChunk * tw) * g.cin), m = this.alloc(P * winoRows(perChunk * tw) * g.cout);
    try {
      this.k[s.filter](w, p(u), g.cin, g.cout);
      for (let base = 0; base < rows; base += perChunk) {
        const nr = Math.min(perChunk, rows - base), T = winoRows(nr * tw);
        const tslabs = this.slabs(nr, 4 * s.points * T * (g.cin + g.cout));
        this.runRows(s.tIn, [x, p(v), g.h, g.w, g.cin, g.ph, g.pw, th, tw, base, T], nr, tslabs);
        this.winoMatmul(s, p(v), p(u), p(m), T, g.cin, g.cout, g.cin, 1, T * g.cin, g.cin * g.cout);
        this.runRows(s.tOut, [p(m), y, bias, g.oh, g.ow, g.cout, th, tw, base, T], nr, tslabs);
      }
    } finally {
      this.free(u); this.free(v); this.free(m);
    }
  }

  /** The products of one Winograd chunk: out[xi] [rows, n] = A[xi] [rows, k] B[xi] [k, n], one per point. */
  private winoMatmul(s: WinoScheme, a: number, b: number, out: number, rows: number, k: number, n: number,
    aRowStride: number, aColStride: number, aBatchStride: number, bBatchStride: number, cBatchStride = rows * n, acc = 0): void {
    const all = s.points * rows;
    const slabs = Math.min(this.slabs(all, all * k * n), Math.ceil(all / 8));
    const scratch = k * n >= 1 << 16 ? this.alloc(32 * k * slabs) : null;
    try {
      this.runRows(T_MATMUL, [a, b, out, s.points, rows, k, n, aRowStride, aColStride, aBatchStride, bBatchStride, cBatchStride, acc,
        scratch ? p(scratch) : 0], all, slabs);
    } finally {
      if (scratch) this.free(scratch);
    }
  }

  conv3d(x: Storage, w: Storage, bias: Storage | null, y: Storage, g: ConvGeometry): void {
    const wino = this.winograd(g);
    if (wino) {
      this.winoForward(wino, p(x), p(w), bias ? p(bias) : 0, p(y), g);
      return;
    }
    const rows = g.n * g.od * g.oh;
    this.runRows(T_CONV, [p(x), p(w), bias ? p(bias) : 0, p(y), this.conv(g)], rows, this.slabs(rows, convFlops(g) / 2));
  }
  conv3dBackwardInput(dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void {
    const rows = g.n * g.d * g.h;
    if (g.sd === 1 && g.sh === 1 && g.sw === 1 && g.pd < g.kd && g.ph < g.kh && g.pw < g.kw && g.cin >= 4) {
      // Stride 1: a forward convolution of dy with the flipped, channel-transposed kernel
      // (assembly/conv.ts convFlipWeights), on the faster forward kernel. The output has cin
      // channels, so it pays once cin fills the forward kernel's channel blocks.
      const wt = this.alloc(4 * g.kd * g.kh * g.kw * g.cin * g.cout);
      try {
        this.k.convFlipWeights(p(w), p(wt), g.kd, g.kh, g.kw, g.cin, g.cout);
        const adj: ConvGeometry = {
          n: g.n, d: g.od, h: g.oh, w: g.ow, cin: g.cout, kd: g.kd, kh: g.kh, kw: g.kw, cout: g.cin, sd: 1, sh: 1, sw: 1,
          pd: g.kd - 1 - g.pd, ph: g.kh - 1 - g.ph, pw: g.kw - 1 - g.pw, od: g.d, oh: g.h, ow: g.w,
        };
        const wino = this.winograd(adj);
        if (wino) this.winoForward(wino, p(dy), p(wt), 0, p(dx), adj);
        else this.runRows(T_CONV, [p(dy), p(wt), 0, p(dx), this.conv(adj)], rows, this.slabs(rows, convFlops(g) / 2));
      } finally {
        this.free(wt);
      }
      return;
    }
    this.runRows(T_CONV_BI, [p(dy), p(w), p(dx), this.conv(g)], rows, this.slabs(rows, convFlops(g) / 2));
  }
  conv3dBackwardWeight(x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void {
    const wino = this.winograd(g);
    if (wino && g.kd > 1) {
      this.winoWeightGrad3d(wino, p(x), p(dy), p(dw), g);
      return;
    }
    if (wino) {
      // dW = G^T [sum over tiles of (A e A^T) (.) (B^T d B)] G: per chunk, one product [cin, T] x [T, cout]
      // per point (each output row sums over every tile of the chunk on one thread), the chunks added in order.
      const s = wino, P = 4 * s.points;
      const { th, tw, rows, perChunk } = this.winoChunks(g, s, Math.max(g.cin, g.cout));
      const v = this.alloc(P * winoRows(perChunk * tw) * g.cin), e = this.alloc(P * winoRows(perChunk * tw) * g.cout);
      const mw = this.alloc(P * g.cin * g.cout);
      try {
        for (let base = 0; base < rows; base += perChunk) {
          const nr = Math.min(perChunk, rows - base), T = winoRows(nr * tw);
          const tslabs = this.slabs(nr, 4 * s.points * T * (g.cin + g.cout));
          this.runRows(s.tIn, [p(x), p(v), g.h, g.w, g.cin, g.ph, g.pw, th, tw, base, T], nr, tslabs);
          this.runRows(s.tGradOut, [p(dy), p(e), g.oh, g.ow, g.cout, th, tw, base, T], nr, tslabs);
          // The sum runs over the chunk's nr * tw tiles only (row T - 1 may be the unwritten spare).
          this.winoMatmul(s, p(v), p(e), p(mw), g.cin, nr * tw, g.cout, 1, g.cin, T * g.cin, T * g.cout);
          this.k[s.weightOut](p(mw), p(dw), g.cin, g.cout, base === 0 ? 0 : 1);
        }
      } finally {
        this.free(v); this.free(e); this.free(mw);
      }
      return;
    }
    const rows = g.n * g.od * g.oh;
    const parts = convFlops(g) / 2 < MIN_PARALLEL_WORK ? 1 : Math.min(rows, WEIGHT_GRAD_PARTS);
    if (parts === 1) {
      this.runRows(T_CONV_BW, [p(x), p(dy), p(dw), this.conv(g)], rows, 1);
      return;
    }
    const size = g.kd * g.kh * g.kw * g.cin * g.cout;
    const partial = this.alloc(4 * parts * size);
    try {
      this.runRows(T_CONV_BW, [p(x), p(dy), p(partial), this.conv(g)], rows, parts);
      this.k.reduce(REDUCE.sum, p(partial), p(dw), 1, parts, size);
    } finally {
      this.free(partial);
    }
  }
  pool(op: 'max' | 'avg', x: Storage, y: Storage, g: ResampleGeometry): void {
    this.k.pool(POOL_CODE[op], p(x), p(y), this.resample(g));
  }
  poolBackward(op: 'max' | 'avg', x: Storage, dy: Storage, dx: Storage, g: ResampleGeometry): void {
    this.k.poolBackward(POOL_CODE[op], p(x), p(dy), p(dx), this.resample(g));
  }
  upsample(mode: 'nearest' | 'linear', x: Storage, y: Storage, g: ResampleGeometry): void {
    this.k.upsample(mode === 'nearest' ? 0 : 1, p(x), p(y), this.resample(g));
  }
  upsampleBackward(mode: 'nearest' | 'linear', dy: Storage, dx: Storage, g: ResampleGeometry): void {
    this.k.upsampleBackward(mode === 'nearest' ? 0 : 1, p(dy), p(dx), this.resample(g));
  }

  warp(x: Storage, flow: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number): void {
    const rows = n * d * h;
    this.runRows(T_WARP, [p(x), p(flow), p(y), n, d, h, w, c], rows, this.slabs(rows, 16 * rows * w * c));
  }
  warpBackward(x: Storage, flow: Storage, dy: Storage, dx: Storage | null, dflow: Storage, n: number, d: number, h: number, w: number, c: number): void {
    const rows = n * d * h, bytes = 4 * n * d * h * w * c;
    if (!dx) {
      // the image needs no gradient: dflow only (pointer 0 tells the kernel to skip the scatter); rows
      // write disjoint dflow rows, so the threads need no partials
      this.runRows(T_WARP_BW, [p(x), p(flow), p(dy), 0, p(dflow), n, d, h, w, c], rows, this.slabs(rows, 16 * rows * w * c));
      return;
    }
    const parts = 16 * rows * w * c < MIN_PARALLEL_WORK ? 1
      : Math.max(1, Math.min(WARP_GRAD_PARTS, rows, Math.floor(WARP_GRAD_PART_BYTES / bytes)));
    if (parts === 1) {
      this.runRows(T_WARP_BW, [p(x), p(flow), p(dy), p(dx), p(dflow), n, d, h, w, c], rows, 1);
      return;
    }
    const partial = this.alloc(parts * bytes);
    try {
      this.runRows(T_WARP_BW, [p(x), p(flow), p(dy), p(partial), p(dflow), n, d, h, w, c], rows, parts);
      this.k.reduce(REDUCE.sum, p(partial), p(dx), 1, parts, bytes / 4);
    } finally {
      this.free(partial);
    }
  }
  warpNearest(x: Storage, flow: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number, dtype: DType, outside: number): void {
    const bits = dtype === 'f32' ? new Int32Array(new Float32Array([outside]).buffer)[0]! : outside | 0;
    this.k.warpNearest(p(x), p(flow), p(y), n, d, h, w, c, bits);
  }
  boxSum(x: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number, rd: number, rh: number, rw: number): void {
    const scratch = this.alloc(4 * n * d * h * w * c);
    this.k.boxSum(p(x), p(y), p(scratch), n, d, h, w, c, rd, rh, rw);
    this.free(scratch);
  }

  softmaxCrossEntropy(logits: Storage, labels: Storage, loss: Storage, probs: Storage, rows: number, classes: number): void {
    this.k.softmaxCrossEntropy(p(logits), p(labels), p(loss), p(probs), rows, classes);
  }
  softmaxCrossEntropyBackward(probs: Storage, labels: Storage, dloss: Storage, dlogits: Storage, rows: number, classes: number): void {
    this.k.softmaxCrossEntropyBackward(p(probs), p(labels), p(dloss), p(dlogits), rows, classes);
  }
  softmax(x: Storage, out: Storage, rows: number, classes: number): void { this.k.softmax(p(x), p(out), rows, classes); }
  labelCountsAcc(pred: Storage, truth: Storage, n: number, numLabels: number, counts: Storage): void {
    this.k.labelCountsAcc(p(pred), p(truth), n, numLabels, p(counts));
  }
  randomUniform(out: Storage, n: number, seed: number, stream: number, lo: number, hi: number): void {
    this.k.randomUniform(p(out), n, seed >>> 0, stream >>> 0, 0, lo, hi);
  }
  randomNormal(out: Storage, n: number, seed: number, stream: number, mean: number, std: number): void {
    this.k.randomNormal(p(out), n, seed >>> 0, stream >>> 0, 0, mean, std);
  }
  dropoutMask(out: Storage, n: number, keep: number, seed: number, stream: number): void {
    this.k.dropoutMask(p(out), n, keep, seed >>> 0, stream >>> 0, 0);
  }

  sgdUpdate(pp: Storage, g: Storage, v: Storage, n: number, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void {
    this.k.sgdUpdate(p(pp), p(g), p(v), n, lr, momentum, weightDecay, nesterov ? 1 : 0);
  }
  adamUpdate(pp: Storage, g: Storage, m: Storage, v: Storage, n: number, lrT: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupledLr: number): void {
    this.k.adamUpdate(p(pp), p(g), p(m), p(v), n, lrT, beta1, beta2, eps, weightDecay, decoupledLr);
  }
  adagradUpdate(pp: Storage, g: Storage, acc: Storage, n: number, lr: number, eps: number, weightDecay: number): void {
    this.k.adagradUpdate(p(pp), p(g), p(acc), n, lr, eps, weightDecay);
  }

  sync(): Promise<void> { return Promise.resolve(); }
  dispose(): void {
    this.disposed = true;
    this.workers?.dispose();
  }
  get isDisposed(): boolean { return this.disposed; }
}

/** Kernel methods timed by startProfile. */
const PROFILED = [
  'fill', 'copy', 'castI32ToF32', 'castF32ToI32', 'permute', 'slice', 'paste', 'gather', 'scatterAddAcc', 'oneHot',
  'unary', 'unaryGrad', 'binary', 'select', 'reduce', 'argmax', 'dotAcc', 'matmul',
  'conv3d', 'conv3dBackwardInput', 'conv3dBackwardWeight', 'pool', 'poolBackward', 'upsample', 'upsampleBackward',
  'warp', 'warpBackward', 'warpNearest', 'boxSum', 'softmaxCrossEntropy', 'softmaxCrossEntropyBackward', 'softmax',
  'labelCountsAcc', 'randomUniform', 'randomNormal', 'dropoutMask', 'sgdUpdate', 'adamUpdate', 'adagradUpdate',
] as const;

function p(s: Storage): number {
  return (s as WasmStorage).ptr;
}

function pad6(a: readonly number[], fill: number): number[] {
  return [...Array<number>(6 - a.length).fill(fill), ...a];
}
