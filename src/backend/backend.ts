// The one interface every compute backend implements (wasm now, webgpu next).
//
// A backend owns storage (opaque `Storage` handles) and runs kernels on it. Kernels are
// fire-and-forget: they are queued (webgpu) or run at once (wasm); reading back is the only
// asynchronous step. The op layer (src/ops) allocates every output before calling a kernel and
// validates every shape, so nothing here re-validates. All tensors are dense, row-major,
// channels-last [N, D, H, W, C].

export type DType = 'f32' | 'i32';

/** A backend-owned block of memory. `refs` counts the tensors viewing it (reshape shares storage). */
export interface Storage {
  readonly backend: Backend;
  readonly bytes: number;
  refs: number;
}

export interface MemoryStats {
  /** Storages currently allocated (not yet freed). */
  liveBuffers: number;
  /** Bytes held by live storages. */
  liveBytes: number;
  /** Bytes the backend has reserved from its device (wasm: linear memory size). */
  reservedBytes: number;
}

export interface BackendInfo {
  name: string;
  [key: string]: unknown;
}

// Op names and kernel codes: src/backend/op-table.ts (the one table for TS, AssemblyScript and WGSL).
export type { UnaryOp, UnaryGradOp, BinaryOp, ReduceOp } from './op-table.js';
import type { UnaryOp, UnaryGradOp, BinaryOp, ReduceOp } from './op-table.js';

/** Geometry of a 3D convolution, channels-last; 1D/2D use unit axes. Padding is the count of zeros before. */
export interface ConvGeometry {
  n: number;
  d: number; h: number; w: number; cin: number;
  kd: number; kh: number; kw: number; cout: number;
  sd: number; sh: number; sw: number;
  pd: number; ph: number; pw: number;
  od: number; oh: number; ow: number;
}

/** Geometry of a per-axis x2 resampling (pool or upsample): f* is 1 or 2 per spatial axis. */
export interface ResampleGeometry {
  n: number; d: number; h: number; w: number; c: number;
  fd: number; fh: number; fw: number;
  /** Output spatial sizes: pool floor(in / f); upsample in * f. */
  od: number; oh: number; ow: number;
}

export interface Backend {
  readonly name: 'wasm' | 'webgpu';
  info(): BackendInfo;
  memory(): MemoryStats;

  alloc(bytes: number): Storage;
  free(s: Storage): void;
  write(s: Storage, data: Float32Array | Int32Array, elementOffset?: number): void;
  read(s: Storage, dtype: DType, count: number): Promise<Float32Array | Int32Array>;
  /** Synchronous read where the backend can do it (wasm); undefined otherwise. */
  readSync?(s: Storage, dtype: DType, count: number): Float32Array | Int32Array;

  // ---- data movement ------------------------------------------------------------------------
  fill(out: Storage, n: number, value: number, dtype: DType): void;
  copy(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, n: number): void;
  castI32ToF32(x: Storage, out: Storage, n: number): void;
  castF32ToI32(x: Storage, out: Storage, n: number): void;
  /** out = x.transpose(perm); shape is x's shape (rank <= 6). */
  permute(x: Storage, out: Storage, shape: readonly number[], perm: readonly number[], dtype: DType): void;
  /** out = x[begin : begin + outShape] (rank <= 6). */
  slice(x: Storage, xShape: readonly number[], begin: readonly number[], out: Storage, outShape: readonly number[], dtype: DType): void;
  /** dst[begin : begin + srcShape] (+)= src (accumulate when `add`), rank <= 6. */
  paste(src: Storage, srcShape: readonly number[], dst: Storage, dstShape: readonly number[], begin: readonly number[], add: boolean, dtype: DType): void;
  /** x viewed as [outer, axisLen, inner]; out[o, i, :] = x[o, idx[i], :] for i < nIdx. */
  gather(x: Storage, idx: Storage, out: Storage, outer: number, axisLen: number, inner: number, nIdx: number, dtype: DType): void;
  /** Adjoint of gather: dx[o, idx[i], :] += dy[o, i, :]; dx must be zeroed by the caller. */
  scatterAddAcc(dy: Storage, idx: Storage, dx: Storage, outer: number, axisLen: number, inner: number, nIdx: number): void;
  /** out[i, c] = idx[i] == c ? on : off, out is f32 [n, depth]. */
  oneHot(idx: Storage, out: Storage, n: number, depth: number, on: number, off: number): void;

  // ---- elementwise --------------------------------------------------------------------------
  /** p0/p1: leakyRelu alpha; clamp lo/hi; affine x*p0+p1; pow exponent p0. */
  unary(op: UnaryOp, x: Storage, out: Storage, n: number, p0: number, p1: number): void;
  /** dx = dy * op'(x); y = op(x) is given for ops whose derivative is cheaper from it. */
  unaryGrad(op: UnaryGradOp, x: Storage, y: Storage, dy: Storage, dx: Storage, n: number, p0: number, p1: number): void;
  /** out[i] = a[i . aStrides] op b[i . bStrides] over outShape; a stride 0 broadcasts (rank <= 6). */
  binary(op: BinaryOp, a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], out: Storage, outShape: readonly number[]): void;
  /** out = cond ? a : b, all same size (used by max/min gradients). */
  select(cond: Storage, a: Storage, b: Storage, out: Storage, n: number): void;

  // ---- reductions ---------------------------------------------------------------------------
  /** x viewed as [outer, r, inner] -> out [outer, inner]. */
  reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void;
  /** x [rows, cols] -> out i32 [rows]: index of the first maximum. */
  argmax(x: Storage, out: Storage, rows: number, cols: number): void;
  /** out[outIndex] += sum_i a[i] * b[i] (f32 out, accumulates). */
  dotAcc(a: Storage, b: Storage, n: number, out: Storage, outIndex: number): void;

  // ---- linear algebra -----------------------------------------------------------------------
  /** out[b] = op(a[b]) @ op(b[b]); a [batch, m, k] (or [batch, k, m] when transA), b [batch, k, n]
   *  (or [batch, n, k] when transB), out [batch, m, n]. A batch stride of 0 broadcasts an operand. */
  matmul(a: Storage, b: Storage, out: Storage, batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number): void;

  // ---- convolution, pooling, resampling -----------------------------------------------------
  /** y [n, od, oh, ow, cout] = conv(x [n, d, h, w, cin], w [kd, kh, kw, cin, cout]) + bias [cout] (bias may be null). */
  conv3d(x: Storage, w: Storage, bias: Storage | null, y: Storage, g: ConvGeometry): void;
  /** dx [n, d, h, w, cin] = adjoint of conv3d w.r.t. x applied to dy. */
  conv3dBackwardInput(dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void;
  /** dw [kd, kh, kw, cin, cout] = adjoint of conv3d w.r.t. w applied to dy. */
  conv3dBackwardWeight(x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void;
  pool(op: 'max' | 'avg', x: Storage, y: Storage, g: ResampleGeometry): void;
  poolBackward(op: 'max' | 'avg', x: Storage, dy: Storage, dx: Storage, g: ResampleGeometry): void;
  upsample(mode: 'nearest' | 'linear', x: Storage, y: Storage, g: ResampleGeometry): void;
  upsampleBackward(mode: 'nearest' | 'linear', dy: Storage, dx: Storage, g: ResampleGeometry): void;

  // ---- spatial transformer ------------------------------------------------------------------
  /** y [n,d,h,w,c] = trilinear sample of x at (voxel + flow), flow [n,d,h,w,3] in (D,H,W) order; zeros outside. */
  warp(x: Storage, flow: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number): void;
  /**
   * dx and dflow (both overwritten) from dy: the adjoints of warp w.r.t. the image and the field.
   * dx null: the image needs no gradient and its (scatter) adjoint is skipped.
   */
  warpBackward(x: Storage, flow: Storage, dy: Storage, dx: Storage | null, dflow: Storage, n: number, d: number, h: number, w: number, c: number): void;
  /** Nearest-neighbour warp (labels); f32 or i32 payload, `outside` fills out-of-volume samples. */
  warpNearest(x: Storage, flow: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number, dtype: DType, outside: number): void;
  /** Box sum over a (2rd+1)(2rh+1)(2rw+1) window with zero padding, cost independent of the radius. */
  boxSum(x: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number, rd: number, rh: number, rw: number): void;

  // ---- losses, random, evaluation -----------------------------------------------------------
  /** Per row: loss[r] = logsumexp(logits[r]) - logits[r, label[r]]; probs = softmax(logits). */
  softmaxCrossEntropy(logits: Storage, labels: Storage, loss: Storage, probs: Storage, rows: number, classes: number): void;
  /** dlogits[r] = (probs[r] - onehot(label[r])) * dloss[r]. */
  softmaxCrossEntropyBackward(probs: Storage, labels: Storage, dloss: Storage, dlogits: Storage, rows: number, classes: number): void;
  /** Row-wise softmax. */
  softmax(x: Storage, out: Storage, rows: number, classes: number): void;
  /** counts i32 [numLabels, 3] += (|pred==l & truth==l|, |pred==l|, |truth==l|), labels i32. */
  labelCountsAcc(pred: Storage, truth: Storage, n: number, numLabels: number, counts: Storage): void;
  /** PCG32 stream (seed, stream); uniform in [lo, hi) or normal(mean, std). */
  randomUniform(out: Storage, n: number, seed: number, stream: number, lo: number, hi: number): void;
  randomNormal(out: Storage, n: number, seed: number, stream: number, mean: number, std: number): void;
  /** mask = (u < keep) / keep for inverted dropout. */
  dropoutMask(out: Storage, n: number, keep: number, seed: number, stream: number): void;

  // ---- fused optimizer updates (in place on p and state) -------------------------------------
  sgdUpdate(p: Storage, g: Storage, v: Storage, n: number, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void;
  /** Bias corrections folded in: lrT = lr sqrt(1 - b2^t) / (1 - b1^t), epsT = eps sqrt(1 - b2^t);
   *  weightDecay is coupled L2, decoupledLr = lr * wd for AdamW (p *= 1 - decoupledLr). */
  adamUpdate(p: Storage, g: Storage, m: Storage, v: Storage, n: number, lrT: number, beta1: number, beta2: number, epsT: number, weightDecay: number, decoupledLr: number): void;
  adagradUpdate(p: Storage, g: Storage, acc: Storage, n: number, lr: number, eps: number, weightDecay: number): void;

  /** Waits until every queued kernel has finished (a no-op on wasm). */
  sync(): Promise<void>;
  dispose(): void;
}

/**
 * The device under a backend is gone (WebGPU: `device.lost`, a driver reset, the GPU process killed,
 * `destroy()`): every tensor on it is lost. Pipelines catch it to say which checkpoint they keep.
 */
export class DeviceLostError extends Error {
  constructor(message: string, readonly reason: string) {
    super(message);
    this.name = 'DeviceLostError';
  }
}
