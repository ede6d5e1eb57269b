// Readers: WAV, MNIST IDX, NumPy .npy/.npz, and the manifest format, on real files and on corrupt ones.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeWav, parseWav, toMono } from '../src/io/wav.js';
import { parseIdx } from '../src/io/idx.js';
import { encodeNpy, npyToFloat32, parseNpy, parseNpz } from '../src/io/npy.js';
import { parseManifest } from '../src/io/manifest.js';
import { sharedData } from './harness.js';
import { makeZip } from './zip.js';

/** ../shared/data/fsdd/recordings, or null (the test is reported as skipped; under CI=true sharedData throws). */
const fsddDir = sharedData('fsdd/recordings');

const ramp = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i / 3) * 0.9);

describe('wav', () => {
  it.each([8, 16, 24, 32] as const)('round-trips %i-bit PCM within its quantisation step', (bits) => {
    const a = parseWav(encodeWav([ramp], 8000, bits), 'x.wav');
    expect(a.sampleRate).toBe(8000);
    expect(a.bitsPerSample).toBe(bits);
    // Encoding scales by 2^(b-1) - 1, decoding divides by 2^(b-1): one step plus that relative error.
    const step = 2 / 2 ** bits;
    a.channels[0]!.forEach((v, i) => expect(Math.abs(v - ramp[i]!)).toBeLessThanOrEqual(step + Math.abs(ramp[i]!) * step));
  });

  it('reads float32 and multi-channel files and mixes them to mono', () => {
    const neg = ramp.map((v) => -v);
    const a = parseWav(encodeWav([ramp, neg], 16000, 32, true));
    expect(a.format).toBe('float');
    expect(a.channels[1]![5]).toBeCloseTo(-ramp[5]!, 6);
    expect(Math.max(...toMono(a).map(Math.abs))).toBeLessThan(1e-6);
  });

  it.skipIf(!fsddDir)('reads a real FSDD recording (8 kHz, 16-bit mono)', () => {
    const dir = fsddDir!;
    const a = parseWav(new Uint8Array(readFileSync(join(dir, '0_jackson_0.wav'))), '0_jackson_0.wav');
    expect(a.sampleRate).toBe(8000);
    expect(a.channels.length).toBe(1);
    expect(a.channels[0]!.length).toBeGreaterThan(1000);
    expect(Math.max(...a.channels[0]!.map(Math.abs))).toBeGreaterThan(0.05);
  });

  it('rejects corrupt and truncated files with the file name and the problem', () => {
    const good = encodeWav([ramp], 8000, 16);
    expect(() => parseWav(good.slice(0, 8), 'short.wav')).toThrow(/short\.wav: file is 8 bytes, too short/);
    const bad = good.slice(); bad[0] = 0x58;
    expect(() => parseWav(bad, 'bad.wav')).toThrow(/bad\.wav: not a RIFF\/WAVE file/);
    expect(() => parseWav(good.slice(0, good.length - 10), 'cut.wav')).toThrow(/cut\.wav: "data" chunk declares 100 bytes but only 90 follow/);
    expect(() => parseWav(good.slice(0, 36), 'nodata.wav')).toThrow(/nodata\.wav: no "data" chunk/);
    const alaw = good.slice(); new DataView(alaw.buffer).setUint16(20, 6, true);
    expect(() => parseWav(alaw, 'alaw.wav')).toThrow(/alaw\.wav: audio format 6 is not supported/);
    const odd = good.slice(); new DataView(odd.buffer).setUint16(34, 12, true);
    expect(() => parseWav(odd, 'odd.wav')).toThrow(/12 bits per sample is not supported/);
  });
});

function idxBytes(type: number, shape: number[], values: number[], size: number, write: (v: DataView, o: number, x: number) => void): Uint8Array {
  const head = 4 + 4 * shape.length, out = new Uint8Array(head + values.length * size), v = new DataView(out.buffer);
  out[2] = type; out[3] = shape.length;
  shape.forEach((s, i) => v.setUint32(4 + 4 * i, s, false));
  values.forEach((x, i) => write(v, head + i * size, x));
  return out;
}

describe('idx', () => {
  it('reads unsigned bytes (MNIST images) and big-endian floats and ints', () => {
    const img = parseIdx(idxBytes(0x08, [2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255], 1, (v, o, x) => v.setUint8(o, x)));
    expect(img.shape).toEqual([2, 2, 3]);
    expect([...img.data]).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    const f = parseIdx(idxBytes(0x0d, [3], [1.5, -2, 1e-3], 4, (v, o, x) => v.setFloat32(o, x, false)));
    expect(f.data[0]).toBe(1.5); expect(f.data[1]).toBe(-2);
    const i = parseIdx(idxBytes(0x0c, [2], [-7, 123456], 4, (v, o, x) => v.setInt32(o, x, false)));
    expect([...i.data]).toEqual([-7, 123456]);
  });

  it('rejects bad magic, unknown types and truncated data', () => {
    const good = idxBytes(0x08, [10], Array(10).fill(1), 1, (v, o, x) => v.setUint8(o, x));
    expect(() => parseIdx(good.slice(0, good.length - 1), 'labels.idx')).toThrow(/labels\.idx: shape \[10\] needs 18 bytes, file has 17 \(truncated\)/);
    const gz = good.slice(); gz[0] = 0x1f;
    expect(() => parseIdx(gz, 'x.idx.gz')).toThrow(/bad magic 31, 0/);
    const t = good.slice(); t[2] = 0x07;
    expect(() => parseIdx(t, 'x.idx')).toThrow(/unknown data type 0x7/);
  });
});

describe('npy / npz', () => {
  it('round-trips float32 and int32 arrays', () => {
    const a = parseNpy(encodeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]));
    expect(a.dtype).toBe('<f4'); expect(a.shape).toEqual([2, 3]); expect([...a.data]).toEqual([1, 2, 3, 4, 5, 6]);
    const b = parseNpy(encodeNpy(Int32Array.from([-1, 9]), [2]));
    expect([...b.data]).toEqual([-1, 9]);
  });

  it('returns Fortran-ordered and big-endian arrays in C order', () => {
    const header = "{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3), }";
    const h = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
    const bytes = new Uint8Array(10 + h.length + 12);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(bytes.buffer).setUint16(8, h.length, true);
    for (let i = 0; i < h.length; i++) bytes[10 + i] = h.charCodeAt(i);
    // C-order matrix [[1, 2, 3], [4, 5, 6]] stored column-major: 1 4 2 5 3 6.
    [1, 4, 2, 5, 3, 6].forEach((x, i) => new DataView(bytes.buffer).setInt16(10 + h.length + 2 * i, x, false));
    const a = parseNpy(bytes, 'f.npy');
    expect([...npyToFloat32(a)]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects corrupt .npy files with the reason', () => {
    const good = encodeNpy(Float32Array.from([1, 2, 3, 4]), [4]);
    expect(() => parseNpy(good.slice(0, good.length - 4), 'a.npy')).toThrow(/a\.npy: shape \(4\) of '<f4' needs 16 data bytes, file has 12 \(truncated\)/);
    const nomagic = good.slice(); nomagic[1] = 0;
    expect(() => parseNpy(nomagic, 'b.npy')).toThrow(/b\.npy: not a \.npy file/);
    const text = new TextDecoder('latin1').decode(good).replace("'<f4'", "'<U4'");
    expect(() => parseNpy(Uint8Array.from(text, (c) => c.charCodeAt(0)), 'c.npy')).toThrow(/c\.npy: dtype '<U4' is not supported/);
  });

  it('reads stored and deflated .npz entries, and rejects a truncated archive', async () => {
    const x = encodeNpy(Float32Array.from([1, 2, 3]), [3]), y = encodeNpy(Int32Array.from([7, 8]), [1, 2]);
    const deflated = new Uint8Array(await new Response(new Blob([y as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw'))).arrayBuffer());
    const zip = makeZip([{ name: 'x.npy', data: x, stored: x, method: 0 }, { name: 'y.npy', data: y, stored: deflated, method: 8 }]);
    const arrays = await parseNpz(zip, 'a.npz');
    expect([...arrays.keys()]).toEqual(['x', 'y']);
    expect([...arrays.get('x')!.data]).toEqual([1, 2, 3]);
    expect(arrays.get('y')!.shape).toEqual([1, 2]);
    expect([...arrays.get('y')!.data]).toEqual([7, 8]);
    await expect(parseNpz(zip.slice(0, zip.length - 30), 'cut.npz')).rejects.toThrow(/cut\.npz: not a zip archive/);
    const bad = zip.slice(); bad[30 + 5 + x.length + 30 + 5 + 2] ^= 0xff; // inside y's deflate stream
    await expect(parseNpz(bad, 'bad.npz')).rejects.toThrow(/bad\.npz/);
  });
});

describe('manifest', () => {
  const base = { classes: ['cat', 'dog'], modalities: [{ name: 'audio', format: 'wav' }, { name: 'tab', format: 'npy', file: 't.npy' }], examples: [{ audio: 'a.wav', label: 'cat', split: 'train' }, { audio: 'b.wav', label: 'dog', split: 'test' }] };
  it('parses a valid manifest', () => {
    const m = parseManifest(JSON.stringify(base), 'm.json');
    expect(m.classes).toEqual(['cat', 'dog']);
    expect(m.examples[1]!.files).toEqual({ audio: 'b.wav' });
    expect(m.examples[1]!.split).toBe('test');
  });
  it('names the field and the expected value on bad input', () => {
    const bad = (patch: object) => JSON.stringify({ ...base, ...patch });
    expect(() => parseManifest('{', 'm.json')).toThrow(/m\.json: not valid JSON/);
    expect(() => parseManifest(bad({ classes: ['x'] }), 'm.json')).toThrow(/"classes" must be a list of at least 2/);
    expect(() => parseManifest(bad({ modalities: [{ name: 'v', format: 'mp4' }] }), 'm.json')).toThrow(/modalities\[0\] \("v"\): "format" must be one of wav, npy, idx, npz, got "mp4"/);
    expect(() => parseManifest(bad({ examples: [{ audio: 'a.wav', label: 'cow' }] }), 'm.json')).toThrow(/examples\[0\]: unknown class "cow" \(expected one of cat, dog/);
    expect(() => parseManifest(bad({ examples: [{ label: 'cat' }] }), 'm.json')).toThrow(/examples\[0\]: modality "audio" needs a file path/);
    expect(() => parseManifest(bad({ examples: [{ audio: 'a.wav', label: 'cat', split: 'val' }] }), 'm.json')).toThrow(/"split" must be "train" or "test", got "val"/);
  });
});
