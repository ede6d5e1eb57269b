// The WebGPU backend: every kernel of the Backend interface as a WGSL compute shader (shaders/*.wgsl,
// embedded in shader-sources.ts), a pipeline cache keyed by kernel and specialisation constants, a
// buffer pool, dispatches batched into one command encoder until something must be read, written or
// awaited, and launches split into chunks where a tensor is larger than the adapter's
// maxStorageBufferBindingSize (each launch then binds windows of the buffers).
//
// Ordering: kernels are queued; `queue.writeBuffer` runs at the head of the queue, so every write first
// submits what is queued (a pooled buffer may still be read by a queued kernel). Reads copy into a
// staging buffer and are the only asynchronous step.
//
// Large tensors: elementwise kernels, binary ops, reductions, dotAcc, copy, slice/paste, conv3d and
// both adjoints, pooling/upsampling and adjoints, boxSum (slabs of depth planes), warp, warpBackward
// and warpNearest (the randomly sampled tensor bound as up to four windows) split their launches.
// permute, gather/scatterAddAcc, oneHot, argmax, matmul, softmax and the losses, labelCountsAcc bind
// whole tensors and name themselves in an error beyond the limit.
// Semantics differ from wasm only in float rounding: the same PCG32 streams (uniform draws and dropout
// masks bit-identical, normals within ~1e-6), and warp's image gradient is a gather (no float atomics).
import type {
  Backend, BackendInfo, BinaryOp, ConvGeometry, DType, MemoryStats, ReduceOp, ResampleGeometry, Storage,
  UnaryGradOp, UnaryOp,
} from '../backend.js';
import { describeAdapter, requireAdapter, type AdapterSummary, type GpuAdapterHandle } from './device.js';
import { SHADER_KERNELS, SHADER_LIBRARY } from './shader-sources.js';

// WebGPU flag values (spec constants), so nothing depends on GPU* globals being installed.
const USAGE_MAP_READ = 0x0001, USAGE_COPY_SRC = 0x0004, USAGE_COPY_DST = 0x0008, USAGE_UNIFORM = 0x0040, USAGE_STORAGE = 0x0080;
const MAP_READ = 0x0001;

const WG = 256;
const MAX_GROUPS_PER_DIM = 65535;
/** Parameter slots (256 bytes each: the uniform offset alignment) per submitted batch. */
const PARAM_SLOTS = 512;
const PARAM_WORDS = 64;
/** Pooled (freed, reusable) bytes kept before buffers are destroyed. */
const POOL_CAP_BYTES = 512 * 1024 * 1024;

const UNARY: Record<UnaryOp, number> = {
  neg: 0, abs: 1, exp: 2, log: 3, sqrt: 4, square: 5, relu: 6, leakyRelu: 7, sigmoid: 8, tanh: 9, clamp: 10,
  affine: 11, pow: 12, sign: 13, reciprocal: 14, softplus: 15, step: 16,
};
const BINARY: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5, pow: 6, greater: 7, equal: 8 };
const REDUCE: Record<ReduceOp, number> = { sum: 0, max: 1, min: 2 };

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
/** The bits of an f32 parameter as a u32 word. */
function fb(x: number): number { F32[0] = x; return U32[0]!; }

class GpuStorage implements Storage {
  refs = 1;
  constructor(readonly backend: WebGPUBackend, readonly buffer: GPUBuffer, readonly bytes: number) {}
}

/** One storage binding: a window [offset, offset + size) in bytes of a buffer. */
interface Bind { buffer: GPUBuffer; offset: number; size: number; }

export interface WebGPUOptions {
  /**
   * Binding limit to plan launches with, in bytes (default: the adapter's
   * maxStorageBufferBindingSize). Tests lower it to exercise the chunked paths on small tensors.
   */
  maxBindingBytes?: number;
  /**
   * Tiled matmul (workgroup memory, barriers): default on hardware adapters. CPU adapters run
   * barriers slowly, so they default to one thread per output.
   */
  tiledMatmul?: boolean;
}

export class WebGPUBackend implements Backend {
  readonly name = 'webgpu' as const;
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly freeBuffers = new Map<number, GPUBuffer[]>();
  private pooledBytes = 0;
  private liveBuffers = 0;
  private liveBytes = 0;
  private reservedBytes = 0;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly params: GPUBuffer;
  private readonly paramData = new Uint32Array(PARAM_SLOTS * PARAM_WORDS);
  private slot = 0;
  /** Buffers to destroy once the batch that may use them is submitted. */
  private doomed: GPUBuffer[] = [];
  /** Elements per window: the binding limit, rounded down to whole 1024-element blocks. */
  private readonly chunk: number;
  private readonly maxBind: number;
  private readonly summary: AdapterSummary;
  private readonly tiledMatmul: boolean;
  private disposed = false;
  private lost: string | null = null;
  /** The first validation or out-of-memory error the device reported: the next read or sync throws it. */
  private gpuError: string | null = null;

  private constructor(private readonly handle: GpuAdapterHandle, readonly device: GPUDevice, opts: WebGPUOptions) {
    this.summary = describeAdapter(handle.adapter);
    this.tiledMatmul = opts.tiledMatmul ?? !this.summary.software;
    this.maxBind = Math.min(opts.maxBindingBytes ?? Infinity, device.limits.maxStorageBufferBindingSize);
    this.chunk = Math.floor(this.maxBind / 4 / 1024) * 1024 - 1024;
    if (this.chunk < 1024) throw new Error(`webgpu backend: maxBindingBytes ${this.maxBind} is too small (at least 8 KiB)`);
    this.params = device.createBuffer({ size: PARAM_SLOTS * 256, usage: USAGE_UNIFORM | USAGE_COPY_DST });
    void device.lost.then((info) => { this.lost = `${info.reason}: ${info.message}`; });
    device.addEventListener?.('uncapturederror', (ev) => {
      // A validation or out-of-memory error means a kernel did not run: the next read fails with it
      // rather than returning stale data.
      this.gpuError ??= (ev as GPUUncapturedErrorEvent).error.message;
    });
  }

  static async create(opts: WebGPUOptions = {}): Promise<WebGPUBackend> {
    const handle = await requireAdapter();
    const a = handle.adapter;
    // Ask for the adapter's own buffer limits: the defaults (128 MiB binding, 256 MiB buffer) would cap
    // the volumes a real GPU can hold. Nothing beyond core WebGPU is required (no features).
    const device = await a.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
        maxBufferSize: a.limits.maxBufferSize,
      },
    });
    return new WebGPUBackend(handle, device, opts);
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
      bindingLimitUsed: this.maxBind,
      features: [...this.handle.adapter.features].sort(),
      // shader-f16 and subgroups are offered on some adapters; every kernel is f32 and core WGSL.
      featuresUsed: [],
    };
  }

  memory(): MemoryStats {
    return { liveBuffers: this.liveBuffers, liveBytes: this.liveBytes, reservedBytes: this.reservedBytes };
  }

  // ---- storage --------------------------------------------------------------------------------

  private static bucket(bytes: number): number {
    if (bytes <= 256) return 256;
    // quarter-power-of-two classes: at most 25% slack, and freed buffers are reused across sizes
    const p = 2 ** Math.floor(Math.log2(bytes));
    const step = Math.max(256, p / 4);
    return Math.ceil(bytes / step) * step;
  }

  alloc(bytes: number): Storage {
    this.checkAlive();
    const size = WebGPUBackend.bucket(bytes);
    if (size > this.device.limits.maxBufferSize) {
      throw new Error(`webgpu backend: a tensor of ${bytes} bytes exceeds the adapter's maxBufferSize (${this.device.limits.maxBufferSize})`);
    }
    let buffer = this.freeBuffers.get(size)?.pop();
    if (buffer) {
      this.pooledBytes -= size;
    } else {
      buffer = this.device.createBuffer({ size, usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST });
      this.reservedBytes += size;
    }
    this.liveBuffers++;
    this.liveBytes += bytes;
    return new GpuStorage(this, buffer, bytes);
  }

  free(s: Storage): void {
    const g = s as GpuStorage;
    this.liveBuffers--;
    this.liveBytes -= g.bytes;
    if (this.disposed) return;
    const size = g.buffer.size;
    if (this.pooledBytes + size > POOL_CAP_BYTES) {
      this.doomed.push(g.buffer);
      this.reservedBytes -= size;
      return;
    }
    let list = this.freeBuffers.get(size);
    if (!list) this.freeBuffers.set(size, (list = []));
    list.push(g.buffer);
    this.pooledBytes += size;
  }

  write(s: Storage, data: Float32Array | Int32Array, elementOffset = 0): void {
    this.checkAlive();
    if (data.length === 0) return;
    this.flush();
    this.device.queue.writeBuffer((s as GpuStorage).buffer, 4 * elementOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  async read(s: Storage, dtype: DType, count: number): Promise<Float32Array | Int32Array> {
    this.checkAlive();
    if (count === 0) return dtype === 'f32' ? new Float32Array(0) : new Int32Array(0);
    const bytes = 4 * count;
    const staging = this.device.createBuffer({ size: bytes, usage: USAGE_MAP_READ | USAGE_COPY_DST });
    this.endPass();
    this.commands().copyBufferToBuffer((s as GpuStorage).buffer, 0, staging, 0, bytes);
    this.flush();
    try {
      await staging.mapAsync(MAP_READ);
    } catch (e) {
      throw new Error(`webgpu backend: reading a tensor back failed${this.lost ? ` (device lost: ${this.lost})` : ''}: ${(e as Error).message}`);
    }
    const copy = staging.getMappedRange().slice(0);
    staging.unmap();
    staging.destroy();
    this.throwDeviceError();
    return dtype === 'f32' ? new Float32Array(copy) : new Int32Array(copy);
  }

  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.throwDeviceError();
  }

  private throwDeviceError(): void {
    const e = this.gpuError ?? (this.lost ? `device lost: ${this.lost}` : null);
    if (!e) return;
    this.gpuError = null;
    throw new Error(`webgpu backend: a kernel failed on the device: ${e}`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.flush();
    this.disposed = true;
    for (const list of this.freeBuffers.values()) for (const b of list) b.destroy();
    this.freeBuffers.clear();
    // Live tensors' buffers go with the device.
    this.device.destroy();
  }

  // ---- command batching -------------------------------------------------------------------------

  private checkAlive(): void {
    if (this.disposed) throw new Error('webgpu backend: used after dispose()');
  }

  private commands(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) { this.pass.end(); this.pass = null; }
  }

  /** Submits everything queued (parameters first: writeBuffer runs ahead of the batch's commands). */
  private flush(): void {
    if (!this.encoder) return;
    this.endPass();
    if (this.slot > 0) this.device.queue.writeBuffer(this.params, 0, this.paramData.buffer, 0, this.slot * 256);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.slot = 0;
    for (const b of this.doomed) b.destroy();
    this.doomed = [];
  }

  private pipeline(kernel: string, constants: Record<string, number>): GPUComputePipeline {
    const key = `${kernel}|${JSON.stringify(constants)}`;
    let p = this.pipelines.get(key);
    if (p) return p;
    let module = this.modules.get(kernel);
    if (!module) {
      const src = SHADER_KERNELS[kernel];
      if (src === undefined) throw new Error(`webgpu backend: no shader named "${kernel}"`);
      module = this.device.createShaderModule({ label: kernel, code: `${SHADER_LIBRARY}\n${src}` });
      this.modules.set(kernel, module);
    }
    p = this.device.createComputePipeline({ label: key, layout: 'auto', compute: { module, entryPoint: 'main', constants } });
    this.pipelines.set(key, p);
    return p;
  }

  /**
   * Queues one launch of `groups` workgroups (laid out 2D beyond 65535) with the parameter words
   * `words` (binding 0) and the storage windows `binds` (bindings 1..).
   */
  private launch(kernel: string, constants: Record<string, number>, words: readonly number[], binds: readonly Bind[], groups: number): void {
    this.checkAlive();
    if (groups <= 0) return;
    if (this.slot === PARAM_SLOTS) this.flush();
    const pipe = this.pipeline(kernel, constants);
    const slot = this.slot++;
    const base = slot * PARAM_WORDS;
    this.paramData.fill(0, base, base + PARAM_WORDS);
    for (let i = 0; i < words.length; i++) this.paramData[base + i] = words[i]! >>> 0;
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.params, offset: slot * 256, size: 256 } }];
    binds.forEach((b, i) => entries.push({ binding: i + 1, resource: { buffer: b.buffer, offset: b.offset, size: b.size } }));
    const group = this.device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries });
    if (!this.pass) this.pass = this.commands().beginComputePass();
    this.pass.setPipeline(pipe);
    this.pass.setBindGroup(0, group);
    const x = Math.min(groups, MAX_GROUPS_PER_DIM);
    this.pass.dispatchWorkgroups(x, Math.ceil(groups / x));
  }

  private threads(kernel: string, constants: Record<string, number>, words: readonly number[], binds: readonly Bind[], n: number): void {
    this.launch(kernel, constants, words, binds, Math.ceil(n / WG));
  }

  /** A window of `count` elements from element `start` (start must be 64-aligned: 256 bytes). */
  private win(s: Storage, start: number, count: number): Bind {
    const g = s as GpuStorage;
    const size = Math.max(4, 4 * count);
    return { buffer: g.buffer, offset: 4 * start, size: Math.min(size, g.buffer.size - 4 * start) };
  }

  /** The whole tensor as one binding; an error names the op when it exceeds the binding limit. */
  private whole(op: string, s: Storage): Bind {
    const g = s as GpuStorage;
    const size = Math.max(4, Math.ceil(g.bytes / 4) * 4);
    if (size > this.maxBind) {
      throw new Error(`webgpu backend: ${op}: a tensor of ${g.bytes} bytes exceeds the binding limit (${this.maxBind} bytes, ` +
        `maxStorageBufferBindingSize) and ${op} does not split its launches yet`);
    }
    return { buffer: g.buffer, offset: 0, size };
  }

  /** Aligned window covering elements [lo, hi): the bind and the element index its offset 0 holds. */
  private span(op: string, s: Storage, lo: number, hi: number): [Bind, number] {
    const start = lo - (lo % 64);
    const count = Math.max(1, hi - start);
    if (4 * count > this.maxBind) throw new Error(`webgpu backend: ${op}: a window of ${count} elements exceeds the binding limit (${this.maxBind} bytes)`);
    return [this.win(s, start, count), start];
  }

  /** A kernel whose buffers are all indexed like its threads: split into chunks of the binding limit. */
  private elementwise(kernel: string, constants: Record<string, number>, n: number, extra: readonly number[], bufs: readonly Storage[]): void {
    for (let t0 = 0; t0 < n; t0 += this.chunk) {
      const cnt = Math.min(this.chunk, n - t0);
      this.threads(kernel, constants, [t0, cnt, ...extra], bufs.map((b) => this.win(b, t0, cnt)), cnt);
    }
  }

  // ---- data movement ------------------------------------------------------------------------

  fill(out: Storage, n: number, value: number, dtype: DType): void {
    this.elementwise('fill', {}, n, [dtype === 'f32' ? fb(value) : value | 0], [out]);
  }

  copy(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, n: number): void {
    if (n <= 0) return;
    if (src === dst) {
      // One buffer cannot be bound read-only and writable in one launch: go through a temporary.
      const tmp = this.alloc(4 * n);
      this.copy(src, srcOffset, tmp, 0, n);
      this.copy(tmp, 0, dst, dstOffset, n);
      this.free(tmp);
      return;
    }
    for (let t0 = 0; t0 < n; t0 += this.chunk) {
      const cnt = Math.min(this.chunk, n - t0);
      const [sb, s0] = this.span('copy', src, srcOffset + t0, srcOffset + t0 + cnt);
      const [db, d0] = this.span('copy', dst, dstOffset + t0, dstOffset + t0 + cnt);
      this.threads('copy', {}, [t0, cnt, srcOffset + t0 - s0, dstOffset + t0 - d0], [sb, db], cnt);
    }
  }

  castI32ToF32(x: Storage, out: Storage, n: number): void { this.elementwise('cast', { OP: 0 }, n, [], [x, out]); }
  castF32ToI32(x: Storage, out: Storage, n: number): void { this.elementwise('cast', { OP: 1 }, n, [], [x, out]); }

  permute(x: Storage, out: Storage, shape: readonly number[], perm: readonly number[]): void {
    const s6 = pad6(shape, 1);
    const pad = 6 - shape.length;
    const p6 = [...Array.from({ length: pad }, (_, i) => i), ...perm.map((q) => q + pad)];
    const strides = rowStrides(s6);
    const outShape = p6.map((q) => s6[q]!);
    const n = prod(outShape);
    this.threads('permute', {}, [0, n, ...outShape, ...p6.map((q) => strides[q]!)], [this.whole('permute', x), this.whole('permute', out)], n);
  }

  slice(x: Storage, xShape: readonly number[], begin: readonly number[], out: Storage, outShape: readonly number[]): void {
    const o6 = pad6(outShape, 1), xs = rowStrides(pad6(xShape, 1)), b6 = pad6(begin, 0);
    const n = prod(o6);
    // The x index grows with the output index: a chunk of outputs reads the x range between its ends.
    const at = (i: number) => boxIndex(o6, xs, b6, i);
    for (const [t0, cnt] of this.monotoneChunks(n, at, x)) {
      const [xb, x0] = this.operand('slice', x, at(t0), at(t0 + cnt - 1));
      this.threads('slice', {}, [t0, cnt, ...o6, ...xs, ...b6, x0], [xb, this.win(out, t0, cnt)], cnt);
    }
  }

  paste(src: Storage, srcShape: readonly number[], dst: Storage, dstShape: readonly number[], begin: readonly number[], add: boolean): void {
    const s6 = pad6(srcShape, 1), ds = rowStrides(pad6(dstShape, 1)), b6 = pad6(begin, 0);
    const n = prod(s6);
    const at = (i: number) => boxIndex(s6, ds, b6, i);
    for (const [t0, cnt] of this.monotoneChunks(n, at, dst)) {
      const [db, d0] = this.operand('paste', dst, at(t0), at(t0 + cnt - 1));
      this.threads('paste', {}, [t0, cnt, ...s6, ...ds, ...b6, add ? 1 : 0, d0], [this.win(src, t0, cnt), db], cnt);
    }
  }

  /**
   * Chunks [t0, t0 + cnt) of n threads (t0 a multiple of 1024) whose index into `s`, at(i), grows
   * with i: each chunk's range of `s` fits one window (or `s` fits a binding whole).
   */
  private monotoneChunks(n: number, at: (i: number) => number, s: Storage): [number, number][] {
    const out: [number, number][] = [];
    const whole = (s as GpuStorage).bytes <= this.maxBind;
    for (let t0 = 0; t0 < n;) {
      let cnt = Math.min(this.chunk, n - t0);
      if (!whole) {
        const lo = at(t0) - (at(t0) % 64);
        while (cnt > 1024 && at(t0 + cnt - 1) + 1 - lo > this.chunk) cnt = Math.max(1024, Math.floor(cnt / 2 / 1024) * 1024);
      }
      out.push([t0, cnt]);
      t0 += cnt;
    }
    return out;
  }

  gather(x: Storage, idx: Storage, out: Storage, outer: number, axisLen: number, inner: number, nIdx: number): void {
    const n = outer * nIdx * inner;
    this.threads('gather', {}, [0, n, axisLen, inner, nIdx], [this.whole('gather', x), this.whole('gather', idx), this.whole('gather', out)], n);
  }

  scatterAddAcc(dy: Storage, idx: Storage, dx: Storage, outer: number, axisLen: number, inner: number, nIdx: number): void {
    const n = outer * axisLen * inner;
    this.threads('scatter_add', {}, [0, n, axisLen, inner, nIdx], [this.whole('scatterAddAcc', dy), this.whole('scatterAddAcc', idx), this.whole('scatterAddAcc', dx)], n);
  }

  oneHot(idx: Storage, out: Storage, n: number, depth: number, on: number, off: number): void {
    const total = n * depth;
    this.threads('one_hot', {}, [0, total, depth, fb(on), fb(off)], [this.whole('oneHot', idx), this.whole('oneHot', out)], total);
  }

  // ---- elementwise --------------------------------------------------------------------------

  unary(op: UnaryOp, x: Storage, out: Storage, n: number, p0: number, p1: number): void {
    this.elementwise('unary', { OP: UNARY[op] }, n, [fb(p0), fb(p1)], [x, out]);
  }

  unaryGrad(op: UnaryGradOp, x: Storage, y: Storage, dy: Storage, dx: Storage, n: number, p0: number, p1: number): void {
    this.elementwise('unary_grad', { OP: UNARY[op] }, n, [fb(p0), fb(p1)], [x, y, dy, dx]);
  }

  binary(op: BinaryOp, a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], out: Storage, outShape: readonly number[]): void {
    const shape = pad6(outShape, 1), as = pad6(aStrides, 0), bs = pad6(bStrides, 0);
    const n = prod(shape);
    const index = (flat: number, st: number[]): number => {
      let rem = flat, i = 0;
      for (let k = 5; k >= 0; k--) { i += (rem % shape[k]!) * st[k]!; rem = Math.floor(rem / shape[k]!); }
      return i;
    };
    for (let t0 = 0; t0 < n; t0 += this.chunk) {
      const cnt = Math.min(this.chunk, n - t0);
      // Broadcast strides of row-major operands make the operand index non-decreasing in the output
      // index, so a chunk reads the operand range between its first and last elements.
      const [ab, a0] = this.operand('binary', a, index(t0, as), index(t0 + cnt - 1, as));
      const [bb, b0] = this.operand('binary', b, index(t0, bs), index(t0 + cnt - 1, bs));
      this.threads('binary', { OP: BINARY[op] }, [t0, cnt, a0, b0, ...shape, ...as, ...bs], [ab, bb, this.win(out, t0, cnt)], cnt);
    }
  }

  /** The whole operand when it fits one binding, else the window [lo, hi]. */
  private operand(op: string, s: Storage, lo: number, hi: number): [Bind, number] {
    if ((s as GpuStorage).bytes <= this.maxBind) return [this.whole(op, s), 0];
    return this.span(op, s, lo, hi + 1);
  }

  select(cond: Storage, a: Storage, b: Storage, out: Storage, n: number): void {
    this.elementwise('select', {}, n, [], [cond, a, b, out]);
  }

  // ---- reductions ---------------------------------------------------------------------------

  reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void {
    const slab = r * inner;
    if (slab <= this.chunk) {
      // whole [r, inner] slabs per launch
      const perLaunch = Math.max(1, Math.floor(this.chunk / slab));
      for (let o0 = 0; o0 < outer; o0 += perLaunch) {
        const oc = Math.min(perLaunch, outer - o0);
        const [xb, x0] = this.span('reduce', x, o0 * slab, (o0 + oc) * slab);
        const [ob, y0] = this.span('reduce', out, o0 * inner, (o0 + oc) * inner);
        this.reduceLaunch(op, xb, ob, o0 * inner, oc * inner, x0, y0, r, inner);
      }
      return;
    }
    if (inner > this.chunk) {
      // One [inner] row alone exceeds a binding: fold the rows one after another, in chunks.
      for (let o = 0; o < outer; o++) {
        this.copy(x, o * slab, out, o * inner, inner);
        for (let j = 1; j < r; j++) {
          for (let k0 = 0; k0 < inner; k0 += this.chunk) {
            const cnt = Math.min(this.chunk, inner - k0);
            const [xb, x0] = this.span('reduce', x, o * slab + j * inner + k0, o * slab + j * inner + k0 + cnt);
            const [ob, y0] = this.span('reduce', out, o * inner + k0, o * inner + k0 + cnt);
            if (x0 !== o * slab + j * inner + k0 || y0 !== o * inner + k0) {
              // unaligned row starts: go through an aligned temporary
              const tmp = this.alloc(4 * cnt);
              this.copy(x, o * slab + j * inner + k0, tmp, 0, cnt);
              const acc = this.alloc(4 * cnt);
              this.copy(out, o * inner + k0, acc, 0, cnt);
              this.threads('reduce_acc', { OP: REDUCE[op] }, [0, cnt], [this.whole('reduce', tmp), this.whole('reduce', acc)], cnt);
              this.copy(acc, 0, out, o * inner + k0, cnt);
              this.free(tmp); this.free(acc);
            } else {
              this.threads('reduce_acc', { OP: REDUCE[op] }, [0, cnt], [xb, ob], cnt);
            }
          }
        }
      }
      return;
    }
    // One [r, inner] slab exceeds a binding: reduce pieces of r into partial rows, then the partials.
    const rows = Math.max(1, Math.floor(this.chunk / inner));
    const pieces = Math.ceil(r / rows);
    const partial = this.alloc(4 * pieces * inner);
    try {
      for (let o = 0; o < outer; o++) {
        for (let p = 0; p < pieces; p++) {
          const r0 = p * rows, rc = Math.min(rows, r - r0);
          const lo = (o * r + r0) * inner;
          const [xb, x0] = this.span('reduce', x, lo, lo + rc * inner);
          // outputs indexed 0..inner of a virtual [1, rc, inner] problem starting at element lo
          this.reduceLaunch(op, xb, this.win(partial, 0, pieces * inner), 0, inner, x0 - lo, -p * inner, rc, inner);
        }
        const [ob, y0] = this.span('reduce', out, o * inner, (o + 1) * inner);
        this.reduceLaunch(op, this.whole('reduce', partial), ob, o * inner, inner, o * pieces * inner, y0, pieces, inner);
      }
    } finally {
      this.free(partial);
    }
  }

  /** Reduces whole outer rows: outputs [t0, t0 + n) are (o, k) pairs, n a multiple of inner. */
  private reduceLaunch(op: ReduceOp, xb: Bind, ob: Bind, t0: number, n: number, xBase: number, outBase: number, r: number, inner: number): void {
    const consts = { OP: REDUCE[op] };
    if (r <= 64) {
      this.threads('reduce', consts, [t0, n, xBase, outBase, r, inner], [xb, ob], n);
      return;
    }
    // Blocks of B along r per workgroup, pass after pass, until one block remains.
    const B = 1024, o0 = Math.floor(t0 / inner), oc = n / inner;
    let src = xb, srcBase = xBase, len = r;
    const temps: Storage[] = [];
    while (len > B) {
      const nb = Math.ceil(len / B);
      const tmp = this.alloc(4 * oc * nb * inner);
      temps.push(tmp);
      const tb = this.whole('reduce', tmp);
      this.launch('reduce_wg', consts, [t0, n * nb, srcBase, o0 * nb * inner, len, inner, B, nb], [src, tb], n * nb);
      src = tb; srcBase = o0 * nb * inner; len = nb;
    }
    this.launch('reduce_wg', consts, [t0, n, srcBase, outBase, len, inner, len, 1], [src, ob], n);
    for (const tmp of temps) this.free(tmp);
  }

  argmax(x: Storage, out: Storage, rows: number, cols: number): void {
    this.threads('argmax', {}, [0, rows, cols], [this.whole('argmax', x), this.whole('argmax', out)], rows);
  }

  dotAcc(a: Storage, b: Storage, n: number, out: Storage, outIndex: number): void {
    if (n <= 0) return;
    const block = 4 * WG;
    const parts = Math.ceil(n / block) + Math.ceil(n / this.chunk);
    const partial = this.alloc(4 * parts);
    let p = 0;
    for (let t0 = 0; t0 < n; t0 += this.chunk) {
      const cnt = Math.min(this.chunk, n - t0);
      const groups = Math.ceil(cnt / block);
      this.launch('dot_partial', {}, [t0, cnt, p], [this.win(a, t0, cnt), this.win(b, t0, cnt), this.whole('dotAcc', partial)], groups);
      p += groups;
    }
    this.launch('dot_final', {}, [0, p, outIndex], [this.whole('dotAcc', partial), this.whole('dotAcc', out)], 1);
    this.free(partial);
  }

  // ---- linear algebra -----------------------------------------------------------------------

  matmul(a: Storage, b: Storage, out: Storage, batch: number, m: number, k: number, n: number,
    transA: boolean, transB: boolean, aBatchStride: number, bBatchStride: number): void {
    const total = batch * m * n;
    const strides = [m, k, n, transA ? 1 : k, transA ? m : 1, aBatchStride, transB ? 1 : n, transB ? k : 1, bBatchStride];
    const binds = [this.whole('matmul', a), this.whole('matmul', b), this.whole('matmul', out)];
    if (this.tiledMatmul) {
      const rb = Math.ceil(m / 16), cb = Math.ceil(n / 16), groups = batch * rb * cb;
      this.launch('matmul_tiled', {}, [0, groups, ...strides, rb, cb], binds, groups);
    } else {
      this.threads('matmul', {}, [0, total, ...strides], binds, total);
    }
  }

  // ---- convolution, pooling, resampling -----------------------------------------------------

  private geom(g: ConvGeometry): number[] {
    return [g.n, g.d, g.h, g.w, g.cin, g.kd, g.kh, g.kw, g.cout, g.sd, g.sh, g.sw, g.pd, g.ph, g.pw, g.od, g.oh, g.ow];
  }

  conv3d(x: Storage, w: Storage, bias: Storage | null, y: Storage, g: ConvGeometry): void {
    const wb = this.whole('conv3d', w);
    const bb = bias ? this.whole('conv3d', bias) : wb;
    const outSlab = g.oh * g.ow * g.cout, inSlab = g.h * g.w * g.cin;
    const total = g.n * g.od * outSlab;
    if (4 * total <= this.maxBind && (x as GpuStorage).bytes <= this.maxBind) {
      this.threads('conv3d', {}, [0, total, 0, 0, ...this.geom(g), bias ? 1 : 0], [this.whole('conv3d', x), wb, bb, this.whole('conv3d', y)], total);
      return;
    }
    // Split along D: output planes [z0, z1) of one batch read input planes [z0*sd - pd, (z1-1)*sd - pd + kd).
    const budget = this.chunk - 64;
    let zc = Math.floor(budget / outSlab);
    while (zc > 0 && ((zc - 1) * g.sd + g.kd) * inSlab > budget) zc--;
    if (zc < 1) throw new Error(`webgpu backend: conv3d: one depth plane (input ${inSlab}, output ${outSlab} elements) exceeds the binding limit`);
    for (let b = 0; b < g.n; b++) {
      for (let z0 = 0; z0 < g.od; z0 += zc) {
        const z1 = Math.min(g.od, z0 + zc);
        const iz0 = Math.max(0, z0 * g.sd - g.pd), iz1 = Math.min(g.d, (z1 - 1) * g.sd - g.pd + g.kd);
        const t0 = (b * g.od + z0) * outSlab, cnt = (z1 - z0) * outSlab;
        const [xb, x0] = this.span('conv3d', x, (b * g.d + iz0) * inSlab, (b * g.d + Math.max(iz1, iz0 + 1)) * inSlab);
        const [yb, y0] = this.span('conv3d', y, t0, t0 + cnt);
        this.threads('conv3d', {}, [t0, cnt, x0, y0, ...this.geom(g), bias ? 1 : 0], [xb, wb, bb, yb], cnt);
      }
    }
  }

  /** Depth planes per chunk so that windows of `a` and `b` planes (plus a halo of `halo`) fit a binding. */
  private planes(op: string, aPlane: number, bPlane: number, stride: number, halo: number): number {
    const budget = this.chunk - 64;
    let zc = Math.floor(budget / aPlane);
    while (zc > 0 && ((zc - 1) * stride + halo) * bPlane > budget) zc--;
    if (zc < 1) throw new Error(`webgpu backend: ${op}: one depth plane (${aPlane} / ${bPlane} elements) exceeds the binding limit`);
    return zc;
  }

  private fits(...ss: Storage[]): boolean {
    return ss.every((s) => (s as GpuStorage).bytes <= this.maxBind);
  }

  conv3dBackwardInput(dy: Storage, w: Storage, dx: Storage, g: ConvGeometry): void {
    const wb = this.whole('conv3dBackwardInput', w);
    const inPlane = g.h * g.w * g.cin, outPlane = g.oh * g.ow * g.cout;
    if (this.fits(dy, dx)) {
      const n = g.n * g.d * inPlane;
      this.threads('conv3d_backward_input', {}, [0, n, 0, 0, ...this.geom(g)], [this.whole('conv3dBackwardInput', dy), wb, this.whole('conv3dBackwardInput', dx)], n);
      return;
    }
    // Split dx along D: planes [z0, z1) gather from output planes [ceil((z0 + pd - kd + 1) / sd), floor((z1 - 1 + pd) / sd)].
    const zc = this.planes('conv3dBackwardInput', inPlane, outPlane, 1, Math.ceil(g.kd / g.sd) + 1);
    for (let b = 0; b < g.n; b++) {
      for (let z0 = 0; z0 < g.d; z0 += zc) {
        const z1 = Math.min(g.d, z0 + zc);
        const o0 = Math.max(0, Math.ceil((z0 + g.pd - g.kd + 1) / g.sd)), o1 = Math.min(g.od, Math.floor((z1 - 1 + g.pd) / g.sd) + 1);
        const t0 = (b * g.d + z0) * inPlane, cnt = (z1 - z0) * inPlane;
        const [gb, gy0] = this.span('conv3dBackwardInput', dy, (b * g.od + o0) * outPlane, (b * g.od + Math.max(o1, o0 + 1)) * outPlane);
        const [xb, x0] = this.span('conv3dBackwardInput', dx, t0, t0 + cnt);
        this.threads('conv3d_backward_input', {}, [t0, cnt, gy0, x0, ...this.geom(g)], [gb, wb, xb], cnt);
      }
    }
  }

  conv3dBackwardWeight(x: Storage, dy: Storage, dw: Storage, g: ConvGeometry): void {
    const dwb = this.whole('conv3dBackwardWeight', dw);
    if (this.fits(x, dy)) {
      this.weightGrad(this.whole('conv3dBackwardWeight', x), 0, this.whole('conv3dBackwardWeight', dy), 0, dwb, g, 0, g.n * g.od, false);
      return;
    }
    // Output planes [o0, o1) of one batch read input planes [o0*sd - pd, (o1-1)*sd - pd + kd); launches accumulate.
    const inPlane = g.h * g.w * g.cin, outPlane = g.oh * g.ow * g.cout;
    const zc = this.planes('conv3dBackwardWeight', outPlane, inPlane, g.sd, g.kd);
    let first = true;
    for (let b = 0; b < g.n; b++) {
      for (let o0 = 0; o0 < g.od; o0 += zc) {
        const o1 = Math.min(g.od, o0 + zc);
        const iz0 = Math.max(0, o0 * g.sd - g.pd), iz1 = Math.min(g.d, (o1 - 1) * g.sd - g.pd + g.kd);
        const [xb, x0] = this.span('conv3dBackwardWeight', x, (b * g.d + iz0) * inPlane, (b * g.d + Math.max(iz1, iz0 + 1)) * inPlane);
        const [gb, gy0] = this.span('conv3dBackwardWeight', dy, (b * g.od + o0) * outPlane, (b * g.od + o1) * outPlane);
        this.weightGrad(xb, x0, gb, gy0, dwb, g, b * g.od + o0, b * g.od + o1, !first);
        first = false;
      }
    }
  }

  /** dw (+)= the weight gradient over (b, oz) rows [rowLo, rowHi): block partials, then their sum. */
  private weightGrad(xb: Bind, x0: number, gb: Bind, gy0: number, dwb: Bind, g: ConvGeometry, rowLo: number, rowHi: number, accumulate: boolean): void {
    const nW = g.kd * g.kh * g.kw * g.cin * g.cout;
    const positions = (rowHi - rowLo) * g.oh * g.ow;
    // At most 64 blocks: the sum over blocks is then one short serial loop per weight.
    const nb = Math.max(1, Math.min(64, Math.ceil(positions / 256)));
    const P = Math.ceil(positions / nb);
    const partial = this.alloc(4 * nb * nW);
    const pb = this.whole('conv3dBackwardWeight', partial);
    this.threads('conv3d_backward_weight', {}, [0, nb * nW, x0, gy0, ...this.geom(g), rowLo, rowHi, nW, P], [xb, gb, pb], nb * nW);
    if (!accumulate) {
      this.threads('reduce', { OP: 0 }, [0, nW, 0, 0, nb, nW], [pb, dwb], nW);
    } else {
      const sum = this.alloc(4 * nW);
      const sb = this.whole('conv3dBackwardWeight', sum);
      this.threads('reduce', { OP: 0 }, [0, nW, 0, 0, nb, nW], [pb, sb], nW);
      this.threads('reduce_acc', { OP: 0 }, [0, nW], [sb, dwb], nW);
      this.free(sum);
    }
    this.free(partial);
  }

  private rgeom(g: ResampleGeometry): number[] {
    return [g.n, g.d, g.h, g.w, g.c, g.fd, g.fh, g.fw, g.od, g.oh, g.ow];
  }

  /**
   * Batches and ranges of output depth planes [z0, z1) for kernels whose windows grow with the number
   * of planes: `need(zc)` is the largest window (elements) a chunk of zc planes binds. One chunk
   * (b = -1) when every tensor fits a binding.
   */
  private planeChunks(op: string, whole: boolean, n: number, depth: number, need: (zc: number) => number): [number, number, number][] {
    if (whole) return [[-1, 0, depth]];
    let zc = depth;
    while (zc > 0 && need(zc) > this.chunk - 64) zc--;
    if (zc < 1) throw new Error(`webgpu backend: ${op}: one depth plane exceeds the binding limit (${this.maxBind} bytes)`);
    const out: [number, number, number][] = [];
    for (let b = 0; b < n; b++) for (let z0 = 0; z0 < depth; z0 += zc) out.push([b, z0, Math.min(depth, z0 + zc)]);
    return out;
  }

  /** Windows of `s` ([n, planes, plane] elements) for planes [z0, z1) of batch b, or the whole tensor (b = -1). */
  private planeSpan(op: string, s: Storage, b: number, planes: number, plane: number, z0: number, z1: number): [Bind, number] {
    if (b < 0) return [this.whole(op, s), 0];
    const lo = Math.max(0, Math.min(z0, planes - 1)), hi = Math.max(lo + 1, Math.min(z1, planes));
    return this.span(op, s, (b * planes + lo) * plane, (b * planes + hi) * plane);
  }

  pool(op: 'max' | 'avg', x: Storage, y: Storage, g: ResampleGeometry): void {
    const inP = g.h * g.w * g.c, outP = g.oh * g.ow * g.c;
    for (const [b, z0, z1] of this.planeChunks('pool', this.fits(x, y), g.n, g.od, (zc) => Math.max(zc * g.fd * inP, zc * outP))) {
      const t0 = Math.max(b, 0) * g.od * outP + z0 * outP, cnt = (b < 0 ? g.n * g.od : z1 - z0) * outP;
      const [xb, x0] = this.planeSpan('pool', x, b, g.d, inP, z0 * g.fd, z1 * g.fd);
      const [yb, y0] = this.planeSpan('pool', y, b, g.od, outP, z0, z1);
      this.threads('pool', { OP: op === 'max' ? 0 : 1 }, [t0, cnt, ...this.rgeom(g), x0, y0], [xb, yb], cnt);
    }
  }

  poolBackward(op: 'max' | 'avg', x: Storage, dy: Storage, dx: Storage, g: ResampleGeometry): void {
    const inP = g.h * g.w * g.c, outP = g.oh * g.ow * g.c;
    // dx planes in whole pooling windows: chunks of zc output planes cover zc * fd input planes
    const chunks = this.planeChunks('poolBackward', this.fits(x, dy, dx), g.n, Math.ceil(g.d / g.fd), (zc) => Math.max(zc * g.fd * inP, zc * outP));
    for (const [b, q0, q1] of chunks) {
      const z0 = q0 * g.fd, z1 = b < 0 ? g.d : Math.min(g.d, q1 * g.fd);
      const t0 = Math.max(b, 0) * g.d * inP + z0 * inP, cnt = (b < 0 ? g.n * g.d : z1 - z0) * inP;
      const [xb, x0] = this.planeSpan('poolBackward', x, b, g.d, inP, z0, z1);
      const [gb, g0] = this.planeSpan('poolBackward', dy, b, g.od, outP, q0, q1);
      const [db, d0] = this.planeSpan('poolBackward', dx, b, g.d, inP, z0, z1);
      this.threads('pool_backward', { OP: op === 'max' ? 0 : 1 }, [t0, cnt, ...this.rgeom(g), x0, g0, d0], [xb, gb, db], cnt);
    }
  }

  upsample(mode: 'nearest' | 'linear', x: Storage, y: Storage, g: ResampleGeometry): void {
    const inP = g.h * g.w * g.c, outP = g.oh * g.ow * g.c;
    // output planes [z0, z1) read input planes [floor(z0 / fd) - 1, floor((z1 - 1) / fd) + 2)
    for (const [b, z0, z1] of this.planeChunks('upsample', this.fits(x, y), g.n, g.od, (zc) => Math.max(zc * outP, (Math.ceil(zc / g.fd) + 3) * inP))) {
      const t0 = Math.max(b, 0) * g.od * outP + z0 * outP, cnt = (b < 0 ? g.n * g.od : z1 - z0) * outP;
      const [xb, x0] = this.planeSpan('upsample', x, b, g.d, inP, Math.floor(z0 / g.fd) - 1, Math.floor((z1 - 1) / g.fd) + 2);
      const [yb, y0] = this.planeSpan('upsample', y, b, g.od, outP, z0, z1);
      this.threads('upsample', { MODE: mode === 'nearest' ? 0 : 1 }, [t0, cnt, ...this.rgeom(g), x0, y0], [xb, yb], cnt);
    }
  }

  upsampleBackward(mode: 'nearest' | 'linear', dy: Storage, dx: Storage, g: ResampleGeometry): void {
    const inP = g.h * g.w * g.c, outP = g.oh * g.ow * g.c;
    // input planes [z0, z1) gather output planes [2 z0 - 2, 2 z1 + 2) (f = 2) or [z0, z1) (f = 1)
    const halo = g.fd === 2 ? 2 : 0;
    for (const [b, z0, z1] of this.planeChunks('upsampleBackward', this.fits(dy, dx), g.n, g.d, (zc) => Math.max(zc * inP, (zc * g.fd + 2 * halo) * outP))) {
      const t0 = Math.max(b, 0) * g.d * inP + z0 * inP, cnt = (b < 0 ? g.n * g.d : z1 - z0) * inP;
      const [gb, g0] = this.planeSpan('upsampleBackward', dy, b, g.od, outP, g.fd * z0 - halo, g.fd * z1 + halo);
      const [db, d0] = this.planeSpan('upsampleBackward', dx, b, g.d, inP, z0, z1);
      this.threads('upsample_backward', { MODE: mode === 'nearest' ? 0 : 1 }, [t0, cnt, ...this.rgeom(g), g0, d0], [gb, db], cnt);
    }
  }

  // ---- spatial transformer ------------------------------------------------------------------

  /** `s` bound whole as `k` consecutive windows of this.chunk elements (unused slots repeat window 0). */
  private windows(op: string, s: Storage, k: number): Bind[] {
    const W = this.chunk;
    const elems = Math.ceil((s as GpuStorage).bytes / 4);
    if (elems > k * W) {
      throw new Error(`webgpu backend: ${op}: a tensor of ${(s as GpuStorage).bytes} bytes exceeds ${k} bindings of ${4 * W} bytes`);
    }
    const out: Bind[] = [];
    for (let i = 0; i < k; i++) out.push(i * W < elems ? this.win(s, i * W, Math.min(W, elems - i * W)) : this.win(s, 0, Math.min(W, elems)));
    return out;
  }

  /** Chunks of whole voxels (64-aligned in elements), sized so a per-voxel window of `perVoxel` fits. */
  private voxelChunks(voxels: number, perVoxel: number): [number, number][] {
    const step = Math.max(64, Math.floor((this.chunk - 64) / (perVoxel * 64)) * 64);
    const out: [number, number][] = [];
    for (let v0 = 0; v0 < voxels; v0 += step) out.push([v0, Math.min(step, voxels - v0)]);
    return out;
  }

  warp(x: Storage, flow: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number): void {
    // The image is sampled anywhere: bound whole as up to four windows; field and output per chunk.
    const xw = this.windows('warp', x, 4);
    for (const [v0, vc] of this.voxelChunks(n * d * h * w, Math.max(3, c))) {
      const [fb0, f0] = this.span('warp', flow, 3 * v0, 3 * (v0 + vc));
      const [yb, y0] = this.span('warp', y, c * v0, c * (v0 + vc));
      this.threads('warp', {}, [c * v0, c * vc, f0, y0, n, d, h, w, c, this.chunk, 0], [...xw, fb0, yb], c * vc);
    }
  }

  warpBackward(x: Storage, flow: Storage, dy: Storage, dx: Storage, dflow: Storage, n: number, d: number, h: number, w: number, c: number): void {
    const voxels = n * d * h * w;
    const shape = [n, d, h, w, c];
    const xw = this.windows('warpBackward', x, 4);
    const chunks = this.voxelChunks(voxels, Math.max(3, c));
    const rad = this.alloc(16);
    const radB = this.whole('warpBackward', rad);
    for (const [i, [v0, vc]] of chunks.entries()) {
      const [fb0, f0] = this.span('warpBackward', flow, 3 * v0, 3 * (v0 + vc));
      const [gb, g0] = this.span('warpBackward', dy, c * v0, c * (v0 + vc));
      const [db, d0] = this.span('warpBackward', dflow, 3 * v0, 3 * (v0 + vc));
      this.threads('warp_backward_flow', {}, [v0, vc, f0, g0, ...shape, this.chunk, d0], [...xw, fb0, gb, db], vc);
      this.launch('warp_radius', {}, [v0, vc, f0, i > 0 ? 1 : 0, ...shape], [fb0, radB], 1);
    }
    // dx gathers from field and dy anywhere within the radius: both bound whole (up to three windows).
    const fw = this.windows('warpBackward', flow, 3), gw = this.windows('warpBackward', dy, 3);
    for (const [v0, vc] of chunks) {
      const [xb, x0] = this.span('warpBackward', dx, c * v0, c * (v0 + vc));
      this.threads('warp_backward_image', {}, [c * v0, c * vc, x0, 0, ...shape, this.chunk], [...fw, ...gw, radB, xb], c * vc);
    }
    this.free(rad);
  }

  warpNearest(x: Storage, flow: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number, dtype: DType, outside: number): void {
    const bits = dtype === 'f32' ? fb(outside) : outside | 0;
    const xw = this.windows('warpNearest', x, 4);
    for (const [v0, vc] of this.voxelChunks(n * d * h * w, Math.max(3, c))) {
      const [fb0, f0] = this.span('warpNearest', flow, 3 * v0, 3 * (v0 + vc));
      const [yb, y0] = this.span('warpNearest', y, c * v0, c * (v0 + vc));
      this.threads('warp_nearest', {}, [c * v0, c * vc, bits, f0, n, d, h, w, c, this.chunk, y0], [...xw, fb0, yb], c * vc);
    }
  }

  boxSum(x: Storage, y: Storage, n: number, d: number, h: number, w: number, c: number, rd: number, rh: number, rw: number): void {
    const total = n * d * h * w * c;
    const plane = h * w * c;
    // Each pass: [outer, len, inner] with the window along len. Passes along W and H stay inside a
    // depth plane; the pass along D reads rd planes either side.
    const passes: [number, number, number, number][] = [];
    if (rw > 0) passes.push([w, c, rw, 0]);
    if (rh > 0) passes.push([h, w * c, rh, 0]);
    if (rd > 0) passes.push([d, plane, rd, rd]);
    if (passes.length === 0) { this.copy(x, 0, y, 0, total); return; }
    // Ping-pong so that the last pass writes y.
    const tmp = passes.length > 1 ? this.alloc(4 * total) : null;
    let src = x;
    passes.forEach(([len, inner, r, halo], i) => {
      const dst = (passes.length - 1 - i) % 2 === 0 ? y : tmp!;
      for (const [b, z0, z1] of this.planeChunks('boxSum', this.fits(src, dst), n, d, (zc) => (zc + 2 * halo) * plane)) {
        const t0 = Math.max(b, 0) * d * plane + z0 * plane, cnt = (b < 0 ? total : (z1 - z0) * plane);
        const [sb, s0] = this.planeSpan('boxSum', src, b, d, plane, z0 - halo, z1 + halo);
        const [db, d0] = this.planeSpan('boxSum', dst, b, d, plane, z0, z1);
        this.threads('box_pass', {}, [t0, cnt, len, inner, r, s0, d0], [sb, db], cnt);
      }
      src = dst;
    });
    if (tmp) this.free(tmp);
  }

  // ---- losses, random, evaluation -----------------------------------------------------------

  softmaxCrossEntropy(logits: Storage, labels: Storage, loss: Storage, probs: Storage, rows: number, classes: number): void {
    this.threads('softmax_cross_entropy', {}, [0, rows, classes],
      [this.whole('softmaxCrossEntropy', logits), this.whole('softmaxCrossEntropy', labels), this.whole('softmaxCrossEntropy', loss), this.whole('softmaxCrossEntropy', probs)], rows);
  }

  softmaxCrossEntropyBackward(probs: Storage, labels: Storage, dloss: Storage, dlogits: Storage, rows: number, classes: number): void {
    const n = rows * classes;
    this.threads('softmax_cross_entropy_backward', {}, [0, n, classes],
      [this.whole('softmaxCrossEntropyBackward', probs), this.whole('softmaxCrossEntropyBackward', labels), this.whole('softmaxCrossEntropyBackward', dloss), this.whole('softmaxCrossEntropyBackward', dlogits)], n);
  }

  softmax(x: Storage, out: Storage, rows: number, classes: number): void {
    this.threads('softmax', {}, [0, rows, classes], [this.whole('softmax', x), this.whole('softmax', out)], rows);
  }

  labelCountsAcc(pred: Storage, truth: Storage, n: number, numLabels: number, counts: Storage): void {
    this.threads('label_counts', {}, [0, n, numLabels], [this.whole('labelCountsAcc', pred), this.whole('labelCountsAcc', truth), this.whole('labelCountsAcc', counts)], n);
  }

  /** Seeded PCG32 state and jump table (see shaders/random.wgsl) in a fresh buffer. */
  private pcgTable(seed: number, stream: number): GPUBuffer {
    const M = (1n << 64n) - 1n;
    const MULT = 6364136223846793005n;
    const inc = ((BigInt(stream >>> 0) << 1n) | 1n) & M;
    let state = 0n;
    const step = () => { state = (state * MULT + inc) & M; };
    step();
    state = (state + BigInt(seed >>> 0)) & M;
    step();
    const words = new Uint32Array(4 + 4 * 32);
    const put = (at: number, v: bigint) => { words[at] = Number(v & 0xffffffffn); words[at + 1] = Number(v >> 32n); };
    put(0, state);
    put(2, inc);
    let cm = MULT, cp = inc;
    for (let k = 0; k < 32; k++) {
      put(4 + 4 * k, cm);
      put(6 + 4 * k, cp);
      cp = ((cm + 1n) * cp) & M;
      cm = (cm * cm) & M;
    }
    const buf = this.device.createBuffer({ size: words.byteLength, usage: USAGE_STORAGE, mappedAtCreation: true });
    new Uint32Array(buf.getMappedRange()).set(words);
    buf.unmap();
    return buf;
  }

  private random(op: number, out: Storage, n: number, seed: number, stream: number, p0: number, p1: number): void {
    const table = this.pcgTable(seed, stream);
    const tb: Bind = { buffer: table, offset: 0, size: table.size };
    for (let t0 = 0; t0 < n; t0 += this.chunk) {
      const cnt = Math.min(this.chunk, n - t0);
      this.threads('random', { OP: op }, [t0, cnt, fb(p0), fb(p1)], [this.win(out, t0, cnt), tb], op === 1 ? Math.ceil(cnt / 2) : cnt);
    }
    this.doomed.push(table);
  }

  randomUniform(out: Storage, n: number, seed: number, stream: number, lo: number, hi: number): void { this.random(0, out, n, seed, stream, lo, hi); }
  randomNormal(out: Storage, n: number, seed: number, stream: number, mean: number, std: number): void { this.random(1, out, n, seed, stream, mean, std); }
  dropoutMask(out: Storage, n: number, keep: number, seed: number, stream: number): void { this.random(2, out, n, seed, stream, keep, 0); }

  // ---- fused optimizer updates --------------------------------------------------------------

  sgdUpdate(p: Storage, g: Storage, v: Storage, n: number, lr: number, momentum: number, weightDecay: number, nesterov: boolean): void {
    this.elementwise('sgd', {}, n, [fb(lr), fb(momentum), fb(weightDecay), nesterov ? 1 : 0], [p, g, v]);
  }

  adamUpdate(p: Storage, g: Storage, m: Storage, v: Storage, n: number, lrT: number, beta1: number, beta2: number, epsT: number, weightDecay: number, decoupledLr: number): void {
    this.elementwise('adam', {}, n, [fb(lrT), fb(beta1), fb(beta2), fb(epsT), fb(weightDecay), fb(decoupledLr)], [p, g, m, v]);
  }

  adagradUpdate(p: Storage, g: Storage, acc: Storage, n: number, lr: number, eps: number, weightDecay: number): void {
    this.elementwise('adagrad', {}, n, [fb(lr), fb(eps), fb(weightDecay)], [p, g, acc]);
  }
}

function pad6(a: readonly number[], fill: number): number[] {
  return [...Array<number>(6 - a.length).fill(fill), ...a];
}

function rowStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) s[k] = s[k + 1]! * shape[k + 1]!;
  return s;
}

/** Index (with strides `st`) of the flat position i of a box of shape `shape` placed at `begin`. */
function boxIndex(shape: readonly number[], st: readonly number[], begin: readonly number[], i: number): number {
  let rem = i, idx = 0;
  for (let k = shape.length - 1; k >= 0; k--) {
    idx += ((rem % shape[k]!) + begin[k]!) * st[k]!;
    rem = Math.floor(rem / shape[k]!);
  }
  return idx;
}

function prod(a: readonly number[]): number {
  return a.reduce((x, y) => x * y, 1);
}
