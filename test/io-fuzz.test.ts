// Property-based tests of every reader (fast-check): round trips of generated files, and mutated
// files that must either read back the values a plain reference reader finds or be refused with the
// library's own FormatError. 300 mutated files per format here (seeded: the same files every run);
// `npm run fuzz` runs many more with a fresh seed (FUZZ_N files per format, FUZZ_SEED to replay).
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import { encodeNpy, parseNpy, parseNpz } from '../src/io/npy.js';
import { defaultGeometry, encodeNifti, readNifti, type NiftiDatatype } from '../src/io/nifti.js';
import { encodeWav, parseWav } from '../src/io/wav.js';
import { parseIdx } from '../src/io/idx.js';
import { FORMATS, fuzz } from './fuzz-formats.js';
import { makeZip } from './zip.js';

// Property runs are seeded (the same cases every run); FUZZ_SEED picks others.
fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED ?? 20261129) });

const shape = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 4 });
const count = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe('round trips', () => {
  it('safetensors: any F32/I32 tensors and string metadata', () => {
    fc.assert(fc.property(
      fc.dictionary(fc.string({ minLength: 1 }).filter((k) => k !== '__metadata__'), shape.chain((s) => fc.tuple(fc.constant(s), fc.boolean(), fc.array(fc.float(), { minLength: count(s), maxLength: count(s) }))), { maxKeys: 4 }),
      fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
      (tensors, meta) => {
        const input = Object.fromEntries(Object.entries(tensors).map(([k, [s, isInt, v]]) => [k, isInt
          ? { dtype: 'I32' as const, shape: s, data: Int32Array.from(v, (x) => (Number.isFinite(x) ? Math.trunc(x) | 0 : 0)) }
          : { dtype: 'F32' as const, shape: s, data: Float32Array.from(v) }]));
        const got = decodeSafetensors(encodeSafetensors(input, meta));
        expect(got.metadata).toEqual(Object.keys(meta).length ? meta : {});
        expect(new Map([...got.tensors.entries()].sort())).toEqual(new Map(Object.entries(input).sort()));
      }), { numRuns: 100 });
  });

  it('npy and npz: any float32/int32 array', async () => {
    await fc.assert(fc.asyncProperty(shape, fc.boolean(), fc.integer(), async (s, isInt, seed) => {
      const n = count(s);
      const data = isInt ? Int32Array.from({ length: n }, (_, i) => (seed * (i + 1)) | 0) : Float32Array.from({ length: n }, (_, i) => Math.fround(Math.sin(seed + i) * 1e3));
      const file = encodeNpy(data, s);
      const a = parseNpy(file);
      expect(a.shape).toEqual(s);
      expect(a.data).toEqual(data);
      const z = await parseNpz(makeZip([{ name: 'a.npy', data: file, stored: file, method: 0 }]));
      expect(z.get('a')!.data).toEqual(data);
    }), { numRuns: 60 });
  });

  it('NIfTI: every datatype, .nii and .nii.gz, values within the datatype', async () => {
    const types: NiftiDatatype[] = ['uint8', 'int8', 'int16', 'uint16', 'int32', 'float32', 'float64'];
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom(...types), fc.boolean(), async (a, b, c, dt, gz) => {
      const n = a * b * c;
      const values = Array.from({ length: n }, (_, i) => (i * 37) % 101 - (dt.startsWith('u') ? 0 : 50));
      const raw = encodeNifti({ dims: [a, b, c], data: values, datatype: dt, geometry: defaultGeometry([1, 2, 3]) });
      const vol = await readNifti(gz ? new Uint8Array(gzipSync(raw)) : raw, 'v');
      expect(vol.dims).toEqual([a, b, c]);
      expect([...vol.data]).toEqual(values.map((v) => (dt === 'uint8' || dt === 'uint16' ? Math.max(0, v) : v)));
    }), { numRuns: 60 });
  });

  it('WAV: PCM 8/16/24/32 and float within one quantisation step', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.constantFrom(8, 16, 24, 32), fc.boolean(), fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { maxLength: 30 }), (ch, bits, float, v) => {
      const chans = Array.from({ length: ch }, (_, c) => Float32Array.from(v, (x) => x * (c % 2 ? -1 : 1)));
      const asFloat = float && bits === 32;
      const got = parseWav(encodeWav(chans, 16000, bits as 8 | 16 | 24 | 32, asFloat));
      expect(got.sampleRate).toBe(16000);
      expect(got.channels.length).toBe(ch);
      // 8-bit: written as round(127 x + 128), read as (b - 128) / 128: off by up to 1.5 / 128.
      const step = asFloat ? 0 : 3 / 2 ** bits + 1e-7;
      got.channels.forEach((g, c) => g.forEach((x, i) => expect(Math.abs(x - chans[c]![i]!)).toBeLessThanOrEqual(step + 1e-6)));
    }), { numRuns: 80 });
  });

  it('IDX: any u8 array', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }), (s) => {
      const n = count(s), file = new Uint8Array(4 + 4 * s.length + n);
      file.set([0, 0, 8, s.length]);
      s.forEach((d, i) => new DataView(file.buffer).setUint32(4 + 4 * i, d, false));
      for (let i = 0; i < n; i++) file[4 + 4 * s.length + i] = (i * 7) & 255;
      const a = parseIdx(file);
      expect(a.shape).toEqual(s);
      expect([...a.data]).toEqual(Array.from({ length: n }, (_, i) => (i * 7) & 255));
    }), { numRuns: 60 });
  });
});

const N = Number(process.env.FUZZ_N ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? (process.env.FUZZ_N ? Date.now() % 2 ** 31 : 20261129));

describe('mutated files: the same values as the reference reader, or a FormatError', () => {
  it(`${N} mutated files per format (${FORMATS.join(', ')}): no unclear error, no wrong data, no invalid file accepted`, async () => {
    const report = await fuzz(N, SEED);
    const rows = Object.entries(report).map(([f, c]) => `${f.padEnd(12)} refused ${String(c.ok).padStart(6)}  read ${String(c.read).padStart(6)}  unclear ${c.unclear}  wrong ${c.wrong}  accepted-invalid ${c['accepted-invalid']}  refused-valid ${c['refused-valid']}`);
    console.log(`fuzz: ${N} mutated files per format, seed ${SEED} (FUZZ_SEED=${SEED} replays)\n${rows.join('\n')}`);
    for (const [f, c] of Object.entries(report)) {
      expect({ format: f, unclear: c.unclear, wrong: c.wrong, acceptedInvalid: c['accepted-invalid'], refusedValid: c['refused-valid'] }, c.examples.join('\n'))
        .toEqual({ format: f, unclear: 0, wrong: 0, acceptedInvalid: 0, refusedValid: 0 });
    }
  });
});
