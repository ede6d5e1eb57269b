// The WebGPU backend: the Backend interface mapped onto a runtime core (runtime.ts: device, buffer
// pool, command batching, named kernel parameters, binding windows) and one module per op family
// (ops/*.ts), each owning its WGSL kernels (shaders/*.wgsl, embedded in shader-sources.ts), its
// parameter structs and its chunk planner. docs/webgpu-kernels.md has the op -> module -> shader ->
// wasm kernel -> test table and the design of the GPU kernels.
//
// Semantics differ from wasm only in float rounding: the same PCG32 streams (uniform draws and dropout
// masks bit-identical, normals within ~1e-6); warp's image gradient and the dot products accumulate
// differently (see docs/webgpu-kernels.md for the bounds).
import type {
  Backend, BackendInfo, BinaryOp, ConvGeometry, DType, MemoryStats, ReduceOp, ResampleGeometry, Storage,
  UnaryGradOp, UnaryOp,
} from '../backend.js';
import { atExit, describeAdapter, profileRequested, requireAdapter, type AdapterSummary, type GpuAdapterHandle } from './device.js';
import { GpuRuntime } from './runtime.js';
import * as box from './ops/box.js';
import * as conv from './ops/conv.js';
import * as ew from './ops/elementwise.js';
import * as layout from './ops/layout.js';
import * as loss from './ops/loss.js';
import * as mm from './ops/matmul.js';
import * as random from './ops/random.js';
import * as red from './ops/reduce.js';
import * as resample from './ops/resample.js';
import * as warpOps from './ops/warp.js';

/** Every program (kernel file, or "loaders+core" composition) each op module launches: the shader test compiles them all. */
export const WEBGPU_PROGRAMS: Record<string, readonly string[]> = {
  box: box.PROGRAMS, conv: conv.PROGRAMS, elementwise: ew.PROGRAMS, layout: layout.PROGRAMS, loss: loss.PROGRAMS,
  matmul: mm.PROGRAMS, random: random.PROGRAMS, reduce: red.PROGRAMS, resample: resample.PROGRAMS, warp: warpOps.PROGRAMS,
};

export interface WebGPUOptions {
  /**
   * Binding limit to plan launches with, in bytes (default: the adapter's
   * maxStorageBufferBindingSize). Tests lower it to exercise the chunked paths on small tensors.
   */
  maxBindingBytes?: number;
  /**
   * matmul on the tiled GEMM core (default). false: one thread per output (matmul.wgsl), the simple
   * path kept as a cross-check.
   */
  tiledMatmul?: boolean;
  /**
   * Time every kernel with timestamp queries and print a per-kernel table to stderr at exit (default:
   * the environment variable BLENDWARP_WEBGPU_PROFILE=1). Each dispatch then gets its own compute
   * pass, which itself costs a little; for measuring only.
   */
  profile?: boolean;
  /**
   * The GEMM core of conv and matmul: 'tiled' (gemm_core.wgsl, for GPUs) or 'direct'
   * (gemm_direct.wgsl, for CPU adapters). Default: the adapter decides ('direct' when
   * info().adapter.software). Tests set it to run both cores on any adapter.
   */
  gemmCore?: 'tiled' | 'direct';
}

export class WebGPUBackend implements Backend {
  readonly name = 'webgpu' as const;
  readonly rt: GpuRuntime;
  private readonly summary: AdapterSummary;
  private readonly tiledMatmul: boolean;

  private constructor(private readonly handle: GpuAdapterHandle, readonly device: GPUDevice, opts: WebGPUOptions, profile: boolean) {
    this.summary = describeAdapter(handle.adapter);
    this.tiledMatmul = opts.tiledMatmul ?? true;
    this.rt = new GpuRuntime(this, handle, device, opts.maxBindingBytes, opts.gemmCore ?? (this.summary.software ? 'direct' : 'tiled'), profile);
    if (profile) atExit(() => { const t = this.rt.profileTable(); if (t) console.error(t); });
  }

  static async create(opts: WebGPUOptions = {}): Promise<WebGPUBackend> {
    const handle = await requireAdapter();
    const a = handle.adapter;
    // Ask for the adapter's own buffer limits: the defaults (128 MiB binding, 256 MiB buffer) would cap
    // the volumes a real GPU can hold. Nothing beyond core WebGPU is required (no features).
    const profile = (opts.profile ?? profileRequested()) && a.features.has('timestamp-query');
    const device = await a.requestDevice({
      requiredFeatures: profile ? ['timestamp-query'] : [],
      requiredLimits: {
        maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
        maxBufferSize: a.limits.maxBufferSize,
      },
    });
    return new WebGPUBackend(handle, device, opts, profile);
  }

  info(): BackendInfo {
    const l = this.device.limits;
    return {
      name: 'webgpu',
      runtime: this.handle.source,
      adapter: { ...this.summary },
      limits: {
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
        minStorageBufferOffsetAlignment: l.minStorageBufferOffsetAlignment,
      },
      bindingLimitUsed: this.rt.maxBind,
      features: [...this.handle.adapter.features].sort(),
      // shader-f16 and subgroups are offered on some adapters; every kernel is f32 and core WGSL.
      featuresUsed: [],
    };
  }

  memory(): MemoryStats { return this.rt.memory(); }
  alloc(bytes: number): Storage { return this.rt.alloc(bytes); }
  free(s: Storage): void { this.rt.free(s); }
  write(s: Storage, data: Float32Array | Int32Array, elementOffset = 0): void { this.rt.write(s, data, elementOffset); }
  read(s: Storage, dtype: DType, count: number): Promise<Float32Array | Int32Array> { return this.rt.read(s, dtype, count); }
  sync(): Promise<void> { return this.rt.sync(); }
  dispose(): void { this.rt.dispose(); }
  /** Queues one launch (tests use it to provoke a device error). */
  launch(kernel: string, constants: Record<string, number>, params: Record<string, number | readonly number[]>, binds: readonly { buffer: GPUBuffer; offset: number; size: number }[], groups: number): void {
    this.rt.launch(kernel, constants, params, binds, groups);
  }

  // ---- data movement and layout
  fill(out: Storage, n: number, value: number, dtype: DType): void { ew.fill(this.rt, out, n, value, dtype); }
  copy(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, n: number): void { ew.copy(this.rt, src, srcOffset, dst, dstOffset, n); }
  castI32ToF32(x: Storage, out: Storage, n: number): void { ew.castI32ToF32(this.rt, x, out, n); }
  castF32ToI32(x: Storage, out: Storage, n: number): void { ew.castF32ToI32(this.rt, x, out, n); }
  permute(x: Storage, out: Storage, shape: readonly number[], perm: readonly number[]): void { layout.permute(this.rt, x, out, shape, perm); }
  slice(x: Storage, xShape: readonly number[], begin: readonly number[], out: Storage, outShape: readonly number[]): void { layout.slice(this.rt, x, xShape, begin, out, outShape); }
  paste(src: Storage, srcShape: readonly number[], dst: Storage, dstShape: readonly number[], begin: readonly number[], add: boolean): void { layout.paste(this.rt, src, srcShape, dst, dstShape, begin, add); }
  gather(x: Storage, idx: Storage, out: Storage, outer: number, axisLen: number, inner: number, nIdx: number): void { layout.gather(this.rt, x, idx, out, outer, axisLen, inner, nIdx); }
  scatterAddAcc(dy: Storage, idx: Storage, dx: Storage, outer: number, axisLen: number, inner: number, nIdx: number): void { layout.scatterAddAcc(this.rt, dy, idx, dx, outer, axisLen, inner, nIdx); }
  oneHot(idx: Storage, out: Storage, n: number, depth: number, on: number, off: number): void { layout.oneHot(this.rt, idx, out, n, depth, on, off); }

  // ---- elementwise
  unary(op: UnaryOp, x: Storage, out: Storage, n: number, p0: number, p1: number): void { ew.unary(this.rt, op, x, out, n, p0, p1); }
  unaryGrad(op: UnaryGradOp, x: Storage, y: Storage, dy: Storage, dx: Storage, n: number, p0: number, p1: number): void { ew.unaryGrad(this.rt, op, x, y, dy, dx, n, p0, p1); }
  binary(op: BinaryOp, a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], out: Storage, outShape: readonly number[]): void { ew.binary(this.rt, op, a, aStrides, b, bStrides, out, outShape); }
  select(cond: Storage, a: Storage, b: Storage, out: Storage, n: number): void { ew.select(this.rt, cond, a, b, out, n); }

  // ---- reductions
  reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void { red.reduce(this.rt, op, x, out, outer, r, inner); }
  argmax(x: Storage, out: Storage, rows: number, cols: number): void { red.argmax(this.rt, x, out, rows, cols); }
  dotAcc(a: Storage, b: Storage, n: number, out: Storage, outIndex: number): void { red.dotAcc(this.rt, a, b, n, out, outIndex); }

  // ---- linear algebra, convolution, resampling
  matmul(a: Storage, b: Storage, out: Storage, batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number): void {
    mm.matmul(this.rt, a, b, out, batch, m, k, n, transA, transB, aBatchStride, bBatchStride, this.tiledMatmul);
  }
  conv3d(x: Storage, w: Storage, bias: Storage | null, y: Storage, g: ConvGeometry): void { conv.conv3d(this.rt, x, w, bias, y, g); }
  conv3dBackwardInput(dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void { conv.conv3dBackwardInput(this.rt, dy, w, dx, g); }
  conv3dBackwardWeight(x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void { conv.conv3dBackwardWeight(this.rt, x, dy, dw, g); }
  pool(op: 'max' | 'avg', x: Storage, y: Storage, g: ResampleGeometry): void { resample.pool(this.rt, op, x, y, g); }
  poolBackward(op: 'max' | 'avg', x: Storage, dy: Storage, dx: Storage, g: ResampleGeometry): void { resample.poolBackward(this.rt, op, x, dy, dx, g); }
  upsample(mode: 'nearest' | 'linear', x: Storage, y: Storage, g: ResampleGeometry): void { resample.upsample(this.rt, mode, x, y, g); }
  upsampleBackward(mode: 'nearest' | 'linear', dy: Storage, dx: Storage, g: ResampleGeometry): void { resample.upsampleBackward(this.rt, mode, dy, dx, g); }

  // ---- spatial transformer, box sums
  warp(x: Storage, flow: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number): void { warpOps.warp(this.rt, x, flow, y, n, d, h, w, c); }
  warpBackward(x: Storage, flow: Storage, dy: Storage, dx: Storage | null, dflow: Storage, n: number, d: number, h: number, w: number, c: number): void {
    warpOps.warpBackward(this.rt, x, flow, dy, dx, dflow, n, d, h, w, c);
  }
  warpNearest(x: Storage, flow: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number, dtype: DType, outside: number): void {
    warpOps.warpNearest(this.rt, x, flow, y, n, d, h, w, c, dtype, outside);
  }
  boxSum(x: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number, rd: number, rh: number, rw: number): void { box.boxSum(this.rt, x, y, n, d, h, w, c, rd, rh, rw); }

  // ---- losses, random, optimizers
  softmaxCrossEntropy(logits: Storage, labels: Storage, lossOut: Storage, probs: Storage, rows: number, classes: number): void { loss.softmaxCrossEntropy(this.rt, logits, labels, lossOut, probs, rows, classes); }
  softmaxCrossEntropyBackward(probs: Storage, labels: Storage, dloss: Storage, dlogits: Storage, rows: number, classes: number): void { loss.softmaxCrossEntropyBackward(this.rt, probs, labels, dloss, dlogits, rows, classes); }
  softmax(x: Storage, out: Storage, rows: number, classes: number): void { loss.softmax(this.rt, x, out, rows, classes); }
  labelCountsAcc(pred: Storage, truth: Storage, n: number, numLabels: number, counts: Storage): void { loss.labelCountsAcc(this.rt, pred, truth, n, numLabels, counts); }
  randomUniform(out: Storage, n: number, seed: number, stream: number, lo: number, hi: number): void { random.randomUniform(this.rt, out, n, seed, stream, lo, hi); }
  randomNormal(out: Storage, n: number, seed: number, stream: number, mean: number, std: number): void { random.randomNormal(this.rt, out, n, seed, stream, mean, std); }
  dropoutMask(out: Storage, n: number, keep: number, seed: number, stream: number): void { random.dropoutMask(this.rt, out, n, keep, seed, stream); }
  sgdUpdate(p: Storage, g: Storage, v: Storage, n: number, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void { ew.sgdUpdate(this.rt, p, g, v, n, lr, momentum, weightDecay, nesterov); }
  adamUpdate(p: Storage, g: Storage, m: Storage, v: Storage, n: number, lrT: number, beta1: number, beta2: number, epsT: number, weightDecay: number, decoupledLr: number): void {
    ew.adamUpdate(this.rt, p, g, m, v, n, lrT, beta1, beta2, epsT, weightDecay, decoupledLr);
  }
  adagradUpdate(p: Storage, g: Storage, acc: Storage, n: number, lr: number, eps: number, weightDecay: number): void { ew.adagradUpdate(this.rt, p, g, acc, n, lr, eps, weightDecay); }
}
