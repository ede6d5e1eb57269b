// NumPy .npy (format versions 1-3) and .npz (a zip of .npy files, stored or deflated).
// Bytes in, typed arrays out. Fortran-ordered arrays are returned in C order.
// The header is parsed by a strict grammar (the Python dict literal NumPy writes, exactly the keys
// 'descr', 'fortran_order' and 'shape'); the data must fill the file exactly; deflated .npz entries
// are inflated no further than the size their zip directory declares. Every failure is an NpyError.
import { FormatError } from './errors.js';
import { inflateBounded } from './inflate.js';

export type NpyData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

export interface NpyArray {
  /** NumPy's descr, e.g. "<f4". */
  dtype: string;
  shape: number[];
  data: NpyData;
}

export class NpyError extends FormatError {
  constructor(source: string, message: string, entry?: string) {
    super(source, message, entry);
    this.name = 'NpyError';
  }
}

interface NpyHeader { descr: string; fortran: boolean; shape: number[] }

/**
 * The header grammar (whitespace = spaces, tabs; the dict may end with a comma):
 *   header  = ws '{' ws item (ws ',' ws item)* ws [','] ws '}' ws ['\n']
 *   item    = key ws ':' ws value, keys 'descr' (a quoted string), 'fortran_order' (True | False),
 *             'shape' (a tuple: '()' | '(' int ws ',' ws ')' | '(' int (ws ',' ws int)+ ws [','] ws ')')
 *   int     = '0' | [1-9][0-9]* ['L']  (Python 2 NumPy wrote long literals)
 * Each key exactly once, no other key.
 */
function parseHeaderDict(text: string, source: string): NpyHeader {
  let i = 0;
  const fail = (what: string): never => {
    throw new NpyError(source, `header is not a NumPy header dict: ${what} at character ${i} of ${JSON.stringify(text.trimEnd().slice(0, 120))}`);
  };
  const ws = () => { while (text[i] === ' ' || text[i] === '\t') i++; };
  const expect = (c: string) => { if (text[i] !== c) fail(`expected "${c}"`); i++; };
  const str = (): string => {
    const q = text[i];
    if (q !== "'" && q !== '"') fail('expected a quoted string');
    const end = text.indexOf(q!, i + 1);
    if (end < 0) fail('unterminated string');
    const v = text.slice(i + 1, end);
    if (v.includes('\\')) fail('escapes are not allowed in a string');
    i = end + 1;
    return v;
  };
  const int = (): number => {
    const m = /^(0|[1-9][0-9]*)L?/.exec(text.slice(i));
    if (!m) fail('expected a non-negative decimal integer');
    i += m![0].length;
    const n = Number(m![1]);
    if (!Number.isSafeInteger(n)) fail(`integer ${m![1]} is too large`);
    return n;
  };
  const tuple = (): number[] => {
    expect('('); ws();
    const out: number[] = [];
    if (text[i] === ')') { i++; return out; }
    out.push(int()); ws();
    if (text[i] === ')') fail('a one-element tuple needs a trailing comma');
    while (text[i] === ',') {
      i++; ws();
      if (text[i] === ')') break;
      out.push(int()); ws();
    }
    expect(')');
    return out;
  };
  const seen: Partial<NpyHeader> = {};
  ws(); expect('{'); ws();
  while (text[i] !== '}') {
    const key = str(); ws(); expect(':'); ws();
    if (key in seen) fail(`key '${key}' appears twice`);
    if (key === 'descr') seen.descr = str();
    else if (key === 'fortran_order') {
      if (text.startsWith('True', i)) { seen.fortran = true; i += 4; } else if (text.startsWith('False', i)) { seen.fortran = false; i += 5; } else fail('fortran_order must be True or False');
    } else if (key === 'shape') seen.shape = tuple();
    else fail(`unknown key '${key}' (expected 'descr', 'fortran_order', 'shape')`);
    ws();
    if (text[i] === ',') { i++; ws(); } else if (text[i] !== '}') fail('expected "," or "}"');
  }
  i++;
  ws();
  if (text[i] === '\n') i++;
  if (i !== text.length) fail('unexpected text after the dict');
  if (seen.descr === undefined || seen.fortran === undefined || seen.shape === undefined) {
    fail(`missing key${['descr', 'fortran_order', 'shape'].filter((k) => !(k === 'fortran_order' ? 'fortran' in seen : k in seen)).map((k) => ` '${k}'`).join(',')}`);
  }
  return seen as NpyHeader;
}

const KINDS: Record<string, { size: number; make: (b: ArrayBuffer, n: number) => NpyData; get: (v: DataView, o: number, le: boolean) => number | bigint }> = {
  f4: { size: 4, make: (b, n) => new Float32Array(b, 0, n), get: (v, o, le) => v.getFloat32(o, le) },
  f8: { size: 8, make: (b, n) => new Float64Array(b, 0, n), get: (v, o, le) => v.getFloat64(o, le) },
  i1: { size: 1, make: (b, n) => new Int8Array(b, 0, n), get: (v, o) => v.getInt8(o) },
  u1: { size: 1, make: (b, n) => new Uint8Array(b, 0, n), get: (v, o) => v.getUint8(o) },
  b1: { size: 1, make: (b, n) => new Uint8Array(b, 0, n), get: (v, o) => v.getUint8(o) },
  i2: { size: 2, make: (b, n) => new Int16Array(b, 0, n), get: (v, o, le) => v.getInt16(o, le) },
  u2: { size: 2, make: (b, n) => new Uint16Array(b, 0, n), get: (v, o, le) => v.getUint16(o, le) },
  i4: { size: 4, make: (b, n) => new Int32Array(b, 0, n), get: (v, o, le) => v.getInt32(o, le) },
  u4: { size: 4, make: (b, n) => new Uint32Array(b, 0, n), get: (v, o, le) => v.getUint32(o, le) },
  i8: { size: 8, make: (b, n) => new BigInt64Array(b, 0, n), get: (v, o, le) => v.getBigInt64(o, le) },
  u8: { size: 8, make: (b, n) => new BigUint64Array(b, 0, n), get: (v, o, le) => v.getBigUint64(o, le) },
};

export function parseNpy(bytes: Uint8Array, source = 'npy'): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) throw new NpyError(source, 'not a .npy file (expected the magic "\\x93NUMPY")');
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new NpyError(source, `format version ${major}.${bytes[7]} is not supported (expected 1.x, 2.x or 3.x)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new NpyError(source, 'truncated before the header length');
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes + hlen;
  if (bytes.length < start) throw new NpyError(source, `header of ${hlen} bytes is truncated (file has ${bytes.length} bytes)`);
  let header: string;
  try {
    header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(bytes.subarray(8 + lenBytes, start));
  } catch { throw new NpyError(source, 'header is not valid UTF-8'); }
  const { descr, fortran, shape } = parseHeaderDict(header, source);
  const m = /^([<>|=])?([a-z][0-9]+)$/.exec(descr);
  const order = m?.[1] ?? '|', kindKey = m?.[2] ?? '';
  const kind = KINDS[kindKey];
  if (!kind) throw new NpyError(source, `dtype '${descr}' is not supported (expected a numeric dtype such as '<f4', '<f8', '<i4', '|u1', '|b1')`);
  if (kind.size > 1 && order === '|') throw new NpyError(source, `dtype '${descr}': '|' (no byte order) is only for one-byte types`);
  let n = 1;
  for (const d of shape) { n *= d; if (!Number.isSafeInteger(n * kind.size)) throw new NpyError(source, `shape (${shape.join(', ')}) is too large`); }
  if (bytes.length < start + n * kind.size) throw new NpyError(source, `shape (${shape.join(', ')}) of '${descr}' needs ${n * kind.size} data bytes, file has ${bytes.length - start} (truncated)`);
  if (bytes.length > start + n * kind.size) throw new NpyError(source, `shape (${shape.join(', ')}) of '${descr}' needs ${n * kind.size} data bytes, file has ${bytes.length - start} (${bytes.length - start - n * kind.size} trailing bytes: wrong shape?)`);
  const little = order !== '>';
  const buf = new ArrayBuffer(n * kind.size);
  const out = kind.make(buf, n);
  if (little && kind.size > 0) new Uint8Array(buf).set(bytes.subarray(start, start + n * kind.size));
  else for (let i = 0; i < n; i++) (out as unknown as (number | bigint)[])[i] = kind.get(view, start + i * kind.size, little);
  const data = fortran && shape.length > 1 ? fortranToC(out, shape) : out;
  return { dtype: descr, shape, data };
}

function fortranToC(src: NpyData, shape: number[]): NpyData {
  const n = src.length, rank = shape.length;
  const dst = new (src.constructor as new (n: number) => NpyData)(n);
  const idx = new Array<number>(rank).fill(0);
  // Walk C order, computing the column-major offset of each element.
  for (let i = 0; i < n; i++) {
    let off = 0, stride = 1;
    for (let a = 0; a < rank; a++) { off += idx[a]! * stride; stride *= shape[a]!; }
    (dst as unknown as (number | bigint)[])[i] = (src as unknown as (number | bigint)[])[off]!;
    for (let a = rank - 1; a >= 0; a--) { if (++idx[a]! < shape[a]!) break; idx[a] = 0; }
  }
  return dst;
}

/** Values as float32 (the training pipeline's dtype). */
export function npyToFloat32(a: NpyArray): Float32Array {
  if (a.data instanceof Float32Array) return a.data;
  return Float32Array.from(a.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** Reads every .npy entry of an .npz archive (names without ".npy"). */
export async function parseNpz(bytes: Uint8Array, source = 'npz'): Promise<Map<string, NpyArray>> {
  if (bytes.length < 22) throw new NpyError(source, `${bytes.length} bytes is too short for a zip archive`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // End of central directory: 22 bytes plus a comment of up to 65535 bytes, searched from the end.
  let eocd = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 65535); o--) {
    if (view.getUint32(o, true) === 0x06054b50) { eocd = o; break; }
  }
  if (eocd < 0) throw new NpzErrorLike(source, 'not a zip archive (no end-of-central-directory record; truncated?)');
  const count = view.getUint16(eocd + 10, true);
  let cd = view.getUint32(eocd + 16, true);
  if (cd === 0xffffffff || count === 0xffff) throw new NpzErrorLike(source, 'zip64 archives are not supported');
  const out = new Map<string, NpyArray>();
  for (let e = 0; e < count; e++) {
    if (cd + 46 > bytes.length || view.getUint32(cd, true) !== 0x02014b50) throw new NpzErrorLike(source, `central directory entry ${e} is corrupt`);
    const method = view.getUint16(cd + 10, true);
    const csize = view.getUint32(cd + 20, true), usize = view.getUint32(cd + 24, true);
    const nameLen = view.getUint16(cd + 28, true), extraLen = view.getUint16(cd + 30, true), commentLen = view.getUint16(cd + 32, true);
    const local = view.getUint32(cd + 42, true);
    if (cd + 46 + nameLen > bytes.length) throw new NpzErrorLike(source, `central directory entry ${e} is truncated`);
    const name = new TextDecoder().decode(bytes.subarray(cd + 46, cd + 46 + nameLen));
    cd += 46 + nameLen + extraLen + commentLen;
    if (out.has(name.slice(0, -4)) && name.endsWith('.npy')) throw new NpzErrorLike(source, 'appears twice in the archive', name);
    if (local + 30 > bytes.length || view.getUint32(local, true) !== 0x04034b50) throw new NpzErrorLike(source, `entry "${name}": local header is corrupt`);
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (dataStart + csize > bytes.length) throw new NpzErrorLike(source, `entry "${name}": ${csize} compressed bytes declared, archive is truncated`);
    const raw = bytes.subarray(dataStart, dataStart + csize);
    let content: Uint8Array;
    if (method === 0) content = raw;
    else if (method === 8) content = await inflateBounded(raw, 'deflate-raw', usize, `${source}:${name}`, (s, m) => new NpyError(s, m), 'the zip directory declares');
    else throw new NpzErrorLike(source, `entry "${name}": compression method ${method} is not supported (expected 0 = stored or 8 = deflate)`);
    if (content.length !== usize) throw new NpzErrorLike(source, `entry "${name}": holds ${content.length} bytes, the zip directory declares ${usize}`);
    if (!name.endsWith('.npy')) continue;
    out.set(name.slice(0, -4), parseNpy(content, `${source}:${name}`));
  }
  return out;
}

class NpzErrorLike extends NpyError {}

/** Encodes a little-endian float32/int32 .npy (version 1.0), for exports and tests. */
export function encodeNpy(data: Float32Array | Int32Array, shape: number[]): Uint8Array {
  const descr = data instanceof Float32Array ? '<f4' : '<i4';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
