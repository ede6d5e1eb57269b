// Bench cases for the CPU-side AssemblyScript kernels (assembly/io/: NIfTI voxel decoding, log-mel
// features, block down-sampling), each against the TypeScript version it replaced
// (test/reference/io.ts) on the same input in the same run, calls interleaved: engine `wasm` is the public function
// (parseNifti's decoder, logSpectrogramImage, downsampleImage/Labels), `ts` the reference.
// Run by bench/run.ts (rows in results.json under "io") or alone:
//   npm run bench:io [-- --quick] [-- --cases logmel-clips,downsample-image-2] [-- --no-md]
// Either way the table replaces its own generated block of bench/RESULTS.md (between the
// `bench-io:` markers), never the main one.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { logSpectrogramImage } from '../src/gblend/features.js';
import { ioKernels } from '../src/io/kernels.js';
import { downsampleImage, downsampleLabels } from '../src/synth/preprocess.js';
import { decodeVoxelsRef, downsampleImageRef, downsampleLabelsRef, logSpectrogramImageRef, NIFTI_BYTES, NIFTI_CODE } from '../test/reference/io.js';

export const IO_CASES = ['nifti-decode-int16', 'nifti-decode-float32-be', 'logmel-clips', 'logmel-long', 'downsample-image-2',
  'downsample-labels-2'] as const;
export type IoCaseId = (typeof IO_CASES)[number];

export interface IoResult { case: IoCaseId; engine: 'wasm' | 'ts'; median_ms: number; rate: number; unit: string; runs: number }

/** The volume of the bench's 3D cases (the shared data's 160 x 192 x 224 grid). */
const VOL: [number, number, number] = [160, 192, 224];
const VOXELS = VOL[0] * VOL[1] * VOL[2];

function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; };
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0, s = 0;
  for (let i = 0; i < a.length; i++) { m = Math.max(m, Math.abs(a[i]! - b[i]!)); s = Math.max(s, Math.abs(b[i]!)); }
  return m / (s || 1);
}

function median(t: number[]): number {
  const s = t.slice().sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * One case: both engines, calls interleaved (wasm, ts, wasm, ts, ...) after three warm-up rounds, so
 * both see the same load on a shared machine; rate = work / median time; and the largest difference
 * between their outputs.
 */
function pair(id: IoCaseId, runs: number, work: number, unit: string, wasm: () => ArrayLike<number>, ts: () => ArrayLike<number>,
  out: IoResult[], checks: string[]): void {
  checks.push(`${id} ${maxRelDiff(wasm(), ts()).toExponential(1)}`);
  for (let i = 0; i < 3; i++) { wasm(); ts(); }
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < runs; i++) {
    [wasm, ts].forEach((fn, e) => { const t0 = performance.now(); fn(); times[e]!.push(performance.now() - t0); });
  }
  (['wasm', 'ts'] as const).forEach((engine, e) => {
    const ms = median(times[e]!), rate = work / (ms * 1e3);
    out.push({ case: id, engine, median_ms: Math.round(ms * 1000) / 1000, rate: Math.round(rate * 100) / 100, unit, runs });
    console.error(`  ${id.padEnd(24)} ${engine.padEnd(5)} ${ms.toFixed(2).padStart(10)} ms  ${rate.toFixed(2).padStart(9)} ${unit}  (${runs} runs)`);
  });
}

export function runIoCases(want: (c: string) => boolean, quick: boolean): { results: IoResult[]; markdown: string } {
  const runs = quick ? 5 : 9;
  const results: IoResult[] = [], checks: string[] = [];
  const r = xorshift(7);
  for (const c of IO_CASES) {
    if (!want(c)) continue;
    console.error(`case ${c}`);
    switch (c) {
      case 'nifti-decode-int16':
      case 'nifti-decode-float32-be': {
        const dt = c === 'nifti-decode-int16' ? 'int16' : 'float32', le = dt === 'int16';
        const bytes = new Uint8Array(VOXELS * NIFTI_BYTES[dt]);
        const view = new DataView(bytes.buffer);
        for (let i = 0; i < VOXELS; i++) {
          if (dt === 'int16') view.setInt16(2 * i, Math.floor(r() * 4000) - 500, true);
          else view.setFloat32(4 * i, r() * 2 - 0.5, false);
        }
        const [slope, inter] = dt === 'int16' ? [Math.fround(0.05), 0] : [1, 0];
        pair(c, runs, VOXELS, 'Mvoxel/s',
          () => ioKernels().decodeVoxels(bytes, VOXELS, NIFTI_CODE[dt], le, slope, inter),
          () => decodeVoxelsRef(bytes, 0, VOXELS, dt, le, slope, inter), results, checks);
        break;
      }
      case 'logmel-clips':
      case 'logmel-long': {
        // clips: 50 FSDD-like clips (0.5 s at 8 kHz) with the AV-MNIST settings; long: one 30 s clip at 16 kHz.
        const [count, len, rateHz] = c === 'logmel-clips' ? [50, 4000, 8000] : [1, 480_000, 16000];
        const clips = Array.from({ length: count }, () => Float32Array.from({ length: len }, (_, i) => 0.5 * Math.sin(0.07 * i * (1 + r())) + 0.1 * (r() - 0.5)));
        const opts = { nFft: 256, hop: 64, nMels: 32, frames: 32 };
        const run = (f: typeof logSpectrogramImage) => () => {
          const out = new Float32Array(count * 32 * 32);
          clips.forEach((s, i) => out.set(f(s, rateHz, opts).data, i * 1024));
          return out;
        };
        pair(c, runs, count * len, 'Msample/s', run(logSpectrogramImage), run(logSpectrogramImageRef), results, checks);
        break;
      }
      case 'downsample-image-2': {
        const img = Float32Array.from({ length: VOXELS }, () => r());
        pair(c, runs, VOXELS, 'Mvoxel/s', () => downsampleImage(img, VOL, 2).data, () => downsampleImageRef(img, VOL, 2).data, results, checks);
        break;
      }
      case 'downsample-labels-2': {
        const lab = Int32Array.from({ length: VOXELS }, (_, i) => (Math.floor(i / 4000) * 7 + (r() < 0.2 ? 1 : 0)) % 31);
        pair(c, runs, VOXELS, 'Mvoxel/s', () => downsampleLabels(lab, VOL, 2).data, () => downsampleLabelsRef(lab, VOL, 2).data, results, checks);
        break;
      }
    }
  }
  if (!results.length) return { results, markdown: '' };
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const L = ['### CPU-side AssemblyScript kernels (assembly/io/) against the TypeScript versions they replaced', '',
    `Measured ${quick ? 'quick' : 'full'} mode on ${os.cpus()[0]?.model ?? 'unknown'}, ${os.availableParallelism?.() ?? os.cpus().length} cores, Node ${process.version}, load average at the end ${load}, ${new Date().toISOString()}.`, '',
    `Volumes ${VOL.join(' x ')}; \`wasm\` is the public function on the AssemblyScript kernel (one thread), \`ts\` the former TypeScript code (test/reference/io.ts); rates count input voxels or samples.`, '',
    '| case | engine | median ms | rate | unit | wasm ÷ ts |', '|---|---|---:|---:|---|---:|'];
  for (const c of IO_CASES) {
    const w = results.find((x) => x.case === c && x.engine === 'wasm'), t = results.find((x) => x.case === c && x.engine === 'ts');
    for (const x of [w, t]) if (x) L.push(`| ${c} | ${x.engine} | ${x.median_ms.toFixed(2)} | ${x.rate.toFixed(2)} | ${x.unit} | ${x === t && w ? `${(w.rate / t.rate).toFixed(2)}x` : ''} |`);
  }
  L.push('', `Same inputs, same outputs: largest |wasm - ts| / max|ts| per case: ${checks.join('; ')}.`);
  return { results, markdown: L.join('\n') };
}

/** Replaces the io block of bench/RESULTS.md (between its markers), keeping everything else. */
export function writeIoResultsMd(md: string): void {
  const here = dirname(fileURLToPath(import.meta.url));
  const benchDir = existsSync(join(here, 'io-cases.ts')) ? here : join(here, '..', '..', 'bench');
  const path = join(benchDir, 'RESULTS.md');
  const begin = '<!-- bench-io:begin (generated by npm run bench or npm run bench:io) -->', end = '<!-- bench-io:end -->';
  const block = `${begin}\n${md}\n${end}`;
  let text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n';
  const i = text.indexOf(begin), j = text.indexOf(end);
  text = i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, text);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--cases'), only = i >= 0 ? argv[i + 1]?.split(',') : undefined;
  const { markdown } = runIoCases((c) => (only ? only.includes(c) : true), argv.includes('--quick'));
  console.log(markdown);
  if (markdown && !argv.includes('--no-md')) writeIoResultsMd(markdown);
}
