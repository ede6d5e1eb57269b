// The comlink service in a real Node worker thread (the entry bundled by vite, since workers cannot
// load TypeScript): prepare, a stage with progress, cancel then resume, results, and volumes
// transferred as typed arrays with their affine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Comlink from 'comlink';
// @ts-expect-error comlink ships the adapter as .mjs; its types are in node-adapter.d.ts.
import nodeEndpointImpl from 'comlink/dist/esm/node-adapter.mjs';
import type { SynthService } from '../src/workers/synth-service.js';
import type { StageProgress } from '../src/synth/train.js';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'blendwarp-synth-worker-'));
const nodeEndpoint = nodeEndpointImpl as (w: Worker) => Comlink.Endpoint;
let worker: Worker;
let service: Comlink.Remote<SynthService>;

beforeAll(async () => {
  const { build } = await import('vite');
  await build({
    root, logLevel: 'silent', configFile: false,
    ssr: { noExternal: true },
    build: { ssr: join(root, 'src/workers/synth-node-worker.ts'), outDir: dir, emptyOutDir: true, rollupOptions: { output: { format: 'es', entryFileNames: 'synth-worker.mjs' } } },
  });
  worker = new Worker(join(dir, 'synth-worker.mjs'));
  service = Comlink.wrap<SynthService>(nodeEndpoint(worker));
});

afterAll(async () => {
  // Let the service free its memory before the thread goes (no GPU work is pending on wasm).
  await service?.dispose();
  await worker?.terminate();
  rmSync(dir, { recursive: true, force: true });
});

describe('SynthService in a worker thread', () => {
  it('runs the stages with progress, cancels, resumes, and hands out volumes with affines', async () => {
    const summary = await service.prepare({ input: 'default', dims: 2, phantomShape: [1, 40, 36], steps: 40 });
    expect(summary.shape).toEqual([1, 40, 36]);
    expect(summary.tests.length).toBe(2);

    // Cancel the spatial stage after a few steps: the call rejects, the checkpoint keeps the steps.
    let cancelled = false;
    const seen: StageProgress[] = [];
    const first = service.runStage('spatial', Comlink.proxy((p: StageProgress) => {
      seen.push(p);
      if (!cancelled && p.step >= 5) { cancelled = true; void service.cancel(); }
    }));
    await expect(first).rejects.toThrow(/spatial: cancelled/);
    const stoppedAt = seen[seen.length - 1]!.step;
    expect(stoppedAt).toBeGreaterThanOrEqual(5);
    expect(stoppedAt).toBeLessThan(40);

    const messages: string[] = [];
    const stages = new Set<string>();
    const out = await service.runStage('run', Comlink.proxy((p: StageProgress) => { stages.add(p.stage); if (p.message) messages.push(p.message); }));
    expect(messages).toContain(`resumed at step ${stoppedAt}`);
    expect([...stages]).toEqual(expect.arrayContaining(['spatial', 'appearance', 'synthesize', 'segment rand-aug', 'evaluate']));
    const results = out.results as { methods: { name: string; dice_mean: number }[] };
    expect(results.methods.map((m) => m.name)).toEqual(['affine', 'sas', 'sas-aug', 'rand-aug', 'ours-coupled', 'ours-indep', 'ours-indep+rand-aug']);

    const [img, lab] = await service.example(0, 1);
    expect(img.data).toBeInstanceOf(Float32Array);
    expect(img.data.length).toBe(40 * 36);
    expect(img.shape).toEqual([1, 40, 36]);
    expect(img.affine).toHaveLength(16);
    expect(lab.data).toBeInstanceOf(Int32Array);
    expect([...new Set(lab.data)].some((v) => v === 2 || v === 41)).toBe(true); // FreeSurfer values, not class indices
    const pred = await service.prediction('sas', 0);
    expect(pred.data.length).toBe(40 * 36);
    const png = await service.output('synth/montage.png');
    expect(png && Array.from(png.slice(1, 4))).toEqual([0x50, 0x4e, 0x47]);
  });
});
