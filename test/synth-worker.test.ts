// The comlink service in a real Node worker thread (the entry bundled by vite, since workers cannot
// load TypeScript): prepare, a stage with progress, cancel then resume, results, and volumes
// transferred as typed arrays with their affine. On each backend of backendsUnderTest(): the worker
// starts on that backend (webgpu: the `webgpu` package, Dawn, in the worker thread; info() inside the
// worker must say so). The webgpu variant is smaller (fewer steps and methods, a smaller grid).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Comlink from 'comlink';
// @ts-expect-error comlink ships the adapter as .mjs; its types are in node-adapter.d.ts.
import nodeEndpointImpl from 'comlink/dist/esm/node-adapter.mjs';
import type { SynthService } from '../src/workers/synth-service.js';
import type { StageProgress } from '../src/synth/train.js';
import { backendsUnderTest } from './harness.js';

const root = join(import.meta.dirname, '..');
// Inside the project, so that the bundle's run-time import of the optional `webgpu` package (Dawn,
// left external by its variable specifier) resolves from node_modules.
mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
const dir = mkdtempSync(join(root, 'node_modules', '.cache', 'blendwarp-synth-worker-'));
const nodeEndpoint = nodeEndpointImpl as (w: Worker) => Comlink.Endpoint;

beforeAll(async () => {
  const { build } = await import('vite');
  await build({
    root, logLevel: 'silent', configFile: false,
    ssr: { noExternal: true },
    build: { ssr: join(root, 'src/workers/synth-node-worker.ts'), outDir: dir, emptyOutDir: true, rollupOptions: { output: { format: 'es', entryFileNames: 'synth-worker.mjs' } } },
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(backendsUnderTest())('SynthService in a worker thread on %s', (backend) => {
  const gpu = backend === 'webgpu';
  let worker: Worker;
  let service: Comlink.Remote<SynthService>;
  beforeAll(() => {
    worker = new Worker(join(dir, 'synth-worker.mjs'));
    service = Comlink.wrap<SynthService>(nodeEndpoint(worker));
  });
  afterAll(async () => {
    // Let the service free its memory (and finish its GPU work) before the thread goes.
    await service?.dispose();
    await worker?.terminate();
  });

  it('runs the stages with progress, cancels, resumes, and hands out volumes with affines', async () => {
    const [d, h, w] = gpu ? [1, 24, 20] : [1, 40, 36];
    const steps = gpu ? 8 : 40;
    const methods = gpu ? ['affine', 'sas', 'rand-aug', 'ours-indep'] as const : undefined;
    const summary = await service.prepare({ input: 'default', backend, dims: 2, phantomShape: [d, h, w], steps, methods: methods && [...methods] });
    const inside = await service.info();
    expect(inside.context, 'the service runs in a worker thread').toBe('worker-thread');
    expect(inside.backend?.name, 'info().backend inside the worker').toBe(backend);
    expect(summary.shape).toEqual([d, h, w]);
    expect(summary.tests.length).toBe(2);

    // Cancel the spatial stage after a few steps: the call rejects, the checkpoint keeps the steps.
    let cancelled = false;
    const seen: StageProgress[] = [];
    const first = service.runStage('spatial', Comlink.proxy((p: StageProgress) => {
      seen.push(p);
      if (!cancelled && p.step >= (gpu ? 3 : 5)) { cancelled = true; void service.cancel(); }
    }));
    await expect(first).rejects.toThrow(/spatial: cancelled/);
    const stoppedAt = seen[seen.length - 1]!.step;
    expect(stoppedAt).toBeGreaterThanOrEqual(gpu ? 3 : 5);
    expect(stoppedAt).toBeLessThan(steps);

    const messages: string[] = [];
    const stages = new Set<string>();
    const out = await service.runStage('run', Comlink.proxy((p: StageProgress) => { stages.add(p.stage); if (p.message) messages.push(p.message); }));
    expect(messages).toContain(`resumed at step ${stoppedAt}`);
    expect([...stages]).toEqual(expect.arrayContaining(['spatial', 'appearance', 'synthesize', 'segment rand-aug', 'evaluate']));
    const results = out.results as { methods: { name: string; dice_mean: number }[] };
    expect(results.methods.map((m) => m.name)).toEqual(methods ? [...methods] : ['affine', 'sas', 'sas-aug', 'rand-aug', 'ours-coupled', 'ours-indep', 'ours-indep+rand-aug']);

    const [img, lab] = await service.example(0, 1);
    expect(img.data).toBeInstanceOf(Float32Array);
    expect(img.data.length).toBe(h * w);
    expect(img.shape).toEqual([d, h, w]);
    expect(img.affine).toHaveLength(16);
    expect(lab.data).toBeInstanceOf(Int32Array);
    expect([...new Set(lab.data)].some((v) => v === 2 || v === 41)).toBe(true); // FreeSurfer values, not class indices
    const pred = await service.prediction('sas', 0);
    expect(pred.data.length).toBe(h * w);
    const png = await service.output('synth/montage.png');
    expect(png && Array.from(png.slice(1, 4))).toEqual([0x50, 0x4e, 0x47]);
  });
});
