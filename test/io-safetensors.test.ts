// The safetensors reader follows the format's rules strictly: each kind of lying or invalid file the
// issue-13 fuzzing found is refused with a SafetensorsError naming the file and the entry.
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../src/io/safetensors.js';
import { FormatError } from '../src/io/errors.js';

/** A file from a header object and data bytes, the header padded to 8 bytes as the writer does. */
function file(header: unknown, data: Uint8Array | number = 0, headerText?: string): Uint8Array {
  let json = headerText ?? JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const h = new TextEncoder().encode(json);
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(d, 8 + h.length);
  return out;
}

function refused(bytes: Uint8Array, pattern: RegExp): void {
  let err: unknown;
  try { decodeSafetensors(bytes, 'w.safetensors'); } catch (e) { err = e; }
  expect(err, 'decodeSafetensors should have thrown').toBeInstanceOf(SafetensorsError);
  expect(err).toBeInstanceOf(FormatError);
  expect((err as Error).message).toMatch(/^w\.safetensors: /);
  expect((err as Error).message).toMatch(pattern);
}

const ok = (shape: number[], offsets: unknown, dtype = 'F32') => ({ dtype, shape, data_offsets: offsets });

describe('safetensors reader: the format rules', () => {
  it('reads a valid file with F32, I32, F64 and I64 entries and metadata', () => {
    const data = new Uint8Array(4 + 4 + 8 + 8);
    const v = new DataView(data.buffer);
    v.setFloat32(0, 1.5, true); v.setInt32(4, -3, true); v.setFloat64(8, 0.25, true); v.setBigInt64(16, -2147483648n, true);
    const got = decodeSafetensors(file({ __metadata__: { k: 'v' }, a: ok([1], [0, 4]), b: ok([1], [4, 8], 'I32'), c: ok([1], [8, 16], 'F64'), d: ok([1], [16, 24], 'I64') }, data));
    expect(got.metadata).toEqual({ k: 'v' });
    expect([...got.tensors.get('a')!.data]).toEqual([1.5]);
    expect(got.tensors.get('b')).toEqual({ dtype: 'I32', shape: [1], data: Int32Array.from([-3]) });
    expect(got.tensors.get('c')).toEqual({ dtype: 'F32', shape: [1], data: Float32Array.from([0.25]) });
    expect(got.tensors.get('d')!.data[0]).toBe(-2147483648);
  });

  it('a header that is not an object of entries', () => {
    refused(file(true, 0, 'true'), /JSON object/);
    refused(file([], 0, '[]'), /JSON object/);
    refused(file(null, 0, 'null'), /JSON object/);
    refused(file({ a: null }, 0), /tensor "a": expected an object/);
    refused(file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4], x: 1 } }, 4), /tensor "a": unknown field "x"/);
    refused(file({}, 0, '{"a": '), /not valid JSON/);
  });

  it('dtype, shape and offsets of the wrong kind', () => {
    refused(file({ a: ok([1], [0, 4], 'F99') }, 4), /tensor "a": dtype "F99" is not a safetensors dtype/);
    refused(file({ a: ok([1], [0, 2], 'F16') }, 2), /tensor "a": dtype F16 is not supported by this reader/);
    refused(file({ a: ok([-1], [0, 4]) }, 4), /tensor "a": shape \[-1\] must be a list of non-negative integers/);
    refused(file({ a: ok([1.5], [0, 4]) }, 4), /shape \[1.5\]/);
    refused(file({ a: { dtype: 'F32', shape: null, data_offsets: [0, 4] } }, 4), /tensor "a": shape null/);
    refused(file({ a: ok([1], ['0', '4']) }, 4), /tensor "a": data_offsets \["0","4"\] must be two non-negative integers/);
    refused(file({ a: ok([1], [0, 4, 8]) }, 4), /must be two non-negative integers/);
    refused(file({ a: ok([1], [4, 0]) }, 4), /end before they begin/);
    refused(file({ __metadata__: { step: 3 } }, 0), /__metadata__: value of "step" is number, expected a string/);
    refused(file({ __metadata__: ['x'] }, 0), /__metadata__: must be an object/);
  });

  it('ranges out of bounds, overlapping, leaving gaps, trailing bytes, not matching the shape', () => {
    refused(file({ a: ok([2], [0, 8]) }, 4), /tensor "a": data_offsets \[0, 8\] run past the 4 data bytes/);
    refused(file({ a: ok([2], [0, 8]), b: ok([2], [4, 12]) }, 12), /overlap/);
    refused(file({ a: ok([1], [0, 4]), b: ok([1], [8, 12]) }, 12), /tensor "b": .* leave the bytes 4..8 unused/);
    refused(file({ a: ok([1], [0, 4]) }, 8), /4 trailing bytes/);
    refused(file({ a: ok([3], [0, 8]) }, 8), /tensor "a": shape \[3\] of F32 needs 12 bytes, data_offsets \[0, 8\] hold 8/);
  });

  it('a header length one byte short or long is refused, never read as garbage', () => {
    const good = encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: Float32Array.from([1, 2]) } });
    const n = Number(new DataView(good.buffer).getBigUint64(0, true));
    for (const d of [-1, 1]) {
      const bad = good.slice();
      new DataView(bad.buffer).setBigUint64(0, BigInt(n + d), true);
      expect(() => decodeSafetensors(bad, 'w.safetensors')).toThrow(SafetensorsError);
    }
  });

  it('conversions that would change a value are errors', () => {
    const i64 = new Uint8Array(8);
    new DataView(i64.buffer).setBigInt64(0, 3000000000n, true);
    refused(file({ a: ok([1], [0, 8], 'I64') }, i64), /tensor "a": I64 value 3000000000 at index 0 does not fit int32/);
    const f64 = new Uint8Array(16);
    new DataView(f64.buffer).setFloat64(8, 1e300, true);
    refused(file({ a: ok([2], [0, 16], 'F64') }, f64), /tensor "a": F64 value 1e\+300 at index 1 does not fit float32/);
    new DataView(f64.buffer).setFloat64(8, 1e-300, true);
    refused(file({ a: ok([2], [0, 16], 'F64') }, f64), /F64 value 1e-300 at index 1 does not fit float32 \(it would become 0\)/);
  });

  it('the writer refuses what the reader would refuse', () => {
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: new Float32Array(3) } })).toThrow(/tensor "a": shape \[2\] needs 2 values, got 3/);
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [3], data: new Int32Array(3) } })).toThrow(/tensor "a": dtype F32 needs a Float32Array/);
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [-1], data: new Float32Array(0) } })).toThrow(SafetensorsError);
    expect(() => encodeSafetensors({}, { step: 3 as unknown as string })).toThrow(/__metadata__/);
    expect(() => encodeSafetensors({ __metadata__: { dtype: 'F32', shape: [0], data: new Float32Array(0) } })).toThrow(SafetensorsError);
  });

  it('non-ASCII names and metadata round-trip (the header length counts bytes, not characters)', () => {
    const bytes = encodeSafetensors({ 'gewicht.ä': { dtype: 'F32', shape: [1], data: Float32Array.from([2]) } }, { note: 'naïve' });
    const got = decodeSafetensors(bytes);
    expect(got.metadata.note).toBe('naïve');
    expect([...got.tensors.get('gewicht.ä')!.data]).toEqual([2]);
  });
});
