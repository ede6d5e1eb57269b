// The G-Blend pipeline runs unchanged in Deno 2 (the built package) and gives the same numbers as Node,
// on each backend of backendsUnderTest(): wasm (the same kernels: equal to the last bits of the host
// math) and webgpu (Deno's own WebGPU, wgpu, against Node's Dawn on the same adapter: two shader
// compilers, so equal to f32 rounding only; tolerances below).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { runMethod, type GBlendOptions } from '../src/gblend/methods.js';
import type { Dataset } from '../src/gblend/data.js';
import { backendsUnderTest, hostRng, useBackend } from './harness.js';

const root = join(import.meta.dirname, '..');

// Shared by both runtimes (the Deno side gets the same source text).
const BLOBS = `function blobs(n, seed, rng) {
  const r = rng(seed), dims = 6;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const mod = (name, s) => ({ name, shape: [dims], data: Float32Array.from({ length: n * dims }, (_, k) => (k % dims === labels[Math.floor(k / dims)] ? s : 0) + (r() - 0.5) * 2) });
  return { modalities: [mod('a', 1.2), mod('b', 0.6)], classes: 3, labels };
}`;
const OPTS: GBlendOptions = { epochs: 4, warmup: 2, superEpoch: 1, train: { optimizer: 'adam', lr: 0.01, batchSize: 16 }, encoders: { a: { kind: 'mlp', hidden: [16] }, b: { kind: 'mlp', hidden: [16] } } };

describe.each(backendsUnderTest())('on %s', (backend) => {
beforeAll(() => useBackend(backend));
const gpu = backend === 'webgpu';
// The webgpu variant is smaller: Deno's WebGPU on a CPU adapter is the slowest path of the suite.
const opts: GBlendOptions = gpu ? { ...OPTS, epochs: 2, warmup: 1 } : OPTS;
const [nTrain, nTest] = gpu ? [48, 30] : [120, 60];

it('Deno runs online G-Blend on the built package with the same weights, losses and accuracy as Node', async () => {
  const deno = join(root, 'node_modules', '.bin', 'deno');
  expect(existsSync(deno), 'the deno dev dependency is installed (npm ci)').toBe(true);
  expect(existsSync(join(root, 'dist', 'src', 'gblend', 'index.js')), 'dist/ is built (npm run build)').toBe(true);
  const dir = mkdtempSync(join(tmpdir(), 'gblend-deno-'));
  try {
    const script = join(dir, 'smoke.js');
    writeFileSync(script, `import * as bw from '${pathToFileURL(join(root, 'dist/src/index.js')).href}';
import * as gb from '${pathToFileURL(join(root, 'dist/src/gblend/index.js')).href}';
${hostRng.toString().replace(/^function hostRng/, 'function rng')}
${BLOBS}
await bw.init('${backend}');
const info = bw.getBackend().info();
const res = await gb.runMethod('gblend-online', blobs(${nTrain}, 1, rng), blobs(${nTest}, 2, rng), ${JSON.stringify(opts)}, 1);
console.log(JSON.stringify({ runtime: typeof Deno === 'object' ? 'deno' : 'other', backend: info.name, top1: res.top1, weights: res.weights, val: res.history.map((h) => h.val.map((v) => v.loss)) }));
`);
    const out = execFileSync(deno, ['run', '--allow-read', '--allow-env', '--no-prompt', '--node-modules-dir=manual', script], { cwd: root, encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } });
    const got = JSON.parse(out.trim().split('\n').pop()!);
    const blobs = new Function('rng', `${BLOBS}; return blobs;`)(hostRng) as (n: number, seed: number, rng: typeof hostRng) => Dataset;
    const here = await runMethod('gblend-online', blobs(nTrain, 1, hostRng), blobs(nTest, 2, hostRng), opts, 1);
    expect(got.runtime).toBe('deno');
    expect(got.backend, 'the backend Deno ran on').toBe(backend);
    // wasm: losses and weights are computed on the host with Math.exp/log, whose last bit differs
    // between the V8 versions of Node 20 and Deno 2 (measured: 2.2e-16); the training itself is the
    // same. webgpu: wgpu (Deno) and Dawn (Node) compile the same WGSL with different compilers, which
    // may contract or reorder f32 arithmetic; on lavapipe the results were the same (measured: largest
    // loss difference 1.1e-16, from the host math), so the bound is f32 rounding, not training drift.
    const weightDigits = gpu ? 6 : 12, lossTol = gpu ? 1e-6 : 1e-9;
    for (const [k, v] of Object.entries(here.weights!)) expect(got.weights[k]).toBeCloseTo(v, weightDigits);
    const mine = here.history.map((h) => h.val.map((v) => v.loss));
    const diffs = (got.val as number[][]).flatMap((row, i) => row.map((v, j) => Math.abs(v - mine[i]![j]!)));
    console.log(`${backend}: largest |deno - node| validation loss difference:`, Math.max(...diffs));
    expect(Math.max(...diffs)).toBeLessThan(lossTol);
    expect(got.top1).toBe(here.top1);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
});
