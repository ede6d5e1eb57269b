// The WebGPU runtime core: device, buffer pool, command batching, pipeline cache, named kernel
// parameters and the binding-window helpers every op module plans its launches with. It knows no op:
// the op families live in ops/*.ts, each owning its shaders (shaders/*.wgsl), its parameter structs
// and its chunk planner; backend.ts maps the Backend interface onto them.
//
// Ordering: kernels are queued; `queue.writeBuffer` runs at the head of the queue, so every write first
// submits what is queued (a pooled buffer may still be read by a queued kernel). Reads copy into a
// staging buffer and are the only asynchronous step.
//
// Large tensors: a binding may not exceed maxStorageBufferBindingSize, so op modules split launches
// into chunks and bind windows [offset, offset + size) of the buffers (win, span, planeChunks, ...).
import type { Backend, DType, MemoryStats, Storage } from '../backend.js';
import { DeviceLostError } from '../backend.js';
import type { GpuAdapterHandle } from './device.js';
import { SHADER_KERNELS, SHADER_LIBRARY } from './shader-sources.js';
import type { GemmCore } from './ops/gemm.js';
import { packParams, paramLayout, type Params } from './uniforms.js';

// WebGPU flag values (spec constants), so nothing depends on GPU* globals being installed.
export const USAGE_MAP_READ = 0x0001, USAGE_COPY_SRC = 0x0004, USAGE_COPY_DST = 0x0008, USAGE_UNIFORM = 0x0040, USAGE_STORAGE = 0x0080;
const MAP_READ = 0x0001;

/** Threads per workgroup of the one-thread-per-element kernels (SwiftShader allows at most 256). */
export const WG = 256;
const MAX_GROUPS_PER_DIM = 65535;
/** Parameter slots (256 bytes each: the uniform offset alignment) per submitted batch. */
const PARAM_SLOTS = 512;
const PARAM_WORDS = 64;
/** Pooled (freed, reusable) bytes kept before buffers are destroyed. */
const POOL_CAP_BYTES = 512 * 1024 * 1024;

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
/** The bits of an f32 as a u32 (fill writes a bit pattern). */
export function fb(x: number): number { F32[0] = x; return U32[0]!; }

export class GpuStorage implements Storage {
  refs = 1;
  constructor(readonly backend: Backend, readonly buffer: GPUBuffer, readonly bytes: number) {}
}

/** One storage binding: a window [offset, offset + size) in bytes of a buffer. */
export interface Bind { buffer: GPUBuffer; offset: number; size: number; }

/**
 * The full WGSL of a program: the shared library, then the parts named in `kernel` ("a+b" joins the
 * files a.wgsl and b.wgsl: an op's loaders before a shared core). Kernels that declare
 * `struct Params` (every kernel) take named parameters (uniforms.ts).
 */
export function programSource(kernel: string): string {
  const parts = kernel.split('+').map((name) => {
    const src = SHADER_KERNELS[name];
    if (src === undefined) throw new Error(`webgpu backend: no shader named "${name}"`);
    return src;
  });
  const body = parts.join('\n');
  if (!/^struct\s+Params\s*\{/m.test(body)) throw new Error(`webgpu backend: program "${kernel}" declares no struct Params`);
  return `${SHADER_LIBRARY}\n${body}`;
}

/** Counters of the work the runtime issued (always kept: cheap); `profile` adds GPU time per kernel. */
export interface RuntimeCounters {
  dispatches: number; submits: number; reads: number; writes: number; bindGroups: number;
  pipelines: number; modules: number; jsLaunchMs: number;
}

/** GPU time per kernel from timestamp queries (BLENDWARP_WEBGPU_PROFILE=1; the device needs 'timestamp-query'). */
class Profiler {
  readonly qs: GPUQuerySet;
  readonly resolve: GPUBuffer;
  labels: string[] = [];
  readonly table = new Map<string, { n: number; ns: number }>();
  pending: Promise<void>[] = [];
  readonly t0 = performance.now();
  constructor(readonly device: GPUDevice, capacity: number) {
    this.qs = device.createQuerySet({ type: 'timestamp', count: 2 * capacity });
    this.resolve = device.createBuffer({ size: 16 * capacity, usage: 0x0200 /* QUERY_RESOLVE */ | USAGE_COPY_SRC });
  }
  /** Before a batch is submitted: resolve its timestamps into a staging buffer read later. */
  collect(enc: GPUCommandEncoder): void {
    const labels = this.labels;
    if (labels.length === 0) return;
    this.labels = [];
    const bytes = 16 * labels.length;
    const staging = this.device.createBuffer({ size: bytes, usage: USAGE_MAP_READ | USAGE_COPY_DST });
    enc.resolveQuerySet(this.qs, 0, 2 * labels.length, this.resolve, 0);
    enc.copyBufferToBuffer(this.resolve, 0, staging, 0, bytes);
    this.pending.push(Promise.resolve().then(async () => {
      await staging.mapAsync(MAP_READ);
      const t = new BigUint64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      staging.destroy();
      labels.forEach((k, i) => {
        const e = this.table.get(k) ?? { n: 0, ns: 0 };
        const d = t[2 * i + 1]! - t[2 * i]!;
        e.n++;
        e.ns += d > 0n ? Number(d) : 0;
        this.table.set(k, e);
      });
    }).catch(() => undefined));
  }
}

export class GpuRuntime {
  readonly counters: RuntimeCounters = { dispatches: 0, submits: 0, reads: 0, writes: 0, bindGroups: 0, pipelines: 0, modules: 0, jsLaunchMs: 0 };
  private readonly prof: Profiler | null;
  private readonly programs = new Map<string, string>();
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
  readonly chunk: number;
  readonly maxBind: number;
  private disposed = false;
  private lost: string | null = null;
  /** The first validation or out-of-memory error the device reported: the next read or sync throws it. */
  private gpuError: string | null = null;

  /**
   * @param gemmCore the GEMM core conv and matmul run on (ops/gemm.ts): 'tiled' on hardware adapters,
   *   'direct' on CPU adapters
   * @param profile time every kernel (timestamp queries; the device must have 'timestamp-query')
   */
  constructor(readonly owner: Backend, readonly handle: GpuAdapterHandle, readonly device: GPUDevice, maxBindingBytes: number | undefined,
    readonly gemmCore: GemmCore, profile = false) {
    this.prof = profile ? new Profiler(device, PARAM_SLOTS) : null;
    this.maxBind = Math.min(maxBindingBytes ?? Infinity, device.limits.maxStorageBufferBindingSize);
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

  alloc(bytes: number): GpuStorage {
    this.checkAlive();
    const size = GpuRuntime.bucket(bytes);
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
    return new GpuStorage(this.owner, buffer, bytes);
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

  /** A buffer destroyed after the batch that uses it is submitted (small device-made tables). */
  retire(b: GPUBuffer): void { this.doomed.push(b); }

  write(s: Storage, data: Float32Array | Int32Array | Uint32Array, elementOffset = 0): void {
    this.checkAlive();
    if (data.length === 0) return;
    this.counters.writes++;
    this.flush();
    this.device.queue.writeBuffer((s as GpuStorage).buffer, 4 * elementOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  async read(s: Storage, dtype: DType, count: number): Promise<Float32Array | Int32Array> {
    this.checkAlive();
    if (count === 0) return dtype === 'f32' ? new Float32Array(0) : new Int32Array(0);
    const bytes = 4 * count;
    this.counters.reads++;
    const staging = this.device.createBuffer({ size: bytes, usage: USAGE_MAP_READ | USAGE_COPY_DST });
    this.endPass();
    this.commands().copyBufferToBuffer((s as GpuStorage).buffer, 0, staging, 0, bytes);
    this.flush();
    try {
      await staging.mapAsync(MAP_READ);
    } catch (e) {
      // A lost device rejects the map; its `lost` promise may settle a moment later.
      if (!this.lost) await Promise.race([this.device.lost, new Promise((r) => setTimeout(r, 100))]);
      if (this.lost) throw new DeviceLostError(`webgpu backend: the device was lost (${this.lost}); every tensor on it is gone`, this.lost);
      throw new Error(`webgpu backend: reading a tensor back failed: ${(e as Error).message}`);
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
    if (!this.gpuError && this.lost) throw new DeviceLostError(`webgpu backend: the device was lost (${this.lost}); every tensor on it is gone`, this.lost);
    const e = this.gpuError;
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

  checkAlive(): void {
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
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    if (this.slot > 0) this.device.queue.writeBuffer(this.params, 0, this.paramData.buffer, 0, this.slot * 256);
    this.prof?.collect(this.encoder);
    this.counters.submits++;
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.slot = 0;
    for (const b of this.doomed) b.destroy();
    this.doomed = [];
  }

  /** programSource, once per program. */
  private source(kernel: string): string {
    let src = this.programs.get(kernel);
    if (src === undefined) { src = programSource(kernel); this.programs.set(kernel, src); }
    return src;
  }

  private pipeline(kernel: string, constants: Record<string, number>): GPUComputePipeline {
    const key = `${kernel}|${JSON.stringify(constants)}`;
    let p = this.pipelines.get(key);
    if (p) return p;
    let module = this.modules.get(kernel);
    if (!module) {
      module = this.device.createShaderModule({ label: kernel, code: this.source(kernel) });
      this.modules.set(kernel, module);
      this.counters.modules++;
    }
    this.counters.pipelines++;
    p = this.device.createComputePipeline({ label: key, layout: 'auto', compute: { module, entryPoint: 'main', constants } });
    this.pipelines.set(key, p);
    return p;
  }

  /**
   * Queues one launch of `groups` workgroups (laid out 2D beyond 65535) with the parameters `params`
   * (binding 0: an object with the fields of the kernel's `struct Params`) and
   * the storage windows `binds` (bindings 1..).
   */
  launch(kernel: string, constants: Record<string, number>, params: Params, binds: readonly Bind[], groups: number): void {
    this.checkAlive();
    if (groups <= 0) return;
    const t0 = performance.now();
    if (this.slot === PARAM_SLOTS) this.flush();
    const pipe = this.pipeline(kernel, constants);
    const slot = this.slot++;
    const base = slot * PARAM_WORDS;
    this.paramData.fill(0, base, base + PARAM_WORDS);
    packParams(kernel, paramLayout(kernel, this.source(kernel))!, params, this.paramData, base);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: this.params, offset: slot * 256, size: 256 } }];
    binds.forEach((b, i) => entries.push({ binding: i + 1, resource: { buffer: b.buffer, offset: b.offset, size: b.size } }));
    const group = this.device.createBindGroup({ layout: pipe.getBindGroupLayout(0), entries });
    this.counters.bindGroups++;
    if (this.prof) {
      // one pass per dispatch, timestamped at its start and end
      this.endPass();
      const i = this.prof.labels.length;
      this.pass = this.commands().beginComputePass({ timestampWrites: { querySet: this.prof.qs, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
      const c = Object.entries(constants).map(([k, v]) => `${k}=${v}`).join(',');
      this.prof.labels.push(c ? `${kernel} [${c}]` : kernel);
    }
    if (!this.pass) this.pass = this.commands().beginComputePass();
    this.pass.setPipeline(pipe);
    this.pass.setBindGroup(0, group);
    const x = Math.min(groups, MAX_GROUPS_PER_DIM);
    this.pass.dispatchWorkgroups(x, Math.ceil(groups / x));
    if (this.prof) this.endPass();
    this.counters.dispatches++;
    this.counters.jsLaunchMs += performance.now() - t0;
  }

  /**
   * The profile so far (BLENDWARP_WEBGPU_PROFILE=1): GPU time per kernel (timestamp queries, one pass
   * per dispatch) and the counters, as a text table; null when profiling is off.
   */
  async profileReport(): Promise<string | null> {
    if (!this.prof) return null;
    this.flush();
    await Promise.all(this.prof.pending);
    return this.profileTable();
  }

  /** The table from what has been read back so far (synchronous: for exit hooks). */
  profileTable(): string | null {
    const prof = this.prof;
    if (!prof) return null;
    const rows = [...prof.table.entries()].sort((a, b) => b[1].ns - a[1].ns);
    const total = rows.reduce((s, [, e]) => s + e.ns, 0);
    const c = this.counters;
    const lines = [
      `webgpu profile: wall ${((performance.now() - prof.t0) / 1000).toFixed(1)} s, GPU (sum of kernels) ${(total / 1e9).toFixed(2)} s, ` +
        `JS in launch() ${(c.jsLaunchMs / 1000).toFixed(2)} s`,
      `  dispatches ${c.dispatches}, submits ${c.submits}, reads ${c.reads}, writes ${c.writes}, bind groups ${c.bindGroups}, ` +
        `pipelines ${c.pipelines}, shader modules ${c.modules}`,
      '  kernel                                          calls     total ms   mean us   share',
    ];
    for (const [k, e] of rows) {
      lines.push(`  ${k.padEnd(46)} ${String(e.n).padStart(7)} ${(e.ns / 1e6).toFixed(1).padStart(12)} ${(e.ns / 1e3 / e.n).toFixed(1).padStart(9)} ${(100 * e.ns / Math.max(1, total)).toFixed(1).padStart(6)}%`);
    }
    return lines.join('\n');
  }

  /** One thread per element: ceil(n / 256) workgroups. */
  threads(kernel: string, constants: Record<string, number>, params: Params, binds: readonly Bind[], n: number): void {
    this.launch(kernel, constants, params, binds, Math.ceil(n / WG));
  }

  // ---- binding windows and chunk planning ---------------------------------------------------

  /** A window of `count` elements from element `start` (start must be 64-aligned: 256 bytes). */
  win(s: Storage, start: number, count: number): Bind {
    const g = s as GpuStorage;
    const size = Math.max(4, 4 * count);
    return { buffer: g.buffer, offset: 4 * start, size: Math.min(size, g.buffer.size - 4 * start) };
  }

  /** The whole tensor as one binding; an error names the op when it exceeds the binding limit. */
  whole(op: string, s: Storage): Bind {
    const g = s as GpuStorage;
    const size = Math.min(Math.max(16, Math.ceil(g.bytes / 16) * 16), Math.floor(this.maxBind / 16) * 16);
    if (g.bytes > this.maxBind) {
      throw new Error(`webgpu backend: ${op}: a tensor of ${g.bytes} bytes exceeds the binding limit (${this.maxBind} bytes, ` +
        `maxStorageBufferBindingSize) and ${op} does not split its launches yet`);
    }
    return { buffer: g.buffer, offset: 0, size: Math.min(size, g.buffer.size) };
  }

  /** Aligned window covering elements [lo, hi): the bind and the element index its offset 0 holds. */
  span(op: string, s: Storage, lo: number, hi: number): [Bind, number] {
    const start = lo - (lo % 64);
    // whole vec4s, so a kernel may bind the window as array<vec4<f32>>
    const count = Math.max(4, Math.ceil((hi - start) / 4) * 4);
    if (4 * count > this.maxBind) throw new Error(`webgpu backend: ${op}: a window of ${count} elements exceeds the binding limit (${this.maxBind} bytes)`);
    return [this.win(s, start, count), start];
  }

  /** A kernel whose buffers are all indexed like its threads: split into chunks of the binding limit. */
  elementwise(kernel: string, constants: Record<string, number>, n: number, extra: Params, bufs: readonly Storage[]): void {
    for (let t0 = 0; t0 < n; t0 += this.chunk) {
      const cnt = Math.min(this.chunk, n - t0);
      this.threads(kernel, constants, { t0, n: cnt, ...extra }, bufs.map((b) => this.win(b, t0, cnt)), cnt);
    }
  }

  /** The whole operand when it fits one binding, else the window [lo, hi]. */
  operand(op: string, s: Storage, lo: number, hi: number): [Bind, number] {
    if ((s as GpuStorage).bytes <= this.maxBind) return [this.whole(op, s), 0];
    return this.span(op, s, lo, hi + 1);
  }

  fits(...ss: Storage[]): boolean {
    return ss.every((s) => (s as GpuStorage).bytes <= this.maxBind);
  }

  /**
   * Chunks [t0, t0 + cnt) of n threads (t0 a multiple of 1024) whose index into `s`, at(i), grows
   * with i: each chunk's range of `s` fits one window (or `s` fits a binding whole).
   */
  monotoneChunks(n: number, at: (i: number) => number, s: Storage): [number, number][] {
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

  /** Depth planes per chunk so that windows of `a` and `b` planes (plus a halo of `halo`) fit a binding. */
  planes(op: string, aPlane: number, bPlane: number, stride: number, halo: number): number {
    const budget = this.chunk - 64;
    let zc = Math.floor(budget / aPlane);
    while (zc > 0 && ((zc - 1) * stride + halo) * bPlane > budget) zc--;
    if (zc < 1) throw new Error(`webgpu backend: ${op}: one depth plane (${aPlane} / ${bPlane} elements) exceeds the binding limit`);
    return zc;
  }

  /**
   * Batches and ranges of output depth planes [z0, z1) for kernels whose windows grow with the number
   * of planes: `need(zc)` is the largest window (elements) a chunk of zc planes binds. One chunk
   * (b = -1) when every tensor fits a binding.
   */
  planeChunks(op: string, whole: boolean, n: number, depth: number, need: (zc: number) => number): [number, number, number][] {
    if (whole) return [[-1, 0, depth]];
    let zc = depth;
    while (zc > 0 && need(zc) > this.chunk - 64) zc--;
    if (zc < 1) throw new Error(`webgpu backend: ${op}: one depth plane exceeds the binding limit (${this.maxBind} bytes)`);
    const out: [number, number, number][] = [];
    for (let b = 0; b < n; b++) for (let z0 = 0; z0 < depth; z0 += zc) out.push([b, z0, Math.min(depth, z0 + zc)]);
    return out;
  }

  /** Windows of `s` ([n, planes, plane] elements) for planes [z0, z1) of batch b, or the whole tensor (b = -1). */
  planeSpan(op: string, s: Storage, b: number, planes: number, plane: number, z0: number, z1: number): [Bind, number] {
    if (b < 0) return [this.whole(op, s), 0];
    const lo = Math.max(0, Math.min(z0, planes - 1)), hi = Math.max(lo + 1, Math.min(z1, planes));
    return this.span(op, s, (b * planes + lo) * plane, (b * planes + hi) * plane);
  }

  /** `s` bound whole as `k` consecutive windows of this.chunk elements (unused slots repeat window 0). */
  windows(op: string, s: Storage, k: number): Bind[] {
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
  voxelChunks(voxels: number, perVoxel: number): [number, number][] {
    const step = Math.max(64, Math.floor((this.chunk - 64) / (perVoxel * 64)) * 64);
    const out: [number, number][] = [];
    for (let v0 = 0; v0 < voxels; v0 += step) out.push([v0, Math.min(step, voxels - v0)]);
    return out;
  }
}
