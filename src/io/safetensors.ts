// safetensors: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}} (padded with
// spaces), then the raw little-endian tensor bytes. Bytes in, typed arrays out; nothing here knows
// about tensors. Also the checkpoint format (src/nn/checkpoint.ts).
//
// The reader follows the format's rules strictly (those of huggingface/safetensors): the header is a
// JSON object; every entry has a known dtype, a shape of non-negative integers and two integer
// offsets; the ranges lie in the data, do not overlap, cover it exactly (no gap, no trailing bytes)
// and each holds exactly prod(shape) x dtype-size bytes; `__metadata__` maps strings to strings.
// Every failure is a SafetensorsError naming the file and the entry. F64 and I64 tensors are read
// as F32 and I32 when no value changes class: an I64 outside int32, or a finite F64 that overflows
// float32 (or a non-zero one that underflows to 0), is an error (F64 -> F32 rounds to nearest).
import { FormatError } from './errors.js';

export type SafeDType = 'F32' | 'I32';

export interface NamedArray {
  dtype: SafeDType;
  shape: number[];
  data: Float32Array | Int32Array;
}

export class SafetensorsError extends FormatError {
  constructor(source: string, message: string, entry?: string) {
    super(source, message, entry);
    this.name = 'SafetensorsError';
  }
}

/** Every dtype the format defines, with its size in bytes (fractional for the 4- and 6-bit floats). */
const FORMAT_DTYPES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8, F4: 0.5, F6_E2M3: 0.75, F6_E3M2: 0.75, C64: 8,
};
const READABLE = ['F32', 'I32', 'F64', 'I64'];
/** The reference implementation refuses headers above 100 MB. */
const MAX_HEADER = 100_000_000;

const entryName = (name: string) => `tensor ${JSON.stringify(name)}`;

export function encodeSafetensors(tensors: Map<string, NamedArray> | Record<string, NamedArray>, metadata: Record<string, string> = {}, source = 'encodeSafetensors'): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) throw new SafetensorsError(source, 'metadata must be an object of strings', '__metadata__');
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new SafetensorsError(source, `metadata value of ${JSON.stringify(k)} is ${typeof v}, expected a string`, '__metadata__');
  }
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    const where = entryName(name);
    if (name === '__metadata__' || name.length === 0) throw new SafetensorsError(source, 'is not a valid tensor name', where);
    if (t.dtype !== 'F32' && t.dtype !== 'I32') throw new SafetensorsError(source, `dtype ${String(t.dtype)} cannot be written (F32 or I32)`, where);
    const want = t.dtype === 'F32' ? Float32Array : Int32Array;
    if (!(t.data instanceof want)) throw new SafetensorsError(source, `dtype ${t.dtype} needs a ${want.name}, got ${t.data?.constructor?.name}`, where);
    if (!Array.isArray(t.shape) || !t.shape.every((s) => Number.isSafeInteger(s) && s >= 0)) throw new SafetensorsError(source, `shape [${t.shape}] must be non-negative integers`, where);
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new SafetensorsError(source, `shape [${t.shape}] needs ${n} values, got ${t.data.length}`, where);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  const headerBytes0 = new TextEncoder().encode(json);
  // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
  json += ' '.repeat((8 - ((8 + headerBytes0.length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

export interface DecodedSafetensors {
  tensors: Map<string, NamedArray>;
  metadata: Record<string, string>;
}

interface Entry { name: string; dtype: string; shape: number[]; begin: number; end: number }

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Parses and checks the header; returns the entries sorted by offset and the metadata. */
function readHeader(bytes: Uint8Array, source: string): { entries: Entry[]; metadata: Record<string, string>; dataStart: number } {
  const err = (message: string, entry?: string) => new SafetensorsError(source, message, entry);
  if (bytes.length < 8) throw err(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const big = view.getBigUint64(0, true);
  if (big > BigInt(bytes.length - 8)) throw err(`header length ${big} exceeds the ${bytes.length - 8} bytes after it: truncated or not safetensors`);
  const headerLen = Number(big);
  if (headerLen > MAX_HEADER) throw err(`header length ${headerLen} is above the format's limit of ${MAX_HEADER} bytes`);
  if (headerLen < 2) throw err(`header length ${headerLen} is too short for a JSON object`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    throw err('header is not valid UTF-8');
  }
  if (text[0] !== '{') throw err(`header must be a JSON object starting with "{", starts with ${JSON.stringify(text.slice(0, 10))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw err(`header is not valid JSON (${(e as Error).message}); is the header length right?`);
  }
  if (!isPlainObject(header)) throw err('header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isPlainObject(raw)) throw err('must be an object mapping strings to strings', '__metadata__');
      for (const [k, v] of Object.entries(raw)) if (typeof v !== 'string') throw err(`value of ${JSON.stringify(k)} is ${v === null ? 'null' : typeof v}, expected a string`, '__metadata__');
      metadata = raw as Record<string, string>;
      continue;
    }
    const where = entryName(name);
    if (!isPlainObject(raw)) throw err(`expected an object {dtype, shape, data_offsets}, got ${JSON.stringify(raw)?.slice(0, 40)}`, where);
    const extra = Object.keys(raw).filter((k) => k !== 'dtype' && k !== 'shape' && k !== 'data_offsets');
    if (extra.length) throw err(`unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')} (expected dtype, shape, data_offsets)`, where);
    const { dtype, shape, data_offsets: off } = raw;
    if (typeof dtype !== 'string' || !(dtype in FORMAT_DTYPES)) throw err(`dtype ${JSON.stringify(dtype)} is not a safetensors dtype`, where);
    if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) throw err(`shape ${JSON.stringify(shape)} must be a list of non-negative integers`, where);
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw err(`data_offsets ${JSON.stringify(off)} must be two non-negative integers [begin, end]`, where);
    }
    const [begin, end] = off as [number, number];
    if (begin > end) throw err(`data_offsets [${begin}, ${end}] end before they begin`, where);
    if (end > dataLen) throw err(`data_offsets [${begin}, ${end}] run past the ${dataLen} data bytes`, where);
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    const bytesNeeded = n * FORMAT_DTYPES[dtype]!;
    if (end - begin !== bytesNeeded) throw err(`shape [${shape.join(', ')}] of ${dtype} needs ${bytesNeeded} bytes, data_offsets [${begin}, ${end}] hold ${end - begin}`, where);
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  // The ranges, in offset order, must tile the data exactly: no gap, no overlap, nothing after.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of entries) {
    if (e.begin < at) throw err(`data_offsets [${e.begin}, ${e.end}] overlap the previous tensor's bytes (which end at ${at})`, entryName(e.name));
    if (e.begin > at) throw err(`data_offsets [${e.begin}, ${e.end}] leave the bytes ${at}..${e.begin} unused (the ranges must cover the data exactly)`, entryName(e.name));
    at = e.end;
  }
  if (at !== dataLen) throw err(`the tensors' ranges end at data byte ${at}, the file has ${dataLen} data bytes (${dataLen - at} trailing bytes)`);
  return { entries, metadata, dataStart };
}

/** Decodes a safetensors file; `source` names it in errors. Reads F32 and I32; F64 and I64 are converted when no value changes class. */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors'): DecodedSafetensors {
  const { entries, metadata, dataStart } = readHeader(bytes, source);
  const tensors = new Map<string, NamedArray>();
  for (const e of entries) {
    const where = entryName(e.name);
    if (!READABLE.includes(e.dtype)) throw new SafetensorsError(source, `dtype ${e.dtype} is not supported by this reader (${READABLE.join(', ')})`, where);
    const n = e.shape.reduce((a, b) => a * b, 1);
    const slice = bytes.slice(dataStart + e.begin, dataStart + e.end);
    const dv = new DataView(slice.buffer);
    let data: Float32Array | Int32Array;
    if (e.dtype === 'F32') data = new Float32Array(slice.buffer);
    else if (e.dtype === 'I32') data = new Int32Array(slice.buffer);
    else if (e.dtype === 'F64') {
      const f = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const v = dv.getFloat64(8 * i, true), w = Math.fround(v);
        if ((Number.isFinite(v) && !Number.isFinite(w)) || (v !== 0 && w === 0)) {
          throw new SafetensorsError(source, `F64 value ${v} at index ${i} does not fit float32 (it would become ${w})`, where);
        }
        f[i] = w;
      }
      data = f;
    } else {
      const d = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = dv.getBigInt64(8 * i, true);
        if (v < -2147483648n || v > 2147483647n) throw new SafetensorsError(source, `I64 value ${v} at index ${i} does not fit int32`, where);
        d[i] = Number(v);
      }
      data = d;
    }
    tensors.set(e.name, { dtype: e.dtype === 'F32' || e.dtype === 'F64' ? 'F32' : 'I32', shape: e.shape, data });
  }
  return { tensors, metadata };
}
