// MNIST IDX reader: magic 0x0000 <type> <rank>, rank big-endian u32 dimensions, then big-endian data.
// Bytes in, typed array + shape out.

import { FormatError } from './errors.js';

export interface IdxArray {
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

export class IdxError extends FormatError {
  constructor(source: string, message: string, entry?: string) {
    super(source, message, entry);
    this.name = 'IdxError';
  }
}

const TYPES: Record<number, { name: string; size: number }> = {
  0x08: { name: 'u8', size: 1 }, 0x09: { name: 'i8', size: 1 }, 0x0b: { name: 'i16', size: 2 },
  0x0c: { name: 'i32', size: 4 }, 0x0d: { name: 'f32', size: 4 }, 0x0e: { name: 'f64', size: 8 },
};

export function parseIdx(bytes: Uint8Array, source = 'idx'): IdxArray {
  if (bytes.length < 4) throw new IdxError(source, `file is ${bytes.length} bytes, too short for the 4-byte IDX magic`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new IdxError(source, `bad magic ${bytes[0]}, ${bytes[1]} (expected 0, 0; a gzip file must be decompressed first)`);
  const type = TYPES[bytes[2]!];
  if (!type) throw new IdxError(source, `unknown data type 0x${bytes[2]!.toString(16)} (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)`);
  const rank = bytes[3]!;
  if (rank < 1) throw new IdxError(source, 'rank is 0, expected >= 1');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const head = 4 + 4 * rank;
  if (bytes.length < head) throw new IdxError(source, `header needs ${head} bytes for ${rank} dimensions, file has ${bytes.length}`);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const n = shape.reduce((a, b) => a * b, 1);
  const need = head + n * type.size;
  if (bytes.length < need) throw new IdxError(source, `shape [${shape.join(', ')}] needs ${need} bytes, file has ${bytes.length} (truncated)`);
  if (bytes.length > need) throw new IdxError(source, `shape [${shape.join(', ')}] needs ${need} bytes, file has ${bytes.length} (${bytes.length - need} trailing bytes: wrong shape?)`);
  let data: IdxArray['data'];
  switch (type.name) {
    case 'u8': data = bytes.slice(head, head + n); break;
    case 'i8': data = new Int8Array(bytes.slice(head, head + n).buffer); break;
    case 'i16': data = Int16Array.from({ length: n }, (_, i) => view.getInt16(head + 2 * i, false)); break;
    case 'i32': data = Int32Array.from({ length: n }, (_, i) => view.getInt32(head + 4 * i, false)); break;
    case 'f32': data = Float32Array.from({ length: n }, (_, i) => view.getFloat32(head + 4 * i, false)); break;
    default: data = Float64Array.from({ length: n }, (_, i) => view.getFloat64(head + 8 * i, false));
  }
  return { shape, data };
}
