// Differential fuzzing of every reader: valid files from fast-check arbitraries, mutated (bytes
// flipped, set to edge values, words overwritten, cut, grown), then read by the library and by a
// plain reference reader written from the format's rules (below, no imports from src/ but the
// writers that make the valid files). Each outcome is one of:
//   ok               both refuse (the library with its own FormatError)
//   read             both read the same values
//   unclear          the library threw something that is not a FormatError (a TypeError, a RangeError)
//   wrong            the library returned values that differ from the reference's
//   accepted-invalid the library returned values for a file the reference refuses
//   refused-valid    the library refused a file the reference reads (too strict; reported, not a goal)
import { gunzipSync, gzipSync, inflateRawSync, deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { FormatError } from '../src/io/errors.js';
import { encodeNifti, defaultGeometry, readNifti, type NiftiDatatype } from '../src/io/nifti.js';
import { encodeNpy, parseNpy, parseNpz } from '../src/io/npy.js';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import { encodeWav, parseWav } from '../src/io/wav.js';
import { parseIdx } from '../src/io/idx.js';
import { makeZip } from './zip.js';

export type Outcome = 'ok' | 'read' | 'unclear' | 'wrong' | 'accepted-invalid' | 'refused-valid';
/** What a reader returned, as plain comparable values (NaN as the string "NaN"; -0 kept as 0). */
type Canon = unknown;
class Invalid extends Error {}
const invalid = (why: string): never => { throw new Invalid(why); };

function canonNumbers(a: ArrayLike<number | bigint>): (number | string)[] {
  return Array.from(a as ArrayLike<number>, (v) => (typeof v === 'bigint' ? String(v) : Number.isNaN(v) ? 'NaN' : v === 0 ? 0 : v));
}
const same = (a: Canon, b: Canon) => JSON.stringify(a) === JSON.stringify(b);
const u8 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

// ---------------------------------------------------------------- reference readers
function refSafetensors(b: Uint8Array): Canon {
  if (b.length < 8) invalid('short');
  const v = u8(b), n = v.getBigUint64(0, true);
  if (n > BigInt(b.length - 8) || n < 2n || n > 100_000_000n) invalid('header length');
  const len = Number(n);
  let text = '';
  try { text = new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(8, 8 + len)); } catch { invalid('utf8'); }
  if (!text.startsWith('{')) invalid('not {');
  let h: Record<string, unknown> = {};
  try { h = JSON.parse(text); } catch { invalid('json'); }
  if (typeof h !== 'object' || h === null || Array.isArray(h)) invalid('not object');
  const sizes: Record<string, number> = { BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8, F4: 0.5, F6_E2M3: 0.75, F6_E3M2: 0.75, C64: 8 };
  const data = b.subarray(8 + len);
  const ranges: [number, number, string][] = [];
  const out: Record<string, unknown> = {};
  let meta: unknown = {};
  for (const [k, e] of Object.entries(h)) {
    if (k === '__metadata__') {
      if (typeof e !== 'object' || e === null || Array.isArray(e) || Object.values(e).some((x) => typeof x !== 'string')) invalid('metadata');
      meta = e;
      continue;
    }
    const t = e as { dtype: string; shape: number[]; data_offsets: number[] };
    if (typeof t !== 'object' || t === null || Array.isArray(t) || Object.keys(t).sort().join() !== 'data_offsets,dtype,shape') invalid('entry');
    if (!(t.dtype in sizes) || !Array.isArray(t.shape) || !Array.isArray(t.data_offsets) || t.data_offsets.length !== 2) invalid('fields');
    if (!t.shape.every((s) => Number.isSafeInteger(s) && s >= 0) || !t.data_offsets.every((s) => Number.isSafeInteger(s) && s >= 0)) invalid('ints');
    const [s, en] = t.data_offsets as [number, number];
    const count = t.shape.reduce((a, c) => a * c, 1);
    if (s > en || en > data.length || en - s !== count * sizes[t.dtype]!) invalid('range');
    ranges.push([s, en, k]);
    const dv = u8(data.subarray(s, en));
    const vals: number[] = [];
    for (let i = 0; i < count; i++) {
      if (t.dtype === 'F32') vals.push(dv.getFloat32(4 * i, true));
      else if (t.dtype === 'I32') vals.push(dv.getInt32(4 * i, true));
      else if (t.dtype === 'F64') {
        const x = dv.getFloat64(8 * i, true), f = Math.fround(x);
        if ((Number.isFinite(x) && !Number.isFinite(f)) || (x !== 0 && f === 0)) invalid('f64 range');
        vals.push(f);
      } else if (t.dtype === 'I64') {
        const x = dv.getBigInt64(8 * i, true);
        if (x < -(2n ** 31n) || x >= 2n ** 31n) invalid('i64 range');
        vals.push(Number(x));
      } else invalid('unsupported dtype');
    }
    out[k] = { dtype: t.dtype === 'F32' || t.dtype === 'F64' ? 'F32' : 'I32', shape: t.shape, data: canonNumbers(vals) };
  }
  ranges.sort((a, c) => a[0] - c[0] || a[1] - c[1]);
  let at = 0;
  for (const [s, en] of ranges) { if (s !== at) invalid('tiling'); at = en; }
  if (at !== data.length) invalid('trailing');
  return { meta, tensors: Object.fromEntries(Object.entries(out).sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0))) };
}

const NPY_KINDS: Record<string, number> = { f4: 4, f8: 8, i1: 1, u1: 1, b1: 1, i2: 2, u2: 2, i4: 4, u4: 4, i8: 8, u8: 8 };
function refNpy(b: Uint8Array): Canon {
  if (b.length < 10 || ![0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59].every((m, i) => b[i] === m)) invalid('magic');
  const major = b[6]!;
  if (major < 1 || major > 3) invalid('version');
  const lb = major === 1 ? 2 : 4;
  if (b.length < 8 + lb) invalid('short');
  const v = u8(b), hl = major === 1 ? v.getUint16(8, true) : v.getUint32(8, true), start = 8 + lb + hl;
  if (b.length < start) invalid('header cut');
  let text = '';
  try { text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(b.subarray(8 + lb, start)); } catch { invalid('decode'); }
  const INT = '(?:0|[1-9][0-9]*)L?', W = '[ \\t]*';
  const TUPLE = `\\(${W}\\)|\\(${W}${INT}${W},${W}\\)|\\(${W}${INT}(?:${W},${W}${INT})+${W},?${W}\\)`;
  const STR = `'[^'\\\\]*'|"[^"\\\\]*"`;
  const KEY = `(?:'(?:descr|fortran_order|shape)'|"(?:descr|fortran_order|shape)")`;
  const ITEM = `${KEY}${W}:${W}(?:${STR}|True|False|${TUPLE})`;
  if (!new RegExp(`^${W}\\{${W}(?:${ITEM}(?:${W},${W}${ITEM})*${W},?)?${W}\\}${W}\\n?$`).test(text)) invalid('grammar');
  const items = [...text.matchAll(new RegExp(`(${KEY})${W}:${W}(${STR}|True|False|${TUPLE})`, 'g'))].map((m) => [m[1]!.slice(1, -1), m[2]!] as const);
  const keys = items.map(([k]) => k);
  if (keys.length !== 3 || new Set(keys).size !== 3) invalid('keys');
  const get = (k: string) => items.find(([x]) => x === k)![1];
  const descrRaw = get('descr'), fortranRaw = get('fortran_order'), shapeRaw = get('shape');
  if (!/^['"]/.test(descrRaw) || !/^(True|False)$/.test(fortranRaw) || !shapeRaw.startsWith('(')) invalid('value kinds');
  const descr = descrRaw.slice(1, -1);
  const m = /^([<>|=])?([a-z][0-9]+)$/.exec(descr);
  if (!m || !(m[2]! in NPY_KINDS)) invalid('dtype');
  const size = NPY_KINDS[m![2]!]!, order = m![1] ?? '|';
  if (size > 1 && order === '|') invalid('order');
  const shape = [...shapeRaw.matchAll(/[0-9]+/g)].map((x) => Number(x[0]));
  if (!shape.every(Number.isSafeInteger)) invalid('big');
  const n = shape.reduce((a, c) => a * c, 1);
  if (!Number.isSafeInteger(n * size) || b.length !== start + n * size) invalid('size');
  const little = order !== '>', dv = u8(b.subarray(start));
  const kind = m![2]!;
  const read = (i: number): number | bigint => {
    const o = i * size;
    switch (kind) {
      case 'f4': return dv.getFloat32(o, little); case 'f8': return dv.getFloat64(o, little);
      case 'i1': return dv.getInt8(o); case 'u1': case 'b1': return dv.getUint8(o);
      case 'i2': return dv.getInt16(o, little); case 'u2': return dv.getUint16(o, little);
      case 'i4': return dv.getInt32(o, little); case 'u4': return dv.getUint32(o, little);
      case 'i8': return dv.getBigInt64(o, little); default: return dv.getBigUint64(o, little);
    }
  };
  const fortran = fortranRaw === 'True' && shape.length > 1;
  const vals: (number | bigint)[] = [];
  for (let i = 0; i < n; i++) {
    if (!fortran) { vals.push(read(i)); continue; }
    // C index i -> multi-index -> column-major offset
    let rem = i, off = 0, stride = 1;
    const idx: number[] = [];
    for (let a = shape.length - 1; a >= 0; a--) { idx[a] = rem % shape[a]!; rem = Math.floor(rem / shape[a]!); }
    for (let a = 0; a < shape.length; a++) { off += idx[a]! * stride; stride *= shape[a]!; }
    vals.push(read(off));
  }
  return { dtype: descr, shape, data: canonNumbers(vals as number[]) };
}

const NII: Record<number, [string, number]> = { 2: ['uint8', 1], 4: ['int16', 2], 8: ['int32', 4], 16: ['float32', 4], 64: ['float64', 8], 256: ['int8', 1], 512: ['uint16', 2] };
function refNiftiRaw(b: Uint8Array, gz: boolean): Canon {
  if (b.length < 348) invalid('short');
  const v = u8(b);
  const le = v.getInt32(0, true) === 348 ? true : v.getInt32(0, false) === 348 ? false : invalid('sizeof');
  if (String.fromCharCode(...b.subarray(344, 348)) !== 'n+1\0') invalid('magic');
  const i16 = (o: number) => v.getInt16(o, le as boolean), f32 = (o: number) => v.getFloat32(o, le as boolean);
  const nd = i16(40);
  if (nd < 1 || nd > 7) invalid('ndim');
  const dim = Array.from({ length: 7 }, (_, i) => (i < nd ? i16(42 + 2 * i) : 1));
  if (dim.some((d) => d < 1) || dim.slice(3).some((d) => d !== 1)) invalid('dims');
  const t = NII[i16(70)] ?? invalid('datatype');
  const [name, size] = t as [string, number];
  if (i16(72) !== 8 * size) invalid('bitpix');
  const off = f32(108);
  if (!Number.isInteger(off) || off < 348) invalid('vox_offset');
  let slope = f32(112), inter = f32(116);
  if (!Number.isFinite(slope) || slope === 0) { slope = 1; inter = 0; } else if (!Number.isFinite(inter)) invalid('inter');
  for (const o of [80, 84, 88]) if (!(f32(o) >= 0) || !Number.isFinite(f32(o))) invalid('pixdim');
  if (!Number.isFinite(f32(76))) invalid('qfac');
  const qc = i16(252), sc = i16(254);
  if (qc < 0 || qc > 5 || sc < 0 || sc > 5) invalid('codes');
  if (qc > 0) for (let i = 0; i < 6; i++) if (!Number.isFinite(f32(256 + 4 * i))) invalid('quatern');
  if (sc > 0) for (let i = 0; i < 12; i++) if (!Number.isFinite(f32(280 + 4 * i))) invalid('srow');
  const n = dim[0]! * dim[1]! * dim[2]!;
  const need = off + n * size;
  if (b.length < need || (gz && b.length > need)) invalid('size');
  const isInt = name !== 'float32' && name !== 'float64';
  if (isInt && (slope !== 1 || inter !== 0)) {
    const lim = { uint8: 255, int8: 128, int16: 32768, uint16: 65535, int32: 2147483648 }[name as 'uint8']!;
    if (!Number.isFinite(Math.fround(Math.abs(slope) * lim + Math.abs(inter)))) invalid('scaled range');
  }
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    const o = off + i * size;
    const raw = ({ uint8: () => v.getUint8(o), int8: () => v.getInt8(o), int16: () => v.getInt16(o, le as boolean), uint16: () => v.getUint16(o, le as boolean),
      int32: () => v.getInt32(o, le as boolean), float32: () => v.getFloat32(o, le as boolean), float64: () => v.getFloat64(o, le as boolean) } as Record<string, () => number>)[name]!();
    const x = Math.fround(raw * slope + inter);
    if (!Number.isFinite(x) && Number.isFinite(raw)) invalid('float32 range');
    vals.push(x);
  }
  return { dims: dim.slice(0, 3), datatype: name, data: canonNumbers(vals) };
}
function refNifti(b: Uint8Array): Canon {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    let raw: Uint8Array = new Uint8Array(0);
    try { raw = gunzipSync(b); } catch { invalid('gzip'); }
    return refNiftiRaw(raw, true);
  }
  return refNiftiRaw(b, false);
}

function refWav(b: Uint8Array): Canon {
  const tag = (o: number) => String.fromCharCode(...b.subarray(o, o + 4));
  if (b.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') invalid('riff');
  const v = u8(b);
  let fmt: number[] | null = null, data: [number, number] | null = null, o = 12;
  while (o + 8 <= b.length) {
    const id = tag(o), size = v.getUint32(o + 4, true), body = o + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > b.length) invalid('fmt');
      let f = v.getUint16(body, true);
      if (f === 0xfffe && size >= 40 && body + 26 <= b.length) f = v.getUint16(body + 24, true);
      fmt = [f, v.getUint16(body + 2, true), v.getUint32(body + 4, true), v.getUint16(body + 12, true), v.getUint16(body + 14, true)];
    } else if (id === 'data') {
      if (body + size > b.length) invalid('data cut');
      data = [body, size];
      break;
    }
    o = body + size + (size & 1);
  }
  if (!fmt || !data) invalid('chunks');
  const [f, ch, rate, align, bits] = fmt!;
  if ((f !== 1 && f !== 3) || ch! < 1 || !(rate! > 0)) invalid('fmt values');
  if (!(f === 1 ? [8, 16, 24, 32] : [32, 64]).includes(bits!)) invalid('bits');
  const bp = bits! / 8, fb = bp * ch!;
  if (align !== fb || data![1] % fb !== 0) invalid('align');
  const frames = data![1] / fb, out: number[][] = Array.from({ length: ch! }, () => []);
  for (let i = 0; i < frames; i++) for (let c = 0; c < ch!; c++) {
    const p = data![0] + i * fb + c * bp;
    let x: number;
    if (f === 3) x = bits === 32 ? v.getFloat32(p, true) : v.getFloat64(p, true);
    else if (bits === 8) x = (b[p]! - 128) / 128;
    else if (bits === 16) x = v.getInt16(p, true) / 32768;
    else if (bits === 24) { let q = b[p]! + 256 * b[p + 1]! + 65536 * b[p + 2]!; if (q >= 2 ** 23) q -= 2 ** 24; x = q / 8388608; }
    else x = v.getInt32(p, true) / 2147483648;
    out[c]!.push(Math.fround(x));
  }
  return { rate, bits, channels: out.map(canonNumbers) };
}

function refIdx(b: Uint8Array): Canon {
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0) invalid('magic');
  const t = ({ 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 } as Record<number, number>)[b[2]!] ?? invalid('type');
  const rank = b[3]!;
  if (rank < 1 || b.length < 4 + 4 * rank) invalid('rank');
  const v = u8(b), shape = Array.from({ length: rank }, (_, i) => v.getUint32(4 + 4 * i, false));
  const n = shape.reduce((a, c) => a * c, 1), head = 4 + 4 * rank;
  if (b.length !== head + n * (t as number)) invalid('size');
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    const o = head + i * (t as number);
    vals.push(({ 8: () => b[o]!, 9: () => v.getInt8(o), 11: () => v.getInt16(o, false), 12: () => v.getInt32(o, false), 13: () => v.getFloat32(o, false), 14: () => v.getFloat64(o, false) } as Record<number, () => number>)[b[2]!]!());
  }
  return { shape, data: canonNumbers(vals) };
}

/** npz: the zip directory read the plain way, members inflated with node:zlib, each .npy read by refNpy. */
function refNpz(b: Uint8Array): Canon {
  if (b.length < 22) invalid('short');
  const v = u8(b);
  let eocd = -1;
  for (let o = b.length - 22; o >= Math.max(0, b.length - 22 - 65535); o--) if (v.getUint32(o, true) === 0x06054b50) { eocd = o; break; }
  if (eocd < 0) invalid('eocd');
  const count = v.getUint16(eocd + 10, true);
  let cd = v.getUint32(eocd + 16, true);
  if (cd === 0xffffffff || count === 0xffff) invalid('zip64');
  const out: Record<string, Canon> = {};
  for (let e = 0; e < count; e++) {
    if (cd + 46 > b.length || v.getUint32(cd, true) !== 0x02014b50) invalid('cd');
    const method = v.getUint16(cd + 10, true), cs = v.getUint32(cd + 20, true), us = v.getUint32(cd + 24, true);
    const nl = v.getUint16(cd + 28, true), el = v.getUint16(cd + 30, true), cl = v.getUint16(cd + 32, true), local = v.getUint32(cd + 42, true);
    if (cd + 46 + nl > b.length) invalid('name');
    const name = new TextDecoder().decode(b.subarray(cd + 46, cd + 46 + nl));
    cd += 46 + nl + el + cl;
    if (local + 30 > b.length || v.getUint32(local, true) !== 0x04034b50) invalid('local');
    const ds = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    if (ds + cs > b.length) invalid('cut');
    let content: Uint8Array = new Uint8Array(0);
    if (method === 0) content = b.subarray(ds, ds + cs);
    else if (method === 8) { try { content = inflateRawSync(b.subarray(ds, ds + cs), { maxOutputLength: Math.max(1, us) }); } catch { invalid('inflate'); } }
    else invalid('method');
    if (content.length !== us) invalid('usize');
    if (!name.endsWith('.npy')) continue;
    if (name.slice(0, -4) in out) invalid('dup');
    out[name.slice(0, -4)] = refNpy(content);
  }
  return out;
}

// ---------------------------------------------------------------- library readers, same shape
async function libRead(format: Format, b: Uint8Array): Promise<Canon> {
  switch (format) {
    case 'safetensors': {
      const r = decodeSafetensors(b, 'f');
      return { meta: r.metadata, tensors: Object.fromEntries([...r.tensors.entries()].sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0)).map(([k, t]) => [k, { dtype: t.dtype, shape: t.shape, data: canonNumbers(t.data) }])) };
    }
    case 'npy': { const r = parseNpy(b, 'f'); return { dtype: r.dtype, shape: r.shape, data: canonNumbers(r.data as ArrayLike<number>) }; }
    case 'npz': {
      const r = await parseNpz(b, 'f');
      return Object.fromEntries([...r.entries()].map(([k, a]) => [k, { dtype: a.dtype, shape: a.shape, data: canonNumbers(a.data as ArrayLike<number>) }]));
    }
    case 'nifti': case 'nifti-gz': { const r = await readNifti(b, 'f'); return { dims: r.dims, datatype: r.datatype, data: canonNumbers(r.data) }; }
    case 'wav': { const r = parseWav(b, 'f'); return { rate: r.sampleRate, bits: r.bitsPerSample, channels: r.channels.map(canonNumbers) }; }
    case 'idx': { const r = parseIdx(b, 'f'); return { shape: r.shape, data: canonNumbers(r.data) }; }
  }
}
const REF: Record<Format, (b: Uint8Array) => Canon> = { safetensors: refSafetensors, npy: refNpy, npz: refNpz, nifti: refNifti, 'nifti-gz': refNifti, wav: refWav, idx: refIdx };

export const FORMATS = ['safetensors', 'npy', 'npz', 'nifti', 'nifti-gz', 'wav', 'idx'] as const;
export type Format = (typeof FORMATS)[number];

/** Reads `bytes` both ways and names the outcome (with a detail for the report). */
export async function classify(format: Format, bytes: Uint8Array): Promise<{ outcome: Outcome; detail: string }> {
  let ref: { ok: true; v: Canon } | { ok: false; why: string };
  try { ref = { ok: true, v: REF[format](bytes) }; } catch (e) {
    if (!(e instanceof Invalid)) throw e;
    ref = { ok: false, why: e.message };
  }
  let lib: Canon;
  try { lib = await libRead(format, bytes); } catch (e) {
    if (!(e instanceof FormatError)) return { outcome: 'unclear', detail: `${(e as Error)?.name}: ${(e as Error)?.message}` };
    return ref.ok ? { outcome: 'refused-valid', detail: (e as Error).message } : { outcome: 'ok', detail: '' };
  }
  if (!ref.ok) return { outcome: 'accepted-invalid', detail: ref.why };
  return same(lib, ref.v) ? { outcome: 'read', detail: '' } : { outcome: 'wrong', detail: `${JSON.stringify(lib).slice(0, 200)} vs ${JSON.stringify(ref.v).slice(0, 200)}` };
}

// ---------------------------------------------------------------- valid files
const floats = (n: number) => fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n });
const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 });

export function validFile(format: Format): fc.Arbitrary<Uint8Array> {
  switch (format) {
    case 'safetensors':
      return fc.tuple(shapeArb, shapeArb, fc.integer({ min: 0, max: 1000 })).chain(([s1, s2, k]) => {
        const n1 = s1.reduce((a, c) => a * c, 1), n2 = s2.reduce((a, c) => a * c, 1);
        return floats(n1).map((v) => encodeSafetensors({ w: { dtype: 'F32', shape: s1, data: Float32Array.from(v) }, 'b.i': { dtype: 'I32', shape: s2, data: Int32Array.from({ length: n2 }, (_, i) => i - k) } }, { step: String(k) }));
      });
    case 'npy':
      return shapeArb.chain((s) => floats(s.reduce((a, c) => a * c, 1)).map((v) => encodeNpy(Float32Array.from(v), s)));
    case 'npz':
      return fc.tuple(shapeArb, fc.boolean()).chain(([s, deflate]) => floats(s.reduce((a, c) => a * c, 1)).map((v) => {
        const x = encodeNpy(Float32Array.from(v), s), y = encodeNpy(Int32Array.from([1, 2, 3]), [3]);
        return makeZip([{ name: 'x.npy', data: x, stored: deflate ? deflateRawSync(x) : x, method: deflate ? 8 : 0 }, { name: 'y.npy', data: y, stored: y, method: 0 }]);
      }));
    case 'nifti': case 'nifti-gz': {
      const types: NiftiDatatype[] = ['uint8', 'int8', 'int16', 'uint16', 'int32', 'float32', 'float64'];
      return fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom(...types)).chain(([a, b, c, dt]) =>
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: a * b * c, maxLength: a * b * c }).map((v) => {
          const raw = encodeNifti({ dims: [a, b, c], data: v, datatype: dt, geometry: defaultGeometry([1, 2, 3]) });
          return format === 'nifti' ? raw : new Uint8Array(gzipSync(raw));
        }));
    }
    case 'wav':
      return fc.tuple(fc.integer({ min: 1, max: 2 }), fc.constantFrom(8, 16, 24, 32), fc.integer({ min: 0, max: 20 })).chain(([ch, bits, n]) =>
        fc.array(floats(n), { minLength: ch, maxLength: ch }).map((chs) => encodeWav(chs.map((c) => Float32Array.from(c, (x) => Math.max(-1, Math.min(1, x)))), 8000, bits as 8 | 16 | 24 | 32)));
    case 'idx':
      return shapeArb.chain((s) => fc.array(fc.integer({ min: 0, max: 255 }), { minLength: s.reduce((a, c) => a * c, 1), maxLength: s.reduce((a, c) => a * c, 1) }).map((v) => {
        const out = new Uint8Array(4 + 4 * s.length + v.length);
        out.set([0, 0, 8, s.length]);
        s.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d, false));
        out.set(v, 4 + 4 * s.length);
        return out;
      }));
  }
}

// ---------------------------------------------------------------- mutations
type Mutation = (b: Uint8Array, headerLen: number) => Uint8Array;
/** A position, unbiased (fast-check favours small integers, which would aim every mutation at byte 0). */
const POS = fc.noBias(fc.nat({ max: 2 ** 30 }));
const EDGE32 = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 348, 352, 540, 0x7fc00000 /* NaN */, 0x7f800000 /* Inf */];

/** A mutation: mostly in the header (`headerLen` bytes), sometimes anywhere, cut or grown. */
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(POS, fc.integer({ min: 0, max: 7 }), fc.boolean()).map(([at, bit, inHeader]) => (b: Uint8Array, h: number) => {
    const c = b.slice(); if (!c.length) return c; const i = at % (inHeader ? Math.max(1, Math.min(h, c.length)) : c.length); c[i] ^= 1 << bit; return c;
  }),
  fc.tuple(POS, fc.constantFrom(0, 0xff, 0x7f, 0x80, 0x20, 0x22, 0x27, 0x2c, 0x2d, 0x30, 0x39, 0x7b, 0x7d, 0x5b)).map(([at, val]) => (b: Uint8Array, h: number) => {
    const c = b.slice(); if (!c.length) return c; c[at % Math.max(1, Math.min(h, c.length))] = val; return c;
  }),
  fc.tuple(POS, fc.constantFrom(...EDGE32), fc.boolean()).map(([at, val, le]) => (b: Uint8Array, h: number) => {
    const c = b.slice(); if (c.length < 4) return c; const i = at % Math.max(1, Math.min(h, c.length - 3)); new DataView(c.buffer).setUint32(i, val, le); return c;
  }),
  POS.map((at) => (b: Uint8Array) => b.slice(0, at % (b.length + 1))),
  fc.tuple(fc.integer({ min: 1, max: 16 }), fc.nat({ max: 255 })).map(([n, val]) => (b: Uint8Array) => { const c = new Uint8Array(b.length + n).fill(val); c.set(b); return c; }),
  fc.tuple(POS, fc.integer({ min: 1, max: 8 })).map(([at, n]) => (b: Uint8Array, h: number) => { const i = at % Math.max(1, Math.min(h, b.length)); const c = new Uint8Array(b.length - Math.min(n, b.length - i)); c.set(b.subarray(0, i)); c.set(b.subarray(i + n), i); return c; }),
);

/** Header sizes to aim the mutations at. */
function headerLength(format: Format, b: Uint8Array): number {
  switch (format) {
    case 'safetensors': return b.length >= 8 ? 8 + Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true)) : b.length;
    case 'npy': return b.length >= 10 ? 10 + new DataView(b.buffer, b.byteOffset).getUint16(8, true) : b.length;
    case 'nifti': case 'nifti-gz': return 352;
    case 'wav': return 44;
    case 'idx': return 16;
    case 'npz': return b.length;
  }
}

/** A valid file with 1 to 3 mutations; for .nii.gz, the mutations hit the uncompressed bytes (then gzip) or the gzip stream. */
export function mutatedFile(format: Format): fc.Arbitrary<Uint8Array> {
  return fc.tuple(validFile(format), fc.array(mutationArb, { minLength: 1, maxLength: 3 }), fc.boolean()).map(([b, ms, inner]) => {
    if (format === 'nifti-gz' && inner) {
      let raw: Uint8Array = gunzipSync(b);
      for (const m of ms) raw = m(raw, 352);
      return new Uint8Array(gzipSync(raw));
    }
    let c = b;
    for (const m of ms) c = m(c, headerLength(format, c));
    return c;
  });
}

/** Reads `n` mutated files of each format and counts the outcomes (the fuzz report). */
export async function fuzz(n: number, seed: number, formats: readonly Format[] = FORMATS): Promise<Record<Format, Record<Outcome, number> & { examples: string[] }>> {
  const report = {} as Record<Format, Record<Outcome, number> & { examples: string[] }>;
  for (const f of formats) {
    const counts = { ok: 0, read: 0, unclear: 0, wrong: 0, 'accepted-invalid': 0, 'refused-valid': 0, examples: [] as string[] };
    for (const bytes of fc.sample(mutatedFile(f), { numRuns: n, seed })) {
      const { outcome, detail } = await classify(f, bytes);
      counts[outcome]++;
      if (outcome !== 'ok' && outcome !== 'read' && counts.examples.length < 5) counts.examples.push(`${outcome}: ${detail} [${Buffer.from(bytes.subarray(0, 400)).toString('base64')}]`);
    }
    report[f] = counts;
  }
  return report;
}
