// `npm run bench`: our kernels and the peers on identical inputs, in one process and one run.
// Each case/engine: warm-up calls, then the median of several timed calls. Writes bench/results.json
// (the issue's format), prints a markdown table (rate, our ratio to each peer, share of the machine's
// measured peak) and the U-Net step profile, and refreshes the generated part of bench/RESULTS.md.
//
//   npm run bench                 every case (minutes on 2 cores: tfjs is slow, the 3D cases are big)
//   npm run bench -- --quick      skips warp-full and unet-step-3d, fewer runs: a couple of minutes
//   npm run bench -- --cases conv3d-fwd-64,warp-96 --engines wasm,ort-node
//   npm run bench:gpu             the WebGPU cases (webgpu and tfjs-webgpu on the same adapter) on a real
//                                 GPU; writes bench/RESULTS-gpu.md and bench/results-gpu.json. Refuses a
//                                 CPU adapter (lavapipe, SwiftShader) unless --force (a proxy only).
//   npm run bench -- --cases nifti-decode-int16,logmel-clips,downsample-image-2   (bench/io-cases.ts)
//
// Node 20 validates relaxed-SIMD modules only with a V8 flag: WasmBackend.create sets it (through
// src/backend/wasm/workers.ts) before compiling; `node --experimental-wasm-relaxed-simd` works too.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend, ConvGeometry, Storage } from '../src/backend/backend.js';
import { createBackend } from '../src/backend/create.js';
import { WasmBackend, type KernelProfile } from '../src/backend/wasm/backend.js';
import { engine } from '../src/tensor/engine.js';
import * as bw from '../src/index.js';
import { UNet } from '../src/nn/unet.js';
import {
  jsWarp, loadOrt, loadTfjs, ortConv, ortMatmul, ortWarp, tfConv, tfConv2d, tfMatmul, tfWebgpuDone, toChannelsFirst, useTfBackend, useTfWebgpu, weightsToOnnx,
} from './peers.js';
import { findAdapter } from '../src/backend/webgpu/device.js';
import { runIoCases, writeIoResultsMd } from './io-cases.js';

const here = dirname(fileURLToPath(import.meta.url));
// dist/bench/run.js -> the repository's bench/ folder
const benchDir = existsSync(join(here, 'onnx.ts')) ? here : join(here, '..', '..', 'bench');

// ---- options ---------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag('quick') || process.env['BENCH_QUICK'] === '1';
/** The GPU bench: WebGPU engines only, the GPU cases, its own results files. */
const gpuMode = flag('gpu');
const forceCpuAdapter = flag('force');
const GPU_CASES = ['conv3d-fwd-64', 'conv2d-fwd-256', 'matmul-1024', 'warp-96', 'unet-step-2d'];
const onlyCases = opt('cases')?.split(',') ?? (gpuMode ? GPU_CASES : undefined);
const onlyEngines = opt('engines')?.split(',') ?? (gpuMode ? ['webgpu', 'tfjs-webgpu'] : undefined);
const outJson = opt('out') ?? join(benchDir, gpuMode ? 'results-gpu.json' : 'results.json');
const writeMd = !flag('no-md');

const ALL_CASES = ['conv3d-fwd-64', 'conv3d-bwd-input-64', 'conv3d-bwd-weight-64', 'conv3d-fwd-unet', 'conv2d-fwd-256',
  'conv2d-bwd-input-256', 'conv2d-bwd-weight-256', 'matmul-512',
  'matmul-1024', 'warp-96', 'warp-full', 'ncc9-96', 'unet-step-2d', 'unet-step-3d'] as const;
type CaseId = (typeof ALL_CASES)[number];
const HEAVY: CaseId[] = ['warp-full', 'unet-step-3d'];
const ENGINES = ['wasm', 'wasm-1t', 'wasm-direct', 'webgpu', 'tfjs-webgpu', 'tfjs-wasm', 'tfjs-cpu', 'ort-node', 'js-loop'] as const;
type EngineId = (typeof ENGINES)[number];

const wantCase = (c: CaseId) => (onlyCases ? onlyCases.includes(c) : !(quick && HEAVY.includes(c)));
// tfjs-webgpu is the GPU bench's peer: in the CPU bench only when named.
const wantEngine = (e: EngineId) => (onlyEngines ? onlyEngines.includes(e) : e !== 'tfjs-webgpu');
/** Peer outputs further than this from ours (largest |peer - ours| / max|ours|) are "not comparable". */
const COMPARABLE = 1e-3;

// ---- timing ----------------------------------------------------------------------------------

interface Measured { median_ms: number; runs: number }

/** Warm-up calls, then timed calls until `runs` are in or `budgetMs` is spent (at least 3 unless one call exceeds budget). */
async function measure(fn: () => unknown, o: { warmup?: number; runs?: number; budgetMs?: number } = {}): Promise<Measured> {
  const warmup = o.warmup ?? 2, runs = o.runs ?? (quick ? 5 : 9), budget = o.budgetMs ?? (quick ? 4000 : 15000);
  let first = 0;
  for (let i = 0; i < warmup; i++) {
    const t0 = performance.now();
    await fn();
    first = performance.now() - t0;
    // A slow peer (seconds per call) gets one warm-up: V8 and its caches are warm after it.
    if (first > budget / 4) break;
  }
  const times: number[] = [];
  const start = performance.now();
  while (times.length < runs) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    const spent = performance.now() - start;
    if (times.length >= 3 && spent > budget) break;
    if (times.length >= 1 && times[0]! > budget) break;
  }
  times.sort((a, b) => a - b);
  const m = times.length >> 1;
  return { median_ms: times.length % 2 ? times[m]! : (times[m - 1]! + times[m]!) / 2, runs: times.length };
}

// ---- deterministic inputs --------------------------------------------------------------------

function randomArray(n: number, seed: number, scale = 1): Float32Array {
  // xorshift32: the same numbers for every engine
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/** A smooth displacement field [d, h, w, 3] in voxels, up to ~`amp` (a realistic access pattern). */
function smoothFlow(d: number, h: number, w: number, amp: number): Float32Array {
  const f = new Float32Array(d * h * w * 3);
  let i = 0;
  for (let z = 0; z < d; z++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++) {
        f[3 * i] = amp * Math.sin((2 * Math.PI * y) / h + 0.3) * Math.cos((2 * Math.PI * x) / w);
        f[3 * i + 1] = amp * Math.sin((2 * Math.PI * x) / w + 1.1) * Math.cos((2 * Math.PI * z) / d);
        f[3 * i + 2] = amp * Math.sin((2 * Math.PI * z) / d + 2.0) * Math.cos((2 * Math.PI * y) / h);
      }
    }
  }
  return f;
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return m / (s || 1);
}

// ---- results ---------------------------------------------------------------------------------

interface Result { case: CaseId; engine: EngineId; median_ms: number; rate: number; unit: 'GFLOP/s' | 'Mvoxel/s'; runs: number }
const results: Result[] = [];
const notes: string[] = [];
/** Outputs of the `wasm` engine per case, to check each peer computes the same thing. */
const checks: { case: CaseId; engine: EngineId; maxRelDiff: number }[] = [];

function record(c: CaseId, e: EngineId, m: Measured, work: number, unit: Result['unit']): void {
  const rate = unit === 'GFLOP/s' ? work / (m.median_ms * 1e6) : work / (m.median_ms * 1e3);
  results.push({ case: c, engine: e, median_ms: round(m.median_ms, 3), rate: round(rate, 2), unit, runs: m.runs });
  console.error(`  ${c.padEnd(22)} ${e.padEnd(10)} ${m.median_ms.toFixed(2).padStart(10)} ms  ${rate.toFixed(2).padStart(9)} ${unit}  (${m.runs} runs)`);
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Runs one engine of one case; a failure (e.g. out of memory on a software GPU) becomes a note, not the end of the run. */
async function guarded(c: CaseId, e: EngineId, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    notes.push(`${c} on ${e}: failed: ${(err as Error).message.split('\n')[0]}`);
    console.error(`  ${c} ${e}: failed: ${(err as Error).message}`);
  }
}

// ---- our engines -----------------------------------------------------------------------------

interface Ours { id: EngineId; b: Backend }

function upload(b: Backend, data: Float32Array): Storage {
  const s = b.alloc(4 * data.length);
  b.write(s, data);
  return s;
}

/** 3 x 3 x 3 'same' convolution geometry; kd = 1: 3 x 3 over (H, W) (a 2D convolution, d = 1). */
function sameGeom(d: number, h: number, w: number, cin: number, cout: number, kd = 3): ConvGeometry {
  return { n: 1, d, h, w, cin, kd, kh: 3, kw: 3, cout, sd: 1, sh: 1, sw: 1, pd: (kd - 1) / 2, ph: 1, pw: 1, od: d, oh: h, ow: w };
}

function readF32(b: Backend, s: Storage, n: number): Float32Array {
  return b.readSync!(s, 'f32', n) as Float32Array;
}

// ---- cases -----------------------------------------------------------------------------------

type Tf = NonNullable<Awaited<ReturnType<typeof loadTfjs>>['tf']>;
type Ort = NonNullable<Awaited<ReturnType<typeof loadOrt>>>;

interface Ctx { ours: Ours[]; tf: Tf | null; tfEngines: ('tfjs-cpu' | 'tfjs-wasm')[]; ort: Ort | null; cores: number; tfGpu: boolean }

/** tfjs-webgpu on one op: timed to completion (tfWebgpuDone), its output read once afterwards for the check. */
async function runTfWebgpu(ctx: Ctx, c: CaseId, work: number, unit: Result['unit'], ref: Float32Array | null,
  make: (tf: Tf) => { op: () => import('@tensorflow/tfjs').Tensor; dispose(): void }): Promise<void> {
  const tf = ctx.tf;
  if (!tf || !ctx.tfGpu || !wantEngine('tfjs-webgpu')) return;
  await guarded(c, 'tfjs-webgpu', async () => {
    if (tf.getBackend() !== 'webgpu' && !(await tf.setBackend('webgpu'))) throw new Error('tfjs webgpu backend not available');
    const p = make(tf);
    record(c, 'tfjs-webgpu', await measure(async () => { const t = p.op(); await tfWebgpuDone(tf); t.dispose(); }), work, unit);
    if (ref) {
      const t = p.op();
      checks.push({ case: c, engine: 'tfjs-webgpu', maxRelDiff: maxRelDiff((await t.data()) as Float32Array, ref) });
      t.dispose();
    }
    p.dispose();
  });
}

async function runConvCase(ctx: Ctx, c: CaseId, kind: 'fwd' | 'bwd-input' | 'bwd-weight', d: number, h: number, w: number, cin: number, cout: number, kd = 3): Promise<void> {
  const g = sameGeom(d, h, w, cin, cout, kd);
  const taps = kd * 9;
  const flops = 2 * d * h * w * cin * cout * taps;
  const x = randomArray(d * h * w * cin, 1), wt = randomArray(taps * cin * cout, 2, 0.1), dy = randomArray(d * h * w * cout, 3);
  const outLen = kind === 'fwd' ? d * h * w * cout : kind === 'bwd-input' ? d * h * w * cin : taps * cin * cout;
  let ref: Float32Array | null = null;
  for (const o of ctx.ours) await guarded(c, o.id, async () => {
    // Idle workers leave after a few seconds (a slow peer ran meanwhile): start them before timing.
    if (o.b instanceof WasmBackend) await o.b.warmThreads();
    const b = o.b;
    const xs = upload(b, x), ws = upload(b, wt), dys = upload(b, dy), out = b.alloc(4 * outLen);
    const run = async () => {
      if (kind === 'fwd') b.conv3d(xs, ws, null, out, g);
      else if (kind === 'bwd-input') b.conv3dBackwardInput(dys, ws, out, g);
      else b.conv3dBackwardWeight(xs, dys, out, g);
      if (o.id === 'webgpu') await b.sync();
    };
    record(c, o.id, await measure(run), flops, 'GFLOP/s');
    const got = o.id === 'webgpu' ? (await b.read(out, 'f32', outLen)) as Float32Array : readF32(b, out, outLen);
    if (!ref) ref = got; else checks.push({ case: c, engine: o.id, maxRelDiff: maxRelDiff(got, ref) });
    for (const s of [xs, ws, dys, out]) b.free(s);
  });
  const tf = ctx.tf;
  if (tf) {
    for (const e of ctx.tfEngines) await guarded(c, e, async () => {
      if (!(await useTfBackend(tf, e === 'tfjs-cpu' ? 'cpu' : 'wasm'))) return;
      const p = tfConv(tf, kind, x, [1, d, h, w, cin], wt, [kd, 3, 3, cin, cout], dy, [1, d, h, w, cout]);
      let got: Float32Array | null = null;
      record(c, e, await measure(() => { got = p.run() as Float32Array; }, { warmup: 1, runs: 3 }), flops, 'GFLOP/s');
      if (ref && got) checks.push({ case: c, engine: e, maxRelDiff: maxRelDiff(got, ref) });
      p.dispose();
    });
  }
  if (kind === 'fwd') {
    await runTfWebgpu(ctx, c, flops, 'GFLOP/s', ref, (tf) => {
      const xt = tf.tensor5d(x, [1, d, h, w, cin]), wt5 = tf.tensor5d(wt, [kd, 3, 3, cin, cout]);
      return { op: () => tf.conv3d(xt, wt5, 1, 'same'), dispose: () => { xt.dispose(); wt5.dispose(); } };
    });
  }
  if (ctx.ort && kind === 'fwd' && kd === 3 && wantEngine('ort-node')) {
    const p = await ortConv(ctx.ort, ctx.cores, toChannelsFirst(x, 1, d, h, w, cin), [1, cin, d, h, w], weightsToOnnx(wt, 3, cin, cout), 3, cout);
    let got: Float32Array | null = null;
    record(c, 'ort-node', await measure(async () => { got = await p.run(); }), flops, 'GFLOP/s');
    if (ref && got) checks.push({ case: c, engine: 'ort-node', maxRelDiff: maxRelDiff(toChannelsFirst(ref, 1, d, h, w, cout), got) });
    await p.dispose();
  }
}

/** 2D convolution [1, 1, h, w, cin] (our conv3d with D = 1), 3 x 3, 'same', forward. */
async function runConv2dCase(ctx: Ctx, c: CaseId, h: number, w: number, cin: number, cout: number): Promise<void> {
  const g: ConvGeometry = { n: 1, d: 1, h, w, cin, kd: 1, kh: 3, kw: 3, cout, sd: 1, sh: 1, sw: 1, pd: 0, ph: 1, pw: 1, od: 1, oh: h, ow: w };
  const flops = 2 * h * w * cin * cout * 9;
  const x = randomArray(h * w * cin, 13), wt = randomArray(9 * cin * cout, 14, 0.1);
  const outLen = h * w * cout;
  let ref: Float32Array | null = null;
  for (const o of ctx.ours) await guarded(c, o.id, async () => {
    if (o.b instanceof WasmBackend) await o.b.warmThreads();
    const b = o.b;
    const xs = upload(b, x), ws = upload(b, wt), out = b.alloc(4 * outLen);
    const run = async () => {
      b.conv3d(xs, ws, null, out, g);
      if (o.id === 'webgpu') await b.sync();
    };
    record(c, o.id, await measure(run), flops, 'GFLOP/s');
    const got = o.id === 'webgpu' ? (await b.read(out, 'f32', outLen)) as Float32Array : readF32(b, out, outLen);
    if (!ref) ref = got; else checks.push({ case: c, engine: o.id, maxRelDiff: maxRelDiff(got, ref) });
    for (const s of [xs, ws, out]) b.free(s);
  });
  const tf = ctx.tf;
  if (tf) {
    for (const e of ctx.tfEngines) await guarded(c, e, async () => {
      if (!(await useTfBackend(tf, e === 'tfjs-cpu' ? 'cpu' : 'wasm'))) return;
      const p = tfConv2d(tf, x, [1, h, w, cin], wt, [3, 3, cin, cout]);
      let got: Float32Array | null = null;
      record(c, e, await measure(() => { const t = p.op(); got = t.dataSync() as Float32Array; t.dispose(); }, { warmup: 1, runs: 3 }), flops, 'GFLOP/s');
      if (ref && got) checks.push({ case: c, engine: e, maxRelDiff: maxRelDiff(got, ref) });
      p.dispose();
    });
  }
  await runTfWebgpu(ctx, c, flops, 'GFLOP/s', ref, (tf) => tfConv2d(tf, x, [1, h, w, cin], wt, [3, 3, cin, cout]));
}

async function runMatmulCase(ctx: Ctx, c: CaseId, n: number): Promise<void> {
  const flops = 2 * n * n * n;
  const a = randomArray(n * n, 4), bm = randomArray(n * n, 5);
  let ref: Float32Array | null = null;
  for (const o of ctx.ours) await guarded(c, o.id, async () => {
    // Idle workers leave after a few seconds (a slow peer ran meanwhile): start them before timing.
    if (o.b instanceof WasmBackend) await o.b.warmThreads();
    const b = o.b;
    const as = upload(b, a), bs = upload(b, bm), out = b.alloc(4 * n * n);
    const run = async () => {
      b.matmul(as, bs, out, 1, n, n, n, false, false, 0, 0);
      if (o.id === 'webgpu') await b.sync();
    };
    record(c, o.id, await measure(run), flops, 'GFLOP/s');
    const got = o.id === 'webgpu' ? (await b.read(out, 'f32', n * n)) as Float32Array : readF32(b, out, n * n);
    if (!ref) ref = got; else checks.push({ case: c, engine: o.id, maxRelDiff: maxRelDiff(got, ref) });
    for (const s of [as, bs, out]) b.free(s);
  });
  const tf = ctx.tf;
  if (tf) {
    for (const e of ctx.tfEngines) await guarded(c, e, async () => {
      if (!(await useTfBackend(tf, e === 'tfjs-cpu' ? 'cpu' : 'wasm'))) return;
      const p = tfMatmul(tf, a, bm, n);
      let got: Float32Array | null = null;
      record(c, e, await measure(() => { got = p.run() as Float32Array; }), flops, 'GFLOP/s');
      if (ref && got) checks.push({ case: c, engine: e, maxRelDiff: maxRelDiff(got, ref) });
      p.dispose();
    });
  }
  await runTfWebgpu(ctx, c, flops, 'GFLOP/s', ref, (tf) => {
    const at = tf.tensor2d(a, [n, n]), bt = tf.tensor2d(bm, [n, n]);
    return { op: () => tf.matMul(at, bt), dispose: () => { at.dispose(); bt.dispose(); } };
  });
  if (ctx.ort && wantEngine('ort-node')) {
    const p = await ortMatmul(ctx.ort, ctx.cores, a, bm, n);
    let got: Float32Array | null = null;
    record(c, 'ort-node', await measure(async () => { got = await p.run(); }), flops, 'GFLOP/s');
    if (ref && got) checks.push({ case: c, engine: 'ort-node', maxRelDiff: maxRelDiff(got, ref) });
    await p.dispose();
  }
}

async function runWarpCase(ctx: Ctx, c: CaseId, d: number, h: number, w: number, ch: number): Promise<void> {
  const voxels = d * h * w;
  const x = randomArray(voxels * ch, 6), flow = smoothFlow(d, h, w, 3);
  let ref: Float32Array | null = null;
  for (const o of ctx.ours) await guarded(c, o.id, async () => {
    // Idle workers leave after a few seconds (a slow peer ran meanwhile): start them before timing.
    if (o.b instanceof WasmBackend) await o.b.warmThreads();
    const b = o.b;
    const xs = upload(b, x), fs = upload(b, flow), out = b.alloc(4 * voxels * ch);
    const run = async () => {
      b.warp(xs, fs, out, 1, d, h, w, ch);
      if (o.id === 'webgpu') await b.sync();
    };
    record(c, o.id, await measure(run), voxels, 'Mvoxel/s');
    const got = o.id === 'webgpu' ? (await b.read(out, 'f32', voxels * ch)) as Float32Array : readF32(b, out, voxels * ch);
    if (!ref) ref = got; else checks.push({ case: c, engine: o.id, maxRelDiff: maxRelDiff(got, ref) });
    for (const s of [xs, fs, out]) b.free(s);
  });
  if (ctx.ort && wantEngine('ort-node')) {
    const p = await ortWarp(ctx.ort, ctx.cores, toChannelsFirst(x, 1, d, h, w, ch), flow, d, h, w, ch);
    let got: Float32Array | null = null;
    record(c, 'ort-node', await measure(async () => { got = await p.run(); }), voxels, 'Mvoxel/s');
    if (ref && got) checks.push({ case: c, engine: 'ort-node', maxRelDiff: maxRelDiff(toChannelsFirst(ref, 1, d, h, w, ch), got) });
    await p.dispose();
  }
  if (wantEngine('js-loop')) {
    const y = new Float32Array(voxels * ch);
    record(c, 'js-loop', await measure(() => jsWarp(x, flow, y, d, h, w, ch)), voxels, 'Mvoxel/s');
    if (ref) checks.push({ case: c, engine: 'js-loop', maxRelDiff: maxRelDiff(y, ref) });
  }
}

/** NCC loss (9^3 window) forward + gradient w.r.t. the moving image, 96^3, one channel. */
async function runNccCase(ctx: Ctx, c: CaseId, win: number, n: number): Promise<Measured | null> {
  const voxels = n * n * n;
  const I = randomArray(voxels, 7), J = randomArray(voxels, 8);
  let m: Measured | null = null;
  for (const o of ctx.ours) await guarded(c, o.id, async () => {
    // Idle workers leave after a few seconds (a slow peer ran meanwhile): start them before timing.
    if (o.b instanceof WasmBackend) await o.b.warmThreads();
    engine.backend = o.b;
    const it = bw.tensor(I, [1, n, n, n, 1]), jt = bw.tensor(J, [1, n, n, n, 1]);
    const run = async () => {
      const { value, grads } = bw.valueAndGrads(() => bw.nccLoss(it, jt, win), [jt]);
      await value.data();
      value.dispose();
      grads.forEach((g) => g.dispose());
    };
    const r = await measure(run);
    if (win === 9) record(c, o.id, r, voxels, 'Mvoxel/s');
    if (o.id === 'wasm') m = r;
    it.dispose(); jt.dispose();
  });
  return m;
}

const UNET = { inChannels: 2, encoder: [16, 32, 32, 32], decoder: [32, 32, 32, 32, 32, 16, 16], outChannels: 3 };

/** One VoxelMorph training step (forward, MSE + smoothness, backward, Adam); returns conv FLOPs per step and the profile. */
async function runUnetCase(ctx: Ctx, c: CaseId, dims: 2 | 3, shape: [number, number, number]): Promise<{ convFlops: number; profile: KernelProfile; stepMs: number } | null> {
  const [d, h, w] = shape;
  const voxels = d * h * w;
  let out: { convFlops: number; profile: KernelProfile; stepMs: number } | null = null;
  for (const o of ctx.ours) await guarded(c, o.id, async () => {
    // Idle workers leave after a few seconds (a slow peer ran meanwhile): start them before timing.
    if (o.b instanceof WasmBackend) await o.b.warmThreads();
    engine.backend = o.b;
    const net = new UNet({ ...UNET, dims }, new bw.Rng(1));
    const moving = bw.tensor(randomArray(voxels, 9), [1, d, h, w, 1]);
    const fixed = bw.tensor(randomArray(voxels, 10), [1, d, h, w, 1]);
    const input = bw.concat([moving, fixed], -1);
    const adam = new bw.Adam({ lr: 1e-4 });
    const params = net.params.list();
    const step = async () => {
      const { value, grads } = bw.valueAndGrads(() => {
        const flow = net.forward(input);
        return bw.add(bw.mse(bw.warp(moving, flow), fixed), bw.mulScalar(bw.smoothness(flow), 0.01));
      }, params);
      adam.step(params, grads);
      grads.forEach((g) => g.dispose());
      await value.data();
      value.dispose();
    };
    // Conv FLOPs of one step, from a profiled step (fwd + both gradients of every conv).
    let convFlops = 0;
    let profile: KernelProfile = {};
    const m = await measure(step, { warmup: 1, runs: quick ? 3 : 5 });
    if (o.b instanceof WasmBackend) {
      o.b.startProfile();
      const t0 = performance.now();
      await step();
      const stepMs = performance.now() - t0;
      profile = o.b.stopProfile();
      for (const [k, v] of Object.entries(profile)) if (k.startsWith('conv3d')) convFlops += v.flops;
      if (o.id === 'wasm') out = { convFlops, profile, stepMs };
    }
    // conv FLOPs come from the wasm profile; without a wasm engine (bench:gpu) the step is rated in voxels per second
    const flopsKnown = out?.convFlops ?? convFlops;
    if (flopsKnown > 0) record(c, o.id, m, flopsKnown, 'GFLOP/s');
    else record(c, o.id, m, voxels, 'Mvoxel/s');
    adam.dispose(); net.dispose();
    for (const t of [moving, fixed, input]) t.dispose();
  });
  return out;
}

/**
 * Cores left idle by other processes, from /proc/stat over one second (Linux; null elsewhere): the
 * load average also counts waiting tasks, this says how much CPU the second thread could get.
 */
async function idleCores(cores: number): Promise<number | null> {
  const read = () => readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  try {
    const a = read();
    await new Promise((r) => setTimeout(r, 1000));
    const b = read();
    const d = b.map((v, i) => v - a[i]!);
    const total = d.reduce((s, v) => s + v, 0);
    return total > 0 ? round((cores * (d[3]! + (d[4] ?? 0))) / total, 2) : null;
  } catch {
    return null;
  }
}

// ---- main ------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const load0 = os.loadavg();
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const idle0 = await idleCores(cores);
  const ours: Ours[] = [];
  if (wantEngine('wasm')) ours.push({ id: 'wasm', b: await WasmBackend.create() });
  if (wantEngine('wasm-1t')) ours.push({ id: 'wasm-1t', b: await WasmBackend.create({ threads: 1 }) });
  // The direct kernels where `wasm` runs Winograd (every 3 x 3 case), on one thread: compared with
  // wasm-1t, a ratio that a second busy core does not blur.
  if (wantEngine('wasm-direct')) ours.push({ id: 'wasm-direct', b: await WasmBackend.create({ conv: 'direct', threads: 1 }) });
  for (const o of ours) await (o.b as WasmBackend).warmThreads();
  // A software adapter (lavapipe, SwiftShader) emulates the GPU on these same cores: its rates say
  // nothing about a GPU, and the big cases take it minutes per call. It runs the light cases in full
  // mode only.
  let gpuSoftware = false;
  if (wantEngine('webgpu')) {
    try {
      const g = await createBackend('webgpu');
      gpuSoftware = (g.info()['adapter'] as { software?: boolean } | undefined)?.software === true;
      if (gpuMode && gpuSoftware && !forceCpuAdapter) {
        g.dispose();
        const a = g.info()['adapter'] as { description?: string; device?: string };
        throw new Error(`bench:gpu: the WebGPU adapter is a CPU implementation (${a.description || a.device || 'software'}): its rates say nothing about a GPU. ` +
          'Run on a machine with a GPU and its Vulkan driver, or pass --force to record a CPU-adapter proxy.');
      }
      if (quick && gpuSoftware && !onlyEngines) {
        notes.push('webgpu: skipped in quick mode (software adapter: a CPU emulation, seconds per conv call)');
        g.dispose();
      } else {
        ours.push({ id: 'webgpu', b: g });
      }
    } catch (e) {
      if (gpuMode) throw e;
      notes.push(`webgpu: not run (${(e as Error).message.split('\n')[0]})`);
    }
  }
  const wasmInfo = ours[0]?.b.info();
  const { tf, wasmMissing } = wantEngine('tfjs-cpu') || wantEngine('tfjs-wasm') || wantEngine('tfjs-webgpu') ? await loadTfjs() : { tf: null, wasmMissing: null };
  let tfGpu = false;
  if (tf && wantEngine('tfjs-webgpu')) {
    const found = await findAdapter().catch(() => null);
    const got = found ? await useTfWebgpu(tf, found.gpu) : null;
    if (got) { tfGpu = true; notes.push(`tfjs-webgpu: on adapter "${got}" (the runtime's navigator.gpu, as our webgpu engine)`); }
    else notes.push('tfjs-webgpu: not run (@tensorflow/tfjs-backend-webgpu or a WebGPU adapter missing)');
  }
  const tfEngines: ('tfjs-cpu' | 'tfjs-wasm')[] = [];
  if (tf && wantEngine('tfjs-wasm')) {
    if (wasmMissing) notes.push(`tfjs-wasm: not run: ${wasmMissing}`);
    else tfEngines.push('tfjs-wasm');
  }
  if (tf && wantEngine('tfjs-cpu')) tfEngines.push('tfjs-cpu');
  const ort = wantEngine('ort-node') ? await loadOrt() : null;
  if (wantEngine('ort-node') && !ort) notes.push('ort-node: not run (onnxruntime-node not loadable)');
  const ctxAll: Ctx = { ours, tf, tfEngines, ort, cores, tfGpu };
  console.error(`bench: ${quick ? 'quick' : 'full'} mode, ${cores} cores, load ${load0.map((l) => l.toFixed(2)).join(' ')}; wasm ${JSON.stringify(wasmInfo)}`);

  let nccWin3: Measured | null = null, nccWin9: Measured | null = null;
  const unet: Partial<Record<CaseId, { convFlops: number; profile: KernelProfile; stepMs: number }>> = {};
  for (const c of ALL_CASES) {
    if (!wantCase(c)) continue;
    console.error(`case ${c}`);
    const ctx = HEAVY.includes(c) && gpuSoftware && !gpuMode ? { ...ctxAll, ours: ctxAll.ours.filter((o) => o.id !== 'webgpu') } : ctxAll;
    if (ctx !== ctxAll && ctxAll.ours.some((o) => o.id === 'webgpu')) {
      const light = results.find((r) => r.case === 'unet-step-2d' && r.engine === 'webgpu');
      notes.push(`${c} on webgpu: skipped (software adapter${light ? `; the 2D step alone took ${(light.median_ms / 1000).toFixed(1)} s there` : ''})`);
    }
    switch (c) {
      case 'conv3d-fwd-64': await runConvCase(ctx, c, 'fwd', 64, 64, 64, 16, 16); break;
      case 'conv3d-bwd-input-64': await runConvCase(ctx, c, 'bwd-input', 64, 64, 64, 16, 16); break;
      case 'conv3d-bwd-weight-64': await runConvCase(ctx, c, 'bwd-weight', 64, 64, 64, 16, 16); break;
      case 'conv3d-fwd-unet': await runConvCase(ctx, c, 'fwd', 80, 96, 112, 2, 16); break;
      case 'conv2d-fwd-256': await runConv2dCase(ctx, c, 256, 256, 32, 32); break;
      case 'conv2d-bwd-input-256': await runConvCase(ctx, c, 'bwd-input', 1, 256, 256, 32, 32, 1); break;
      case 'conv2d-bwd-weight-256': await runConvCase(ctx, c, 'bwd-weight', 1, 256, 256, 32, 32, 1); break;
      case 'matmul-512': await runMatmulCase(ctx, c, 512); break;
      case 'matmul-1024': await runMatmulCase(ctx, c, 1024); break;
      case 'warp-96': await runWarpCase(ctx, c, 96, 96, 96, 1); break;
      case 'warp-full': await runWarpCase(ctx, c, 160, 192, 224, 3); break;
      case 'ncc9-96':
        nccWin9 = await runNccCase(ctx, c, 9, 96);
        // Same loss with a 3^3 window on `wasm` only: the cost should not depend on the window.
        nccWin3 = await runNccCase({ ...ctx, ours: ctx.ours.filter((o) => o.id === 'wasm') }, c, 3, 96);
        break;
      case 'unet-step-2d': { const r = await runUnetCase(ctx, c, 2, [1, 160, 192]); if (r) unet[c] = r; break; }
      case 'unet-step-3d': { const r = await runUnetCase(ctx, c, 3, [80, 96, 112]); if (r) unet[c] = r; break; }
    }
  }

  // The CPU-side AssemblyScript kernels of io/features/preprocessing against their TypeScript versions.
  const io = runIoCases((c) => (onlyCases ? onlyCases.includes(c) : true), quick);

  // The machine's peak: the best native rate seen (onnxruntime's MLAS matmul), probed at 2048 too.
  let peak = 0, peakFrom = '';
  for (const r of results) if (r.engine === 'ort-node' && r.case.startsWith('matmul') && r.rate > peak) { peak = r.rate; peakFrom = `ort-node ${r.case}`; }
  if (ort) {
    const n = 2048;
    const a = randomArray(n * n, 11), b = randomArray(n * n, 12);
    const p = await ortMatmul(ort, cores, a, b, n);
    const m = await measure(() => p.run(), { warmup: 1, runs: 5 });
    const rate = (2 * n ** 3) / (m.median_ms * 1e6);
    if (rate > peak) { peak = rate; peakFrom = 'ort-node matmul 2048 (probe)'; }
    await p.dispose();
  }
  const load1 = os.loadavg();
  const idle1 = await idleCores(cores);
  for (const o of ours) o.b.dispose();

  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown', cores, memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    node: process.version, platform: `${process.platform}-${process.arch}`,
    loadavgStart: load0.map((l) => round(l, 2)), loadavgEnd: load1.map((l) => round(l, 2)),
    idleCoresStart: idle0, idleCoresEnd: idle1,
    mode: quick ? 'quick' : 'full', wasm: wasmInfo, peakGflops: round(peak, 1), peakFrom,
  };
  const json = { machine, date: new Date().toISOString(), results, io: io.results };
  writeFileSync(outJson, JSON.stringify(json, null, 2) + '\n');

  if (gpuMode) {
    const gpuInfo = ours.find((o) => o.id === 'webgpu')?.b.info();
    const md = gpuReport(machine, gpuInfo, gpuSoftware);
    console.log(md);
    if (writeMd) writeGpuResultsMd(md, gpuSoftware);
    return;
  }
  const md = report(machine, peak, peakFrom, nccWin3, nccWin9, unet);
  console.log(md);
  if (writeMd) writeResultsMd(md);
  if (io.markdown) { console.log(`\n${io.markdown}`); if (writeMd) writeIoResultsMd(io.markdown); }
}

function report(machine: Record<string, unknown>, peak: number, peakFrom: string, ncc3: Measured | null, ncc9: Measured | null,
  unet: Partial<Record<CaseId, { convFlops: number; profile: KernelProfile; stepMs: number }>>): string {
  const L: string[] = [];
  L.push(`Measured ${String((JSON.parse(JSON.stringify(machine)) as { mode: string }).mode)} mode on ${String(machine['cpu'])}, ${String(machine['cores'])} cores, Node ${String(machine['node'])}, load average at start ${(machine['loadavgStart'] as number[]).join(' ')}, at end ${(machine['loadavgEnd'] as number[]).join(' ')}.`);
  if (machine['idleCoresStart'] !== null) {
    L.push(`Cores left idle by other processes (over 1 s, from /proc/stat): ${String(machine['idleCoresStart'])} of ${String(machine['cores'])} before the run, ${String(machine['idleCoresEnd'])} after it; the \`wasm\` engine's extra threads can only use what is idle.`);
  }
  L.push(`wasm backend: ${JSON.stringify(machine['wasm'])}.`);
  L.push(`Machine peak (best native rate seen): ${peak.toFixed(1)} GFLOP/s (${peakFrom || 'not measured: onnxruntime-node missing'}).`);
  L.push('');
  L.push('| case | engine | median ms | rate | unit | wasm ÷ engine | share of peak |');
  L.push('|---|---|---:|---:|---|---:|---:|');
  for (const c of ALL_CASES) {
    const rows = results.filter((r) => r.case === c);
    const ours = rows.find((r) => r.engine === 'wasm');
    for (const r of rows) {
      const off = notComparable(c, r.engine);
      const ratio = off !== null ? `not comparable (output differs: ${off.toExponential(1)})` : ours && r.engine !== 'wasm' ? `${(ours.rate / r.rate).toFixed(2)}x` : '';
      const share = r.unit === 'GFLOP/s' && peak > 0 ? `${((100 * r.rate) / peak).toFixed(1)}%` : '';
      L.push(`| ${c} | ${r.engine} | ${r.median_ms.toFixed(2)} | ${r.rate.toFixed(2)} | ${r.unit} | ${ratio} | ${share} |`);
    }
  }
  L.push('');
  L.push('Unit: conv and matmul GFLOP/s count 2 FLOPs per multiply-add (borders included); the U-Net steps count the FLOPs of every convolution of the step (forward, input and weight gradients) over the whole step time; warp and NCC count output voxels. Where `wasm` runs a convolution as Winograd (the conv2d cases, the 2D U-Net step) the rate still counts the FLOPs of the direct convolution: an effective rate, comparable with the other engines.');
  if (checks.length) {
    L.push('');
    L.push(`Same inputs, same outputs: largest |peer - wasm| / max|wasm| per case: ${checks.map((k) => `${k.case} ${k.engine} ${k.maxRelDiff.toExponential(1)}`).join('; ')}.`);
  }
  if (ncc3 && ncc9) {
    L.push('');
    L.push(`NCC window independence (wasm, 96^3, forward + backward): 3^3 window ${ncc3.median_ms.toFixed(1)} ms, 9^3 window ${ncc9.median_ms.toFixed(1)} ms (ratio ${(ncc9.median_ms / ncc3.median_ms).toFixed(2)}).`);
  }
  for (const n of notes) L.push(`\nNote: ${n}`);
  L.push('');
  L.push(...targets(ncc3, ncc9));
  const convFwd = results.find((r) => r.case === 'conv3d-fwd-64' && r.engine === 'wasm');
  for (const [c, u] of Object.entries(unet)) {
    if (!u) continue;
    const stepRate = results.find((r) => r.case === c && r.engine === 'wasm');
    L.push('');
    L.push(`### Profile of ${c} (wasm, one profiled step: ${u.stepMs.toFixed(1)} ms; convolutions ${(u.convFlops / 1e9).toFixed(2)} GFLOP per step)`);
    if (convFwd && stepRate) {
      L.push('');
      L.push(`Step rate ${stepRate.rate.toFixed(1)} GFLOP/s of convolution work = ${((100 * stepRate.rate) / convFwd.rate).toFixed(0)}% of the conv3d-fwd-64 rate (${convFwd.rate.toFixed(1)} GFLOP/s); target >= 50%.`);
    }
    L.push('');
    L.push('| kernel | calls | ms | share of step | GFLOP/s |');
    L.push('|---|---:|---:|---:|---:|');
    const total = Object.values(u.profile).reduce((s, v) => s + v.ms, 0);
    const entries = Object.entries(u.profile).sort((a, b) => b[1].ms - a[1].ms);
    const convMs = entries.filter(([k]) => k.startsWith('conv3d')).reduce((s, [, v]) => s + v.ms, 0);
    if (entries[0]) {
      L.splice(L.length - 2, 0, `Binding kernel: ${entries[0][0]} (${((100 * entries[0][1].ms) / u.stepMs).toFixed(1)}% of the step); the three convolution kernels together take ${((100 * convMs) / u.stepMs).toFixed(1)}%, everything else ${((100 * (u.stepMs - convMs)) / u.stepMs).toFixed(1)}%.`, '');
    }
    for (const [k, v] of entries) {
      L.push(`| ${k} | ${v.calls} | ${v.ms.toFixed(1)} | ${((100 * v.ms) / u.stepMs).toFixed(1)}% | ${v.flops ? (v.flops / (v.ms * 1e6)).toFixed(1) : ''} |`);
    }
    L.push(`| (outside kernels: op layer, allocation, autograd) | | ${(u.stepMs - total).toFixed(1)} | ${((100 * (u.stepMs - total)) / u.stepMs).toFixed(1)}% | |`);
  }
  return L.join('\n');
}

/** The issue's targets, each with the measured figure (rates and ratios from this run). */
function targets(ncc3: Measured | null, ncc9: Measured | null): string[] {
  const rate = (c: CaseId, e: EngineId) => results.find((r) => r.case === c && r.engine === e)?.rate;
  const L = ['| target | measured | met |', '|---|---:|---|'];
  const row = (what: string, got: number | undefined, want: number, unit: string) => {
    if (got === undefined || !Number.isFinite(got)) L.push(`| ${what} | not measured | |`);
    else L.push(`| ${what} | ${got.toFixed(2)}${unit} | ${got >= want ? 'yes' : 'NO'} |`);
  };
  const ratio = (c: CaseId, peer: EngineId) => {
    if (notComparable(c, peer) !== null) return undefined;
    const a = rate(c, 'wasm'), b = rate(c, peer);
    return a !== undefined && b !== undefined ? a / b : undefined;
  };
  row('conv3d-fwd-64 wasm >= 80 GFLOP/s', rate('conv3d-fwd-64', 'wasm'), 80, '');
  row('conv3d-fwd-64 wasm >= 1.1x ort-node', ratio('conv3d-fwd-64', 'ort-node'), 1.1, 'x');
  row('conv3d-fwd-64 wasm >= 150x tfjs-wasm', ratio('conv3d-fwd-64', 'tfjs-wasm'), 150, 'x');
  row('conv3d-fwd-64 wasm-1t >= 45 GFLOP/s', rate('conv3d-fwd-64', 'wasm-1t'), 45, '');
  row('conv3d-bwd-input-64 wasm >= 70 GFLOP/s', rate('conv3d-bwd-input-64', 'wasm'), 70, '');
  row('conv3d-bwd-weight-64 wasm >= 70 GFLOP/s', rate('conv3d-bwd-weight-64', 'wasm'), 70, '');
  row('conv3d-fwd-unet wasm >= 30 GFLOP/s', rate('conv3d-fwd-unet', 'wasm'), 30, '');
  row('matmul-512 wasm >= 3x tfjs-wasm', ratio('matmul-512', 'tfjs-wasm'), 3, 'x');
  for (const c of ['conv3d-fwd-64', 'conv3d-bwd-input-64', 'conv3d-bwd-weight-64', 'conv2d-fwd-256', 'conv2d-bwd-input-256',
    'conv2d-bwd-weight-256', 'unet-step-2d', 'unet-step-3d'] as const) {
    const a = rate(c, 'wasm-1t'), b = rate(c, 'wasm-direct');
    row(`${c} wasm-1t (Winograd) >= 1.3x wasm-direct (1 thread)`, a !== undefined && b !== undefined ? a / b : undefined, 1.3, 'x');
  }
  row('warp-96 wasm >= 400 Mvoxel/s', rate('warp-96', 'wasm'), 400, '');
  row('warp-96 wasm >= 8x js-loop', ratio('warp-96', 'js-loop'), 8, 'x');
  row('warp-96 wasm >= 12x ort-node', ratio('warp-96', 'ort-node'), 12, 'x');
  if (ncc3 && ncc9) {
    // "independent of the window": the 9^3 window may cost at most 25% more than the 3^3 one.
    const r = ncc9.median_ms / ncc3.median_ms;
    L.push(`| ncc9-96 cost independent of the window (time 9^3 / time 3^3 <= 1.25) | ${r.toFixed(2)} | ${r <= 1.25 ? 'yes' : 'NO'} |`);
  }
  const conv = rate('conv3d-fwd-64', 'wasm');
  for (const c of ['unet-step-2d', 'unet-step-3d'] as const) {
    const st = rate(c, 'wasm');
    row(`${c} wasm >= 50% of the conv3d-fwd-64 wasm rate`, st !== undefined && conv ? (100 * st) / conv : undefined, 50, '%');
  }
  return L;
}

/** The output difference of a peer that does not compute what we compute (beyond COMPARABLE), else null. */
function notComparable(c: CaseId, e: EngineId): number | null {
  const k = checks.find((x) => x.case === c && x.engine === e);
  return k && !(k.maxRelDiff <= COMPARABLE) ? k.maxRelDiff : null;
}

/** The GPU bench's table: each case's rate on webgpu and tfjs-webgpu, and the ratio. */
function gpuReport(machine: Record<string, unknown>, gpuInfo: Record<string, unknown> | undefined, software: boolean): string {
  const L: string[] = [];
  const a = (gpuInfo?.['adapter'] ?? {}) as Record<string, unknown>;
  L.push(`${software ? '**CPU-adapter proxy (not a GPU):** ' : ''}measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:gpu${software || quick ? ` --${software ? ' --force' : ''}${quick ? ' --quick' : ''}` : ''}\` on adapter ${JSON.stringify({ vendor: a['vendor'], architecture: a['architecture'], device: a['device'], description: a['description'] })} (${String(gpuInfo?.['runtime'] ?? '')}), host ${String(machine['cpu'])}, ${String(machine['cores'])} cores, Node ${String(machine['node'])}, load average at start ${(machine['loadavgStart'] as number[]).join(' ')}.`);
  L.push('');
  L.push('| case | engine | median ms | rate | unit | webgpu ÷ engine |');
  L.push('|---|---|---:|---:|---|---:|');
  for (const c of ALL_CASES) {
    const rows = results.filter((r) => r.case === c);
    const ours = rows.find((r) => r.engine === 'webgpu');
    for (const r of rows) {
      const off = notComparable(c, r.engine);
      const ratio = off !== null ? `not comparable (output differs: ${off.toExponential(1)})` : ours && r.engine !== 'webgpu' ? `${(ours.rate / r.rate).toFixed(2)}x` : '';
      L.push(`| ${c} | ${r.engine} | ${r.median_ms.toFixed(2)} | ${r.rate.toFixed(2)} | ${r.unit} | ${ratio} |`);
    }
  }
  L.push('');
  L.push('Rates: conv and matmul count 2 FLOPs per multiply-add; unet-step-2d counts image voxels (160 x 192) per second of one whole training step (forward, loss, backward, Adam) of the 2D model; warp counts output voxels. Each engine is timed to completion of its queued work (no readback).');
  if (checks.length) L.push(`\nSame inputs, same outputs: largest |peer - webgpu| / max|webgpu|: ${checks.map((k) => `${k.case} ${k.engine} ${k.maxRelDiff.toExponential(1)}`).join('; ')}.`);
  for (const n of notes) L.push(`\nNote: ${n}`);
  const rate = (c: CaseId, e: EngineId) => results.find((r) => r.case === c && r.engine === e)?.rate;
  const conv = rate('conv3d-fwd-64', 'webgpu'), peer = rate('conv3d-fwd-64', 'tfjs-webgpu');
  L.push('');
  L.push('| target (H100/H200-class GPU) | measured | met |');
  L.push('|---|---:|---|');
  L.push(`| conv3d-fwd-64 webgpu >= 5 TFLOP/s fp32 | ${conv !== undefined ? `${(conv / 1000).toFixed(2)} TFLOP/s` : 'not measured'} | ${software ? 'n/a (CPU adapter)' : conv !== undefined ? (conv >= 5000 ? 'yes' : 'NO') : ''} |`);
  const r = conv !== undefined && peer !== undefined && notComparable('conv3d-fwd-64', 'tfjs-webgpu') === null ? conv / peer : undefined;
  L.push(`| conv3d-fwd-64 webgpu >= 3x tfjs-webgpu | ${r !== undefined ? `${r.toFixed(2)}x` : 'not measured'} | ${software ? 'n/a (CPU adapter)' : r !== undefined ? (r >= 3 ? 'yes' : 'NO') : ''} |`);
  return L.join('\n');
}

/** bench/RESULTS-gpu.md: a GPU run replaces the GPU block, a forced CPU-adapter run the proxy block. */
function writeGpuResultsMd(md: string, software: boolean): void {
  const path = join(benchDir, 'RESULTS-gpu.md');
  const tag = software ? 'proxy' : 'gpu';
  const begin = `<!-- bench:${tag}:begin (generated by npm run bench:gpu) -->`, end = `<!-- bench:${tag}:end -->`;
  const block = `${begin}\n${md}\n${end}`;
  let text = existsSync(path) ? readFileSync(path, 'utf8') : `# GPU benchmark results\n\n${begin}\n${end}\n`;
  const i = text.indexOf(begin), j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text}\n${block}\n`;
  writeFileSync(path, text);
}

/** Replaces the generated block of bench/RESULTS.md (between the markers), keeping the prose around it. */
function writeResultsMd(md: string): void {
  const path = join(benchDir, 'RESULTS.md');
  const begin = '<!-- bench:begin (generated by npm run bench) -->', end = '<!-- bench:end -->';
  const block = `${begin}\n${md}\n${end}`;
  let text = existsSync(path) ? readFileSync(path, 'utf8') : `# Benchmark results\n\n${begin}\n${end}\n`;
  const i = text.indexOf(begin), j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text}\n${block}\n`;
  writeFileSync(path, text);
}

await main();
