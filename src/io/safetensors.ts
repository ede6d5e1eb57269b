// safetensors: an 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}, then the
// raw little-endian tensor bytes. Bytes in, typed arrays out; nothing here knows about tensors.

export type SafeDType = 'F32' | 'I32';

export interface NamedArray {
  dtype: SafeDType;
  shape: number[];
  data: Float32Array | Int32Array;
}

export class SafetensorsError extends Error {
  constructor(source: string, message: string) {
    super(`${source}: ${message}`);
    this.name = 'SafetensorsError';
  }
}

export function encodeSafetensors(tensors: Map<string, NamedArray> | Record<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new SafetensorsError('encodeSafetensors', `tensor "${name}": shape [${t.shape}] needs ${n} values, got ${t.data.length}`);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
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

/** Decodes a safetensors file; `source` names it in errors. Supports F32 and I32 (F64/I64 are converted down). */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors'): DecodedSafetensors {
  if (bytes.length < 8) throw new SafetensorsError(source, `file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) throw new SafetensorsError(source, `header length ${headerLen} exceeds the file (${bytes.length} bytes): truncated or not safetensors`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new SafetensorsError(source, `header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, NamedArray>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') { metadata = raw as Record<string, string>; continue; }
    const info = raw as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const n = info.shape.reduce((a, b) => a * b, 1);
    const [b, e] = info.data_offsets;
    const width = { F32: 4, I32: 4, F64: 8, I64: 8 }[info.dtype];
    if (!width) throw new SafetensorsError(source, `tensor "${name}": dtype ${info.dtype} is not supported (F32, I32, F64, I64)`);
    if (!(b >= 0 && e <= dataLen && e - b === n * width)) {
      throw new SafetensorsError(source, `tensor "${name}": data_offsets [${b}, ${e}] do not hold ${n} ${info.dtype} values within ${dataLen} data bytes`);
    }
    const slice = bytes.slice(dataStart + b, dataStart + e);
    const dv = new DataView(slice.buffer);
    let data: Float32Array | Int32Array;
    if (info.dtype === 'F32') data = new Float32Array(slice.buffer);
    else if (info.dtype === 'I32') data = new Int32Array(slice.buffer);
    else if (info.dtype === 'F64') data = Float32Array.from({ length: n }, (_, i) => dv.getFloat64(8 * i, true));
    else data = Int32Array.from({ length: n }, (_, i) => Number(dv.getBigInt64(8 * i, true)));
    tensors.set(name, { dtype: info.dtype === 'F32' || info.dtype === 'F64' ? 'F32' : 'I32', shape: info.shape, data });
  }
  return { tensors, metadata };
}
