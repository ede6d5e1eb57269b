// The WebAssembly backend: one SIMD module (assembly/ -> build/blendwarp.wasm, embedded as base64),
// a TypeScript-side allocator over its memory, and thin calls into its kernels.
import type {
  Backend, BackendInfo, BinaryOp, ConvGeometry, DType, MemoryStats, ReduceOp, ResampleGeometry, Storage,
  UnaryGradOp, UnaryOp,
} from '../backend.js';
import { LinearAllocator } from './allocator.js';
import { wasmSimdBase64 } from './wasm-binary.js';

type Ptr = number;
/** The kernel exports of assembly/index.ts. */
interface Kernels {
  memory: WebAssembly.Memory;
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
  conv3dBackwardInput(dy: Ptr, w: Ptr, dx: Ptr, geom: Ptr): void;
  conv3dBackwardWeight(x: Ptr, dy: Ptr, dw: Ptr, geom: Ptr): void;
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

const UNARY: Record<UnaryOp, number> = {
  neg: 0, abs: 1, exp: 2, log: 3, sqrt: 4, square: 5, relu: 6, leakyRelu: 7, sigmoid: 8, tanh: 9, clamp: 10,
  affine: 11, pow: 12, sign: 13, reciprocal: 14, softplus: 15, step: 16,
};
const BINARY: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5, pow: 6, greater: 7, equal: 8 };
const REDUCE: Record<ReduceOp, number> = { sum: 0, max: 1, min: 2 };
const PARAM_BYTES = 1024;

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
  private disposed = false;

  private constructor(instance: WebAssembly.Instance) {
    this.k = instance.exports as unknown as Kernels;
    this.heap = new LinearAllocator(this.k.memory, this.k.heapBase());
    this.params = this.heap.alloc(PARAM_BYTES);
  }

  static async create(): Promise<WasmBackend> {
    const bytes = decodeBase64(wasmSimdBase64);
    if (!WebAssembly.validate(bytes)) {
      throw new Error('wasm backend: this runtime cannot run the SIMD128 WebAssembly module (WebAssembly SIMD is required)');
    }
    const module = await WebAssembly.compile(bytes);
    const instance = await WebAssembly.instantiate(module, {});
    return new WasmBackend(instance);
  }

  info(): BackendInfo {
    return {
      name: 'wasm',
      simd: true,
      relaxedSimd: false,
      threads: 1,
      memoryBytes: this.heap.reservedBytes,
      maxMemoryBytes: 4 * 1024 ** 3,
    };
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
    // Views are made fresh each time: growing the memory detaches earlier ones.
    return dtype === 'f32' ? new Float32Array(this.k.memory.buffer, ptr, count) : new Int32Array(this.k.memory.buffer, ptr, count);
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
    const view = new Int32Array(this.k.memory.buffer, this.params, PARAM_BYTES / 4);
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
    this.k.matmul(p(a), bp, p(out), batch, m, k, n, transA ? 1 : k, transA ? m : 1, aBatchStride, bBatchStride);
    if (tmp) this.free(tmp);
  }

  private conv(g: ConvGeometry): number {
    return this.ints([g.n, g.d, g.h, g.w, g.cin, g.kd, g.kh, g.kw, g.cout, g.sd, g.sh, g.sw, g.pd, g.ph, g.pw, g.od, g.oh, g.ow])[0]!;
  }
  private resample(g: ResampleGeometry): number {
    return this.ints([g.n, g.d, g.h, g.w, g.c, g.fd, g.fh, g.fw, g.od, g.oh, g.ow])[0]!;
  }
  conv3d(x: Storage, w: Storage, bias: Storage | null, y: Storage, g: ConvGeometry): void {
    this.k.conv3d(p(x), p(w), bias ? p(bias) : 0, p(y), this.conv(g));
  }
  conv3dBackwardInput(dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void {
    this.k.conv3dBackwardInput(p(dy), p(w), p(dx), this.conv(g));
  }
  conv3dBackwardWeight(x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void {
    this.k.conv3dBackwardWeight(p(x), p(dy), p(dw), this.conv(g));
  }
  pool(op: 'max' | 'avg', x: Storage, y: Storage, g: ResampleGeometry): void {
    this.k.pool(op === 'max' ? 0 : 1, p(x), p(y), this.resample(g));
  }
  poolBackward(op: 'max' | 'avg', x: Storage, dy: Storage, dx: Storage, g: ResampleGeometry): void {
    this.k.poolBackward(op === 'max' ? 0 : 1, p(x), p(dy), p(dx), this.resample(g));
  }
  upsample(mode: 'nearest' | 'linear', x: Storage, y: Storage, g: ResampleGeometry): void {
    this.k.upsample(mode === 'nearest' ? 0 : 1, p(x), p(y), this.resample(g));
  }
  upsampleBackward(mode: 'nearest' | 'linear', dy: Storage, dx: Storage, g: ResampleGeometry): void {
    this.k.upsampleBackward(mode === 'nearest' ? 0 : 1, p(dy), p(dx), this.resample(g));
  }

  warp(x: Storage, flow: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number): void {
    this.k.warp(p(x), p(flow), p(y), n, d, h, w, c);
  }
  warpBackward(x: Storage, flow: Storage, dy: Storage, dx: Storage, dflow: Storage, n: number, d: number, h: number, w: number, c: number): void {
    this.k.warpBackward(p(x), p(flow), p(dy), p(dx), p(dflow), n, d, h, w, c);
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
  dispose(): void { this.disposed = true; }
  get isDisposed(): boolean { return this.disposed; }
}

function p(s: Storage): number {
  return (s as WasmStorage).ptr;
}

function pad6(a: readonly number[], fill: number): number[] {
  return [...Array<number>(6 - a.length).fill(fill), ...a];
}
