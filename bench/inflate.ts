// `node dist/bench/inflate.js` (after npm run build): which inflater is fastest here, and how long a
// decompression bomb takes to refuse. Inflaters: fflate (the library's default, every runtime),
// the platform's DecompressionStream, node:zlib (what the Node faces install). Input: a 10 MiB
// volume-like image (smooth values, a little noise) gzipped at level 6; the median of 7 timed calls
// after 2 warm-ups. The bomb: an 8 x 8 x 8 float32 .nii.gz followed by 512 MiB of gzipped zeros.
import { gzipSync } from 'node:zlib';
import { encodeNifti, defaultGeometry, readNifti } from '../src/io/nifti.js';
import { fflateInflater, streamInflater, setInflater, inflaterName, type Inflater } from '../src/io/inflate.js';
import { zlibInflater } from '../src/cli/node-inflate.js';

const n = 10 * 2 ** 20;
const raw = new Uint8Array(n);
let s = 1;
for (let i = 0; i < n; i++) {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0;
  const x = (i >> 2) % 4096, y = i >> 14;
  raw[i] = (i & 3) === 3 ? (128 + 100 * Math.sin(x / 300) * Math.cos(y / 40) + (s >>> 29)) & 255 : (i & 3) === 2 ? (y >> 2) & 63 : 0;
}
const gz = gzipSync(raw, { level: 6 });

async function viaStream(b: Uint8Array): Promise<Uint8Array> {
  const st = new Blob([b as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(st).arrayBuffer());
}

// Interleaved rounds (each inflater once per round), so a busy machine slows them all alike.
const engines: [string, () => unknown][] = [
  ['node:zlib (gunzipSync, maxOutputLength)', () => zlibInflater.inflate(gz, 'gzip', n)],
  ['fflate (streaming, pieces up to 64 KiB, CRC checked)', () => fflateInflater.inflate(gz, 'gzip', n)],
  ['DecompressionStream (bounded: 64 KiB pieces, read as it comes)', () => streamInflater.inflate(gz, 'gzip', n)],
  ['DecompressionStream (whole stream through Response, unbounded)', () => viaStream(gz)],
];
const times = engines.map(() => [] as number[]);
for (let round = 0; round < 9; round++) {
  for (const [k, [, f]] of engines.entries()) {
    const t = performance.now();
    await f();
    if (round >= 2) times[k]!.push(performance.now() - t); // 2 warm-up rounds
  }
}
const med = times.map((ts) => ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)]!);
const best = Math.min(...med);
console.log(`gunzip of ${n / 2 ** 20} MiB (${(gz.length / 2 ** 20).toFixed(2)} MiB gzipped), median of 7 interleaved rounds, node ${process.version}:`);
console.log('| inflater | ms | MB/s | vs fastest |\n|---|---|---|---|');
engines.forEach(([name], k) => console.log(`| ${name} | ${med[k]!.toFixed(1)} | ${(n / 1e6 / (med[k]! / 1000)).toFixed(0)} | ${(med[k]! / best).toFixed(2)}x |`));

const vol = encodeNifti({ dims: [8, 8, 8], data: new Float32Array(512), datatype: 'float32', geometry: defaultGeometry() });
const zeros = gzipSync(new Uint8Array(2 ** 20));
const bomb = Buffer.concat([gzipSync(vol), ...Array.from({ length: 512 }, () => zeros)]);
console.log(`\nbomb: ${(bomb.length / 2 ** 20).toFixed(2)} MiB .nii.gz declaring 2400 bytes, holding 512 MiB more:`);
for (const inf of [fflateInflater, streamInflater, zlibInflater, fflateInflater, streamInflater, zlibInflater] as Inflater[]) {
  setInflater(inf);
  const t = performance.now();
  let msg = '';
  try { await readNifti(bomb, 'bomb.nii.gz'); msg = 'ACCEPTED'; } catch (e) { msg = (e as Error).message; }
  console.log(`| ${inflaterName()} | refused in ${(performance.now() - t).toFixed(1)} ms | ${msg.slice(0, 90)} |`);
}
