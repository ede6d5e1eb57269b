// `blendwarp gblend` end to end, in process: the default data (every method) and a small AV-MNIST.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { main } from '../src/cli/gblend.js';
import { encodeNpy } from '../src/io/npy.js';
import { hostRng, sharedData } from './harness.js';

/** ../shared/data/fsdd/recordings, or null (the test is reported as skipped; under CI=true sharedData throws). */
const fsddDir = sharedData('fsdd/recordings');

const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync(join(tmpdir(), 'gblend-')); dirs.push(d); return d; };
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function run(args: string[]): Promise<string> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(await main(args)).toBe(0);
  } finally { spy.mockRestore(); err.mockRestore(); }
  return out.join('');
}

interface Results { methods: { name: string; top1: number; top1_std: number; top5: number; weights: Record<string, number> | null }[]; runs: { name: string; estimates: unknown[]; history: unknown[] }[] }

it('runs every method on the default data, prints the table, writes results.json and the plots; a rerun reuses finished runs', async () => {
  const out = tmp();
  const args = ['--backend', 'wasm', '--data', 'default', '--quick', '--per-class', '40', '--epochs', '3', '--warmup', '1', '--super-epoch', '1', '--seeds', '2', '--out', out];
  const text = await run(args);
  const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
  const names = res.methods.map((m) => m.name);
  expect(names).toEqual(['uni:left', 'uni:right', 'naive', 'dropout', 'pretrain', 'aux', 'gblend-offline', 'gblend-online', 'gblend-grad', 'early', 'late-mean', 'late-max', 'late-product', 'mid-concat', 'se-gate', 'lmf', 'gblend-online-raw']);
  for (const m of res.methods) {
    expect(m.top1, m.name).toBeGreaterThan(0.13); // above chance (0.1; 3 standard errors on 1000 test examples) after 3 epochs on 400 examples
    expect(m.top5).toBeGreaterThanOrEqual(m.top1);
    expect(m.top1_std).toBeGreaterThanOrEqual(0);
  }
  const weights = (n: string) => res.methods.find((m) => m.name === n)!.weights!;
  expect(Object.keys(weights('gblend-online'))).toEqual(['left', 'right', 'fused']);
  expect(Object.values(weights('aux'))).toEqual([1 / 3, 1 / 3, 1 / 3]);
  expect(Object.values(weights('gblend-offline')).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  expect(res.methods.find((m) => m.name === 'naive')!.weights).toBeNull();
  // Online: one estimate per super-epoch (warm-up 1, then 1 each) = 3 per seed.
  expect(res.runs.filter((r) => r.name === 'gblend-online').map((r) => r.estimates.length)).toEqual([3, 3]);
  expect(text).toMatch(/Method\s+Top-1\s+Top-5\s+Weights \[left, right, fused\]/);
  expect(text).toMatch(/gblend-online\s+\d+\.\d ± \d+\.\d\s+\d+\.\d ± \d+\.\d\s+\[0\.\d{3}, 0\.\d{3}, 0\.\d{3}\]/);
  for (const f of ['weights.svg', 'losses.svg', 'ogr.svg']) {
    const svg = readFileSync(join(out, f), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<polyline');
  }
  // A rerun finds every (seed, method) finished and prints the same table without training.
  const t0 = Date.now();
  const again = await run(args);
  expect(Date.now() - t0).toBeLessThan(5000);
  expect(again.split('\n').slice(0, 19)).toEqual(text.split('\n').slice(0, 19));
});

it.skipIf(!fsddDir)('runs a small AV-MNIST (FSDD audio + MNIST images, unseen test speaker)', async () => {
  const fsdd = fsddDir!;
  const out = tmp();
  const text = await run(['--backend', 'wasm', '--data', 'avmnist', '--fsdd', fsdd, '--clips', '4', '--reuse', '2', '--pca', '10', '--epochs', '3', '--warmup', '1', '--super-epoch', '1',
    '--methods', 'uni:image,uni:audio,naive,aux,gblend-offline,gblend-online,gblend-grad', '--out', out]);
  const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results & { data: { train: number; test: number; notes: string[] } };
  expect(res.data.train).toBe(4 * 2 * 10 * 4);
  expect(res.data.test).toBe(1 * 2 * 10 * 4);
  expect(res.data.notes[0]).toContain('unseen speakers theo');
  expect(Object.keys(res.methods.find((m) => m.name === 'gblend-online')!.weights!)).toEqual(['image', 'audio', 'fused']);
  expect(text).toContain('uni:audio');
  expect(existsSync(join(out, 'weights.svg'))).toBe(true);
});

it('runs on a user folder with a manifest (per-example .npy files, one .npy array, groups, a test split)', async () => {
  const dir = tmp(), r = hostRng(9), n = 90;
  mkdirSync(join(dir, 'a'));
  const b = new Float32Array(n * 3), examples = [];
  for (let i = 0; i < n; i++) {
    const y = i % 3;
    writeFileSync(join(dir, 'a', `${i}.npy`), encodeNpy(Float32Array.from({ length: 4 }, (_, k) => (k === y ? 1.5 : 0) + r() - 0.5), [4]));
    for (let k = 0; k < 3; k++) b[i * 3 + k] = (k === y ? 0.8 : 0) + r() - 0.5;
    examples.push({ a: `a/${i}.npy`, label: ['x', 'y', 'z'][y], group: `g${Math.floor(i / 15)}`, split: i >= 75 ? 'test' : 'train' });
  }
  writeFileSync(join(dir, 'b.npy'), encodeNpy(b, [n, 3]));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ classes: ['x', 'y', 'z'], modalities: [{ name: 'a', format: 'npy' }, { name: 'b', format: 'npy', file: 'b.npy' }], examples }));
  const out = tmp();
  await run(['--backend', 'wasm', '--data', dir, '--methods', 'uni:a,naive,gblend-online', '--epochs', '3', '--warmup', '1', '--super-epoch', '1', '--out', out]);
  const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results & { data: { train: number; test: number } };
  expect(res.data.train).toBe(75);
  expect(res.data.test).toBe(15);
  expect(Object.keys(res.methods.find((m) => m.name === 'gblend-online')!.weights!)).toEqual(['a', 'b', 'fused']);
  rmSync(join(dir, 'a', '7.npy'));
  await expect(main(['--backend', 'wasm', '--data', dir, '--out', tmp()])).rejects.toThrow(/manifest\.json: examples\[7\], modality "a": cannot read "a\/7\.npy"/);
});

it('rejects bad flags with the flag and the expected value', async () => {
  await expect(main(['--data', 'avmnist'])).rejects.toThrow('--data avmnist needs --fsdd DIR');
  await expect(main(['--epochs', 'two'])).rejects.toThrow('--epochs: expected an integer >= 1, got "two"');
  await expect(main(['--data', '/nonexistent-folder'])).rejects.toThrow(/manifest\.json cannot be read/);
  const out = tmp();
  await expect(main(['--quick', '--per-class', '10', '--methods', 'naive,magic', '--out', out])).rejects.toThrow('--methods: unknown method "magic"');
});
