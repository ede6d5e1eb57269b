// Input problems are found before any training starts, with a message naming the file or flag.
// Single-backend on purpose (docs/testing.md): every case is refused while reading flags or data,
// before a backend runs any kernel, so there is nothing backend-dependent to test on webgpu.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { main as gblend } from '../src/cli/gblend.js';
import { main as synth } from '../src/cli/synth.js';
import { encodeNpy } from '../src/io/npy.js';
import { runMethod } from '../src/gblend/index.js';

const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync(join(tmpdir(), 'cli-input-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

/** A manifest folder: modality "a" per example, optionally "b" as one array; `b` values can be patched. */
function folder(opts: { withB?: boolean; patchB?: (b: Float32Array) => void } = {}): string {
  const dir = tmp(), n = 12;
  mkdirSync(join(dir, 'a'));
  const b = new Float32Array(n * 3).map((_, i) => (i % 7) / 7), examples = [];
  for (let i = 0; i < n; i++) {
    writeFileSync(join(dir, 'a', `${i}.npy`), encodeNpy(Float32Array.from({ length: 4 }, (_, k) => k + i), [4]));
    examples.push({ a: `a/${i}.npy`, label: ['x', 'y'][i % 2], split: i >= 8 ? 'test' : 'train' });
  }
  opts.patchB?.(b);
  writeFileSync(join(dir, 'b.npy'), encodeNpy(b, [n, 3]));
  const modalities = [{ name: 'a', format: 'npy' }, ...(opts.withB === false ? [] : [{ name: 'b', format: 'npy', file: 'b.npy' }])];
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ classes: ['x', 'y'], modalities, examples }));
  return dir;
}

it('gblend: a NaN or Inf in a feature file is named with the file before training', async () => {
  const nan = folder({ patchB: (b) => { b[7] = NaN; } });
  await expect(gblend(['--backend', 'wasm', '--data', nan, '--out', tmp()])).rejects.toThrow(/b\.npy: modality "b": value NaN at index 7 \(example 2\); features must be finite/);
  const inf = folder();
  writeFileSync(join(inf, 'a', '3.npy'), encodeNpy(Float32Array.from([0, Infinity, 0, 0]), [4]));
  await expect(gblend(['--backend', 'wasm', '--data', inf, '--out', tmp()])).rejects.toThrow(/a\/3\.npy: modality "a" \(examples\[3\]\): value Infinity at index 1/);
});

it('gblend: one modality refuses the multi-modal methods with a message; uni:<modality> runs', async () => {
  const one = folder({ withB: false });
  await expect(gblend(['--backend', 'wasm', '--data', one, '--out', tmp()])).rejects.toThrow(/the data has one modality \("a"\), so there is nothing to blend: every method but the uni-modal one needs two or more \(run --methods uni:a/);
  await expect(gblend(['--backend', 'wasm', '--data', one, '--methods', 'uni:a,gblend-online', '--out', tmp()])).rejects.toThrow(/the methods gblend-online need two or more/);
  // The library refuses too, whoever calls it.
  const ds = { modalities: [{ name: 'a', shape: [2], data: new Float32Array(8) }], classes: 2, labels: Int32Array.from([0, 1, 0, 1]) };
  await expect(runMethod('naive', ds, ds, { epochs: 1, train: { optimizer: 'adam', lr: 1e-3, batchSize: 2 } } as never, 1)).rejects.toThrow(/naive: needs two or more modalities, the data has one \(a\)/);
});

it('gblend: unknown methods, bad numbers and an --out that is a file are refused before the data loads', async () => {
  // The data folder does not exist: each of these must be refused before it is looked at.
  const missing = '/nonexistent-folder-blendwarp';
  await expect(gblend(['--data', missing, '--methods', 'naive,nope'])).rejects.toThrow('--methods: unknown method "nope" (expected uni:<modality> or some of: naive,');
  await expect(gblend(['--data', missing, '--epochs', '-3'])).rejects.toThrow('--epochs: expected an integer >= 1, got "-3"');
  await expect(gblend(['--data', missing, '--lr', '-0.1'])).rejects.toThrow('--lr: expected a number >= 0, got "-0.1"');
  await expect(gblend(['--data', missing, '--batch', '2.5'])).rejects.toThrow('--batch: expected an integer >= 1, got "2.5"');
  const file = join(tmp(), 'a-file');
  writeFileSync(file, 'x');
  await expect(gblend(['--data', missing, '--out', file])).rejects.toThrow(`--out ${file}: is a file, expected a folder`);
});

it('synth: bad numbers and an --out that is a file are refused with the flag', async () => {
  await expect(synth(['run', '--data', 'default', '--steps', '-3'])).rejects.toThrow('--steps: expected an integer >= 1, got "-3"');
  await expect(synth(['run', '--data', 'default', '--seg-steps', '-1'])).rejects.toThrow('--seg-steps: expected an integer >= 0, got "-1"');
  await expect(synth(['run', '--data', 'default', '--methods', 'sas,nope'])).rejects.toThrow('--methods: unknown method "nope"');
  const file = join(tmp(), 'a-file');
  writeFileSync(file, 'x');
  await expect(synth(['run', '--data', 'default', '--out', file])).rejects.toThrow(`--out ${file}: is a file, expected a folder`);
});
