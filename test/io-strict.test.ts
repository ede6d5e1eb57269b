// npy headers by a strict grammar, and .npz entries inflated no further than their declared size.
import { describe, expect, it } from 'vitest';
import { deflateRawSync } from 'node:zlib';
import { encodeNpy, NpyError, parseNpy, parseNpz } from '../src/io/npy.js';
import { FormatError } from '../src/io/errors.js';
import { fflateInflater, setInflater, type Inflater } from '../src/io/inflate.js';
import { makeZip } from './zip.js';

/** A version-1.0 .npy with the given header text (padded as NumPy pads) and data. */
function npy(header: string, data: Uint8Array): Uint8Array {
  let h = header;
  h += ' '.repeat((64 - ((10 + h.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[10 + i] = h.charCodeAt(i);
  out.set(data, 10 + h.length);
  return out;
}

const twelve = new Uint8Array(48);

describe('npy header grammar', () => {
  it('reads what NumPy writes: any key order, a trailing comma or not, 0-d and 1-d shapes, Python 2 longs', () => {
    expect(parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", twelve)).shape).toEqual([3, 4]);
    expect(parseNpy(npy("{'shape': (3, 4), 'fortran_order': False, 'descr': '<f4'}", twelve)).shape).toEqual([3, 4]);
    expect(parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (12,), }", twelve)).shape).toEqual([12]);
    expect(parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", new Uint8Array(4))).shape).toEqual([]);
    expect(parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3L, 4L), }", twelve)).shape).toEqual([3, 4]);
    expect(parseNpy(npy('{"descr": "<f4", "fortran_order": True, "shape": (4, 3)}', twelve)).shape).toEqual([4, 3]);
  });

  it('refuses what the loose parser let through, naming the file', () => {
    const bad: [string, RegExp][] = [
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (3,,4), }", /expected a non-negative decimal integer/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (0x10,), }", /expected "\)"|expected a non-negative/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (12,), 'extra': 1}", /unknown key 'extra'/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (12,), 'shape': (12,)}", /key 'shape' appears twice/],
      ["{'descr': '<f4', 'fortran_order': False}", /missing key 'shape'/],
      ["{'descr': '<f4', 'fortran_order': 0, 'shape': (12,)}", /fortran_order must be True or False/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (12), }", /one-element tuple needs a trailing comma/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (-12,), }", /non-negative/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (012,), }", /expected/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (12,), } x", /unexpected text after the dict/],
      ["{'descr': '|f4', 'fortran_order': False, 'shape': (12,), }", /only for one-byte types/],
      ["{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (12,), }", /expected a quoted string/],
    ];
    for (const [h, re] of bad) {
      let err: unknown;
      try { parseNpy(npy(h, twelve), 'h.npy'); } catch (e) { err = e; }
      expect(err, h).toBeInstanceOf(NpyError);
      expect(err).toBeInstanceOf(FormatError);
      expect((err as Error).message, h).toMatch(/^h\.npy: /);
      expect((err as Error).message, h).toMatch(re);
    }
  });

  it('the data must fill the file exactly', () => {
    const h = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
    expect(() => parseNpy(npy(h, new Uint8Array(44)), 'short.npy')).toThrow(/short\.npy: .* needs 48 data bytes, file has 44 \(truncated\)/);
    expect(() => parseNpy(npy(h, new Uint8Array(52)), 'long.npy')).toThrow(/long\.npy: .*\(4 trailing bytes/);
  });
});

describe('npz entries are inflated no further than declared', () => {
  it('an entry declaring 200 bytes that inflates to 64 MiB is refused after one chunk', async () => {
    const small = encodeNpy(new Float32Array(8), [8]);
    const payload = new Uint8Array(64 * 2 ** 20); // zeros: a ~64 kB deflate stream
    payload.set(small);
    const zip = makeZip([{ name: 'x.npy', data: new Uint8Array(200), stored: deflateRawSync(payload), method: 8 }]);
    let out = 0;
    const counting: Inflater = { name: 'counting', inflate: (i, f, max) => { const o = fflateInflater.inflate(i, f, max); out += o.length; return o; } };
    setInflater(counting);
    try {
      await expect(parseNpz(zip, 'bomb.npz')).rejects.toThrow(/bomb\.npz:x\.npy: decompresses to more than the 200 bytes the zip directory declares/);
    } finally { setInflater(null); }
    expect(out).toBe(0);
  });

  it('an entry shorter than declared, and a duplicate entry, are errors', async () => {
    const x = encodeNpy(Float32Array.from([1, 2]), [2]);
    const fake = { name: 'x.npy', data: new Uint8Array(x.length + 8), stored: deflateRawSync(x), method: 8 };
    await expect(parseNpz(makeZip([fake]), 'short.npz')).rejects.toThrow(/short\.npz: entry "x\.npy": holds \d+ bytes, the zip directory declares \d+/);
    const e = { name: 'x.npy', data: x, stored: x, method: 0 };
    await expect(parseNpz(makeZip([e, e]), 'dup.npz')).rejects.toThrow(/dup\.npz: x\.npy: appears twice/);
  });
});
