// `blendwarp gblend` end to end, in process: the default data (every method) and a small AV-MNIST.
// The runs go on each backend of backendsUnderTest(); WebGPU on a CPU adapter (lavapipe in CI) is ~20x
// slower per step than wasm, so its variants are smaller (fewer methods, examples, seeds), checking the
// same contract. Flag refusals never reach a kernel and run once.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/gblend.js';
import { encodeNpy } from '../src/io/npy.js';
import { backendsUnderTest, hostRng, sharedData } from './harness.js';

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

const ALL_METHODS = ['uni:left', 'uni:right', 'naive', 'dropout', 'pretrain', 'aux', 'gblend-offline', 'gblend-online', 'gblend-prop1', 'gblend-grad-perhead', 'early', 'late-mean', 'late-max', 'late-product', 'mid-concat', 'se-gate', 'lmf', 'gblend-online-raw', 'gblend-online+heads', 'gblend-offline+heads', 'late-product-gblend'];
/** The webgpu variant's methods: a uni-modal baseline, joint training and online G-Blend (the rest is host logic, tested on wasm). */
const GPU_METHODS = ['uni:left', 'naive', 'gblend-online'];

interface Results { methods: { name: string; top1: number; top1_std: number; top5: number; weights: Record<string, number> | null }[]; runs: { name: string; estimates: unknown[]; history: unknown[] }[] }

describe.each(backendsUnderTest())('on %s', (backend) => {
const gpu = backend === 'webgpu';

it('runs every method on the default data, prints the table, writes results.json and the plots; a rerun reuses finished runs', async () => {
  const out = tmp();
  const seeds = gpu ? 1 : 2;
  const sizing = gpu ? ['--per-class', '20', '--methods', GPU_METHODS.join(',')] : ['--per-class', '40'];
  const args = ['--backend', backend, '--data', 'default', '--quick', ...sizing, '--epochs', '3', '--warmup', '1', '--super-epoch', '1', '--seeds', String(seeds), '--out', out];
  const text = await run(args);
  const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results;
  const names = res.methods.map((m) => m.name);
  expect(names).toEqual(gpu ? GPU_METHODS : ALL_METHODS);
  for (const m of res.methods) {
    expect(m.top1, m.name).toBeGreaterThan(0.13); // above chance (0.1; 3 standard errors on 1000 test examples) after 3 epochs on 400 (webgpu: 200) examples
    expect(m.top5).toBeGreaterThanOrEqual(m.top1);
    expect(m.top1_std).toBeGreaterThanOrEqual(0);
  }
  const weights = (n: string) => res.methods.find((m) => m.name === n)!.weights!;
  expect(Object.keys(weights('gblend-online'))).toEqual(['left', 'right', 'fused']);
  expect(res.methods.find((m) => m.name === 'naive')!.weights).toBeNull();
  if (!gpu) {
    expect(Object.values(weights('aux'))).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(Object.values(weights('gblend-offline')).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    // late-product-gblend reuses gblend-offline's estimate at initialisation (same seed, same model).
    const first = (n: string) => (res.runs.find((r) => r.name === n)!.estimates[0] as { raw: number[] }).raw;
    expect(first('late-product-gblend')).toEqual(first('gblend-offline'));
    expect(Object.keys(weights('late-product-gblend'))).toEqual(['left', 'right']);
    expect(Object.values(weights('late-product-gblend')).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  }
  // Online: one estimate per super-epoch (warm-up 1, then 1 each) = 3 per seed.
  expect(res.runs.filter((r) => r.name === 'gblend-online').map((r) => r.estimates.length)).toEqual(Array(seeds).fill(3));
  expect(text).toMatch(/Method\s+Top-1\s+Top-5\s+Weights \[left, right, fused\]/);
  expect(text).toMatch(/gblend-online\s+\d+\.\d ± \d+\.\d\s+\d+\.\d ± \d+\.\d\s+\[0\.\d{3}, 0\.\d{3}, 0\.\d{3}\]/);
  for (const f of ['weights.svg', 'losses.svg', 'ogr.svg']) {
    const svg = readFileSync(join(out, f), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<polyline');
  }
  // A rerun finds every (seed, method) finished and prints the same table without training.
  // (no wall-clock bound: the finished runs and checkpoints are not rewritten, i.e. nothing retrained)
  const stamp = () => [...readdirSync(join(out, 'runs')), ...readdirSync(join(out, 'checkpoints'))].sort()
    .map((f) => { const p = existsSync(join(out, 'runs', f)) ? join(out, 'runs', f) : join(out, 'checkpoints', f); return `${f}:${statSync(p).mtimeMs}`; });
  const before = stamp();
  const again = await run(args);
  expect(stamp()).toEqual(before);
  const tableLines = names.length + 2;
  expect(again.split('\n').slice(0, tableLines)).toEqual(text.split('\n').slice(0, tableLines));
  expect(text).toMatch(/naive joint training \d+\.\d% is (BELOW|not below) the best single modality uni:(left|right)/);
});

it.skipIf(!fsddDir)('runs a small AV-MNIST (FSDD audio + MNIST images, unseen test speaker)', async () => {
  const fsdd = fsddDir!;
  const out = tmp();
  const clips = gpu ? 1 : 4;
  const methods = gpu ? 'uni:audio,gblend-online' : 'uni:image,uni:audio,naive,aux,gblend-offline,gblend-online,gblend-grad';
  const text = await run(['--backend', backend, '--data', 'avmnist', '--fsdd', fsdd, '--clips', String(clips), '--reuse', '2', '--pca', '10', '--epochs', '3', '--warmup', '1', '--super-epoch', '1',
    '--methods', methods, '--out', out]);
  const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Results & { data: { train: number; test: number; notes: string[] } };
  expect(res.data.train).toBe(clips * 2 * 10 * 4); // clips x reuse x digits x training speakers
  expect(res.data.test).toBe(clips * 2 * 10 * 1);
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
  const common = ['--backend', backend, '--data', dir, '--epochs', gpu ? '2' : '3', '--warmup', '1', '--super-epoch', '1', '--seeds', '2', '--out', out];
  await run([...common, '--methods', gpu ? 'uni:a,gblend-online' : 'uni:a,naive,gblend-online']);
  // A second run of other methods into the same --out merges; the old name gblend-grad is accepted.
  const text = await run([...common, '--methods', gpu ? 'aux,gblend-grad' : 'uni:b,aux,gblend-grad']);
  type R = Results & { data: { train: number; test: number; notes: string[] }; comparisons: { a: string; b: string; n: number; p_value: number | null; ci95: number[] }[]; validation: Record<string, { groups: string[] }> };
  const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as R;
  expect(res.data.train).toBe(75);
  expect(res.data.test).toBe(15);
  expect(res.data.notes[0]).toMatch(/a: per feature, b: per feature/);
  expect(res.methods.map((m) => m.name)).toEqual(gpu ? ['uni:a', 'aux', 'gblend-online', 'gblend-grad-perhead'] : ['uni:a', 'uni:b', 'naive', 'aux', 'gblend-online', 'gblend-grad-perhead']);
  expect(Object.keys(res.methods.find((m) => m.name === 'gblend-online')!.weights!)).toEqual(['a', 'b', 'fused']);
  const pairs = res.comparisons.map((c) => `${c.a} vs ${c.b}`);
  expect(pairs).toEqual(expect.arrayContaining(gpu ? ['gblend-online vs aux'] : ['gblend-online vs naive', 'gblend-online vs aux', 'naive vs aux']));
  for (const c of res.comparisons) expect(c.n).toBe(2);
  expect(text).toMatch(/Paired over seeds/);
  // V: whole groups, recorded per seed, the same when the examples come in another order.
  expect(Object.keys(res.validation)).toEqual(['1', '2']);
  for (const v of Object.values(res.validation)) for (const g of v.groups) expect(['g0', 'g1', 'g2', 'g3', 'g4']).toContain(g);
  const man = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const rev = tmp();
  mkdirSync(join(rev, 'a'));
  for (let i = 0; i < n; i++) writeFileSync(join(rev, 'a', `${i}.npy`), readFileSync(join(dir, 'a', `${i}.npy`)));
  const order = [...man.examples.keys()].reverse();
  const b2 = new Float32Array(n * 3);
  order.forEach((src: number, i: number) => b2.set(b.subarray(src * 3, src * 3 + 3), i * 3));
  writeFileSync(join(rev, 'b.npy'), encodeNpy(b2, [n, 3]));
  writeFileSync(join(rev, 'manifest.json'), JSON.stringify({ ...man, examples: order.map((i: number) => man.examples[i]) }));
  const out2 = tmp();
  await run(['--backend', backend, '--data', rev, '--epochs', '1', '--seeds', '2', '--methods', 'uni:a', '--out', out2]);
  expect(JSON.parse(readFileSync(join(out2, 'results.json'), 'utf8')).validation).toEqual(res.validation);
  await expect(main(['--backend', backend, '--data', dir, '--pca', '3', '--out', tmp()])).rejects.toThrow(/--pca: AV-MNIST options; they do not apply to --data/);
  rmSync(join(dir, 'a', '7.npy'));
  await expect(main(['--backend', backend, '--data', dir, '--out', tmp()])).rejects.toThrow(/manifest\.json: examples\[7\], modality "a": cannot read "a\/7\.npy"/);
});

});

it('rejects bad flags with the flag and the expected value', async () => {
  await expect(main(['--data', 'avmnist'])).rejects.toThrow('--data avmnist needs --fsdd DIR');
  await expect(main(['--epochs', 'two'])).rejects.toThrow('--epochs: expected an integer >= 1, got "two"');
  await expect(main(['--data', '/nonexistent-folder'])).rejects.toThrow(/manifest\.json cannot be read/);
  const out = tmp();
  await expect(main(['--quick', '--per-class', '10', '--methods', 'naive,magic', '--out', out])).rejects.toThrow('--methods: unknown method "magic"');
});
