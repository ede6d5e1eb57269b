// `blendwarp gblend --folds K`: the fold assignment (whole groups, independent of the input order;
// stratified without groups), AV-MNIST folds with disjoint images, and the command end to end on a
// small manifest: per-fold results, held-out groups, comparisons paired over (seed, fold) units.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/gblend.js';
import { avMnistFoldSource, type Dataset } from '../src/gblend/data.js';
import { foldData, groupFolds, makeFolds } from '../src/gblend/folds.js';
import { loadMnistPackageDigits } from '../src/gblend/mnist-source.js';
import { encodeNpy } from '../src/io/npy.js';
import { hostRng, sharedData } from './harness.js';

const fsddDir = sharedData('fsdd/recordings');
const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync(join(tmpdir(), 'gblend-folds-')); dirs.push(d); return d; };
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function grouped(n: number, groupNames: string[], perGroup: number): Dataset {
  return {
    modalities: [{ name: 'a', shape: [1], data: Float32Array.from({ length: n }, (_, i) => i) }],
    classes: 3, labels: Int32Array.from({ length: n }, (_, i) => i % 3),
    groups: Int32Array.from({ length: n }, (_, i) => Math.floor(i / perGroup)), groupNames,
  };
}

describe('fold assignment', () => {
  it('over groups: whole groups, every example tested once, the same folds whatever order the groups come in', () => {
    const names = ['g3', 'g0', 'g4', 'g1', 'g2'];
    const plan = makeFolds(grouped(50, names, 10), 2);
    expect(plan.by).toBe('groups');
    const tested = plan.folds.flatMap((f) => [...f.test]).sort((a, b) => a - b);
    expect(tested).toEqual(Array.from({ length: 50 }, (_, i) => i));
    for (const f of plan.folds) {
      expect(f.train.length + f.test.length).toBe(50);
      const testGroups = new Set([...f.test].map((i) => names[Math.floor(i / 10)]));
      expect([...testGroups].sort()).toEqual(f.testGroups);
      // No group on both sides.
      for (const i of f.train) expect(testGroups.has(names[Math.floor(i / 10)])).toBe(false);
    }
    expect(plan.folds.map((f) => f.testGroups!.length).sort()).toEqual([2, 3]);
    // The same names in another order (and other example order): the same groups per fold.
    const again = makeFolds(grouped(50, ['g2', 'g1', 'g0', 'g4', 'g3'], 10), 2);
    expect(again.folds.map((f) => f.testGroups)).toEqual(plan.folds.map((f) => f.testGroups));
    expect(groupFolds(['b', 'a', 'c'], 3)).toEqual(groupFolds(['c', 'a', 'b'], 3));
  });

  it('without groups: stratified, each fold about 1/K of each class; bad K refused with the reason', () => {
    const ds: Dataset = { modalities: [{ name: 'a', shape: [1], data: new Float32Array(90) }], classes: 3, labels: Int32Array.from({ length: 90 }, (_, i) => (i < 60 ? 0 : i < 80 ? 1 : 2)) };
    const plan = makeFolds(ds, 5);
    expect(plan.by).toBe('stratified');
    for (const f of plan.folds) {
      const count = (c: number) => [...f.test].filter((i) => ds.labels[i] === c).length;
      expect([count(0), count(1), count(2)]).toEqual([12, 4, 2]);
    }
    expect(() => makeFolds(ds, 1)).toThrow('--folds: expected an integer >= 2, got 1');
    expect(() => makeFolds(grouped(30, ['x', 'y', 'z'], 10), 4)).toThrow('--folds 4: the data has 3 groups (x, y, z); folds over groups need at most that many folds');
  });

  it('each fold standardises its copies with its own training rows', () => {
    const src = { all: grouped(40, ['p', 'q', 'r', 's'], 10), prepare: (train: Dataset, test: Dataset) => { const mu = train.modalities[0]!.data.reduce((a, b) => a + b, 0) / train.labels.length; for (const d of [train, test]) d.modalities[0]!.data.forEach((v, i, a) => { a[i] = v - mu; }); return [`mean ${mu}`]; }, notes: [] };
    const plan = makeFolds(src.all, 2);
    const d = foldData(src, plan.folds[0]!);
    const mu = [...plan.folds[0]!.train].reduce((a, i) => a + i, 0) / plan.folds[0]!.train.length;
    expect(d.notes[1]).toBe(`mean ${mu}`);
    expect(d.train.modalities[0]!.data.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 9);
    expect(src.all.modalities[0]!.data[0]).toBe(0); // the pooled data is not touched
  });

  it.skipIf(!fsddDir)('AV-MNIST folds over speakers: a fold never tests on an image it trained on', async () => {
    const dir = fsddDir!;
    const names = readdirSync(dir).filter((n) => /^\d_(george|jackson|theo|nicolas)_[0-1]\.wav$/.test(n));
    const recordings = names.map((n) => ({ name: n, bytes: new Uint8Array(readFileSync(join(dir, n))) }));
    const src = avMnistFoldSource(recordings, await loadMnistPackageDigits(), { reuse: 2 }, (sp) => groupFolds(sp, 2), 2, hostRng(5));
    const plan = makeFolds(src.all, 2);
    expect(plan.folds.flatMap((f) => f.testGroups!).sort()).toEqual(['george', 'jackson', 'nicolas', 'theo']);
    expect(() => avMnistFoldSource(recordings, { images: [], counts: [] }, { testSpeakers: ['theo'] }, (sp) => groupFolds(sp, 2), 2, hostRng(5))).toThrow('--test-speakers does not apply');
    const img = src.all.modalities[0]!.data, key = (i: number) => img.subarray(i * 784, (i + 1) * 784).join(',');
    for (const f of plan.folds) {
      const trainImages = new Set([...f.train].map(key));
      for (const i of f.test) expect(trainImages.has(key(i))).toBe(false);
      const d = foldData(src, f, 'AV-MNIST');
      expect(d.test.labels.length).toBe(f.test.length);
    }
  });
});

// A small three-class manifest with two vector modalities and six speakers.
function manifest(dir: string, withGroups = true): void {
  mkdirSync(dir, { recursive: true });
  const r = hostRng(7), n = 120, groups = ['spk-e', 'spk-a', 'spk-d', 'spk-b', 'spk-c', 'spk-f'];
  const a = new Float32Array(n * 6), b = new Float32Array(n * 4);
  const examples = [];
  for (let i = 0; i < n; i++) {
    const y = i % 3;
    for (let j = 0; j < 6; j++) a[i * 6 + j] = (j === y ? 1.2 : 0) + (r() - 0.5) * 2;
    for (let j = 0; j < 4; j++) b[i * 4 + j] = 100 * ((j === y ? 0.8 : 0) + (r() - 0.5) * 2);
    examples.push({ label: `c${y}`, ...(withGroups ? { group: groups[Math.floor(i / 20)] } : {}), split: i >= 100 ? 'test' : 'train' });
  }
  writeFileSync(join(dir, 'a.npy'), encodeNpy(a, [n, 6]));
  writeFileSync(join(dir, 'b.npy'), encodeNpy(b, [n, 4]));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ classes: ['c0', 'c1', 'c2'], modalities: [{ name: 'a', format: 'npy', file: 'a.npy' }, { name: 'b', format: 'npy', file: 'b.npy' }], examples }));
}

async function run(args: string[]): Promise<{ out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err.push(String(s)); return true; });
  try {
    expect(await main(args)).toBe(0);
  } finally { o.mockRestore(); e.mockRestore(); }
  return { out: out.join(''), err: err.join('') };
}

interface FoldResults {
  methods: { name: string; seeds: number; folds?: number; top1: number }[];
  comparisons: { a: string; b: string; n: number; p_value: number | null }[];
  folds: { k: number; by: string; folds: { fold: number; test_groups?: string[]; train: number; test: number }[]; regime: { fold: number; naive_below: boolean }[] } | null;
  per_fold: { name: string; fold: number; top1: number; seeds: number }[] | null;
  runs: { name: string; seed: number; fold?: number; top1: number }[];
  validation: Record<string, unknown>;
  data: { train: number; test: number };
  regime: string | null;
}

describe('blendwarp gblend --folds', () => {
  const common = ['--backend', 'wasm', '--epochs', '2', '--warmup', '1', '--super-epoch', '1', '--workers', '1'];

  it('over speaker folds on a manifest: per-fold results, held-out groups, comparisons paired over (seed, fold); a rerun reuses every run', async () => {
    const data = tmp(), out = tmp();
    manifest(data);
    const args = [...common, '--data', data, '--folds', '3', '--seeds', '2', '--methods', 'uni:a,uni:b,naive,aux,gblend-online', '--out', out];
    const { out: text, err } = await run(args);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as FoldResults;
    expect(res.folds!.k).toBe(3);
    expect(res.folds!.by).toBe('groups');
    expect(res.folds!.folds.flatMap((f) => f.test_groups!).sort()).toEqual(['spk-a', 'spk-b', 'spk-c', 'spk-d', 'spk-e', 'spk-f']);
    expect(res.folds!.folds.map((f) => f.test)).toEqual([40, 40, 40]); // 2 speakers of 20 each
    expect(res.folds!.folds.map((f) => f.train)).toEqual([80, 80, 80]);
    expect(res.data).toEqual(expect.objectContaining({ train: 120, test: 120 }));
    // 5 methods x 2 seeds x 3 folds, each with its fold.
    expect(res.runs.length).toBe(30);
    expect(new Set(res.runs.map((r) => `${r.fold}/${r.seed}`)).size).toBe(6);
    for (const m of res.methods) { expect(m.seeds).toBe(2); expect(m.folds).toBe(3); }
    // The aggregate is the mean over the 6 units; per_fold the mean over seeds in each fold.
    const naiveRuns = res.runs.filter((r) => r.name === 'naive');
    expect(res.methods.find((m) => m.name === 'naive')!.top1).toBeCloseTo(naiveRuns.reduce((a, r) => a + r.top1, 0) / 6, 12);
    for (const f of [1, 2, 3]) {
      const pf = res.per_fold!.find((p) => p.name === 'naive' && p.fold === f)!;
      expect(pf.top1).toBeCloseTo(naiveRuns.filter((r) => r.fold === f).reduce((a, r) => a + r.top1, 0) / 2, 12);
    }
    // Every method against naive, aux and the best single modality, over the 6 (seed, fold) units.
    const vs = (b: string) => res.comparisons.filter((c) => c.b === b).map((c) => c.a).sort();
    expect(vs('naive')).toEqual(['aux', 'gblend-online', 'uni:a', 'uni:b']);
    expect(vs('aux')).toEqual(['gblend-online', 'naive', 'uni:a', 'uni:b']);
    const best = ['uni:a', 'uni:b'].find((u) => res.comparisons.some((c) => c.b === u))!;
    expect(vs(best).length).toBe(4);
    for (const c of res.comparisons) expect(c.n).toBe(6);
    expect(Object.keys(res.validation).sort()).toEqual(['f1/s1', 'f1/s2', 'f2/s1', 'f2/s2', 'f3/s1', 'f3/s2']);
    expect(res.folds!.regime.length).toBe(3);
    // The printout: the per-fold table with the held-out groups, the regime per fold, the pairing.
    for (const f of res.folds!.folds) expect(text).toContain(`fold ${f.fold}: tests groups ${f.test_groups!.join(', ')} (${f.test} examples)`);
    expect(text).toMatch(/Method\s+fold 1\s+fold 2\s+fold 3/);
    expect(text).toMatch(/naive < best single\s+(yes|no)\s+(yes|no)\s+(yes|no)/);
    expect(text).toMatch(/naive joint training \d+\.\d% is (BELOW|not below) the best single modality uni:[ab] .*paired over 6 \(seed, fold\) units.*per fold, naive is below uni:[ab] in \d of 3/);
    expect(text).toContain('Paired over (seed, fold) units');
    expect(err).toContain('the manifest\'s "split" is not used with --folds');
    expect(readdirSync(join(out, 'checkpoints')).sort()).toEqual(['fold1', 'fold2', 'fold3']);

    // A rerun trains nothing (every (fold, seed, method) is kept) and writes the same results.
    const before = readFileSync(join(out, 'results.json'), 'utf8');
    const ckpt = join(out, 'checkpoints', 'fold2', 's2_gblend-online.safetensors'), mtime = statSync(ckpt).mtimeMs;
    await run(args);
    expect(statSync(ckpt).mtimeMs).toBe(mtime);
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).runs).toEqual(JSON.parse(before).runs);
  }, 300_000);

  it('without groups the folds are stratified; flags that do not apply are refused', async () => {
    const data = tmp(), out = tmp();
    manifest(data, false);
    const { out: text } = await run([...common, '--data', data, '--folds', '2', '--seeds', '1', '--methods', 'uni:a,naive', '--out', out]);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as FoldResults;
    expect(res.folds!.by).toBe('stratified');
    expect(res.folds!.folds.map((f) => f.test)).toEqual([60, 60]);
    expect(res.folds!.folds[0]!.test_groups).toBeUndefined();
    expect(text).toContain('fold 1: tests a stratified 1/2 (60 examples)');
    // The default data pooled (--per-class images per class), stratified folds, degraded and standardised per fold.
    const out2 = tmp();
    await run([...common, '--epochs', '3', '--data', 'default', '--per-class', '40', '--folds', '2', '--methods', 'uni:left,naive', '--out', out2]);
    const res2 = JSON.parse(readFileSync(join(out2, 'results.json'), 'utf8')) as FoldResults;
    expect(res2.folds!.by).toBe('stratified');
    expect(res2.folds!.folds.map((f) => f.test)).toEqual([200, 200]);
    // Above chance (0.1; 0.15 is 2.4 standard errors on 200 test examples) after 3 epochs on 200 examples.
    for (const r of res2.runs) expect(r.top1, `${r.name} fold ${r.fold}`).toBeGreaterThan(0.15);
    const err = (args: string[]) => main([...common, ...args]).then(() => null, (e: Error) => e.message);
    expect(await err(['--data', data, '--folds', '1'])).toBe('--folds: expected an integer >= 2, got "1"');
    expect(await err(['--data', 'avmnist', '--fsdd', '/nonexistent', '--folds', '2', '--test-speakers', 'theo'])).toMatch(/^--test-speakers: with --folds the folds choose the test speakers/);
    expect(await err(['--data', data, '--folds', '200', '--out', tmp()])).toMatch(/^--folds 200: fold \d+ would hold no example \(the data has 120\); use fewer folds$/);
  }, 300_000);
});
