// The G-Blend pipeline runs unchanged in Deno 2 (the built package) and gives the same numbers as Node.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { runMethod, type GBlendOptions } from '../src/gblend/methods.js';
import type { Dataset } from '../src/gblend/data.js';
import { hostRng } from './harness.js';

const root = join(import.meta.dirname, '..');
beforeAll(() => bw.init('wasm'));

// Shared by both runtimes (the Deno side gets the same source text).
const BLOBS = `function blobs(n, seed, rng) {
  const r = rng(seed), dims = 6;
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const mod = (name, s) => ({ name, shape: [dims], data: Float32Array.from({ length: n * dims }, (_, k) => (k % dims === labels[Math.floor(k / dims)] ? s : 0) + (r() - 0.5) * 2) });
  return { modalities: [mod('a', 1.2), mod('b', 0.6)], classes: 3, labels };
}`;
const OPTS: GBlendOptions = { epochs: 4, warmup: 2, superEpoch: 1, train: { optimizer: 'adam', lr: 0.01, batchSize: 16 }, encoders: { a: { kind: 'mlp', hidden: [16] }, b: { kind: 'mlp', hidden: [16] } } };

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
await bw.init('wasm');
const res = await gb.runMethod('gblend-online', blobs(120, 1, rng), blobs(60, 2, rng), ${JSON.stringify(OPTS)}, 1);
console.log(JSON.stringify({ runtime: typeof Deno === 'object' ? 'deno' : 'other', top1: res.top1, weights: res.weights, val: res.history.map((h) => h.val.map((v) => v.loss)) }));
`);
    const out = execFileSync(deno, ['run', '--allow-read', '--no-prompt', '--node-modules-dir=manual', script], { cwd: root, encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } });
    const got = JSON.parse(out.trim().split('\n').pop()!);
    const blobs = new Function('rng', `${BLOBS}; return blobs;`)(hostRng) as (n: number, seed: number, rng: typeof hostRng) => Dataset;
    const here = await runMethod('gblend-online', blobs(120, 1, hostRng), blobs(60, 2, hostRng), OPTS, 1);
    expect(got.runtime).toBe('deno');
    // Losses and weights are computed on the host with Math.exp/log, whose last bit differs between the
    // V8 versions of Node 20 and Deno 2 (measured: 2.2e-16); the training itself is the same.
    for (const [k, v] of Object.entries(here.weights!)) expect(got.weights[k]).toBeCloseTo(v, 12);
    const mine = here.history.map((h) => h.val.map((v) => v.loss));
    const diffs = (got.val as number[][]).flatMap((row, i) => row.map((v, j) => Math.abs(v - mine[i]![j]!)));
    console.log('largest |deno - node| validation loss difference:', Math.max(...diffs));
    expect(Math.max(...diffs)).toBeLessThan(1e-9);
    expect(got.top1).toBe(here.top1);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
