// NIfTI-1 read and write (.nii and .nii.gz): bytes in, typed arrays and geometry out; knows nothing
// of tensors. Gzip is read through src/io/inflate.ts (bounded by the header, fflate or a face's native
// inflater) and written through the platform's CompressionStream; no `node:*` import. Voxel decoding
// is an AssemblyScript kernel (src/io/kernels.ts).
// Every header field the reader uses is checked; a bad one is a NiftiError naming the file and field.
//
// Voxel order: NIfTI stores i fastest, then j, then k. Read as a row-major array that is
// [nk, nj, ni] (= the core's [D, H, W]) without any transpose; `dims` stays in NIfTI order [ni, nj, nk].

import { FormatError } from './errors.js';
import { decompressionCeiling, inflateBounded, inflateHead } from './inflate.js';
import { ioKernels, loadIoKernels } from './kernels.js';

export type NiftiDatatype = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'float32' | 'float64';

const CODE_OF: Record<NiftiDatatype, number> = { uint8: 2, int16: 4, int32: 8, float32: 16, float64: 64, int8: 256, uint16: 512 };
const BYTES_OF: Record<NiftiDatatype, number> = { uint8: 1, int8: 1, int16: 2, uint16: 2, int32: 4, float32: 4, float64: 8 };
const TYPE_OF = new Map<number, NiftiDatatype>(Object.entries(CODE_OF).map(([k, v]) => [v, k as NiftiDatatype]));

/** Where the voxels sit in the world: everything a viewer needs to overlay an output on its input. */
export interface NiftiGeometry {
  /** Voxel sizes (pixdim[1..3]). */
  pixdim: [number, number, number];
  qformCode: number;
  sformCode: number;
  /** quatern_b, c, d, qoffset_x, y, z. */
  quatern: [number, number, number, number, number, number];
  /** qfac (pixdim[0]): +1 or -1. */
  qfac: number;
  /** srow_x, srow_y, srow_z (row-major 3 x 4). */
  srow: number[];
  xyztUnits: number;
}

export interface NiftiVolume {
  /** Spatial sizes in NIfTI order [ni, nj, nk] (nk = 1 for a 2D image). */
  dims: [number, number, number];
  /** Voxel values after scl_slope/scl_inter, i fastest. */
  data: Float32Array;
  /** The stored datatype (before scaling). */
  datatype: NiftiDatatype;
  geometry: NiftiGeometry;
  /** Voxel-to-world matrix (4 x 4 row-major) from the sform, else the qform, else the voxel sizes. */
  affine: number[];
}

/** Geometry for data made from nothing: 1 mm (or `pixdim`) voxels at the origin, sform = scaling. */
export function defaultGeometry(pixdim: [number, number, number] = [1, 1, 1]): NiftiGeometry {
  return {
    pixdim, qformCode: 0, sformCode: 2, quatern: [0, 0, 0, 0, 0, 0], qfac: 1,
    srow: [pixdim[0], 0, 0, 0, 0, pixdim[1], 0, 0, 0, 0, pixdim[2], 0], xyztUnits: 2,
  };
}

/**
 * The geometry of a volume down-sampled by integer factors [ki, kj, kk] (NIfTI axis order; 1 on an
 * axis kept as is): voxels grow, and voxel p's centre moves to the centre of the block it averages.
 */
export function scaleGeometry(g: NiftiGeometry, k: number | [number, number, number]): NiftiGeometry {
  const f = typeof k === 'number' ? [k, k, k] : k;
  if (f.every((v) => v === 1)) return g;
  // New voxel p covers old voxels f p .. f p + f - 1, centred at f p + (f - 1) / 2.
  const srow = g.srow.slice();
  for (let r = 0; r < 3; r++) {
    const row = g.srow.slice(4 * r, 4 * r + 4);
    srow[4 * r + 3] = row[3]! + row.slice(0, 3).reduce((a, v, c) => a + ((f[c]! - 1) / 2) * v, 0);
    for (let c = 0; c < 3; c++) srow[4 * r + c] = row[c]! * f[c]!;
  }
  // The qform would need its offset recomputed: the result is stated by its sform only.
  return { ...g, pixdim: [g.pixdim[0] * f[0]!, g.pixdim[1] * f[1]!, g.pixdim[2] * f[2]!], srow, qformCode: 0, sformCode: g.sformCode || 2 };
}

function affineOf(g: NiftiGeometry): number[] {
  if (g.sformCode > 0) return [...g.srow, 0, 0, 0, 1];
  if (g.qformCode > 0) {
    const [b, c, d, qx, qy, qz] = g.quatern;
    const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
    const R = [
      a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c),
      2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b),
      2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b,
    ];
    const s = [g.pixdim[0], g.pixdim[1], g.pixdim[2] * (g.qfac < 0 ? -1 : 1)];
    return [
      R[0]! * s[0]!, R[1]! * s[1]!, R[2]! * s[2]!, qx,
      R[3]! * s[0]!, R[4]! * s[1]!, R[5]! * s[2]!, qy,
      R[6]! * s[0]!, R[7]! * s[1]!, R[8]! * s[2]!, qz,
      0, 0, 0, 1,
    ];
  }
  return [g.pixdim[0], 0, 0, 0, 0, g.pixdim[1], 0, 0, 0, 0, g.pixdim[2], 0, 0, 0, 0, 1];
}

async function pipeBytes(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const source = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();
  return new Uint8Array(await new Response(source.pipeThrough(stream as unknown as TransformStream<Uint8Array, Uint8Array>)).arrayBuffer());
}

export class NiftiError extends FormatError {
  constructor(source: string, message: string, entry?: string) {
    super(source, message, entry);
    this.name = 'NiftiError';
  }
}
const niftiError = (source: string, message: string) => new NiftiError(source, message);

/** Every datatype code NIfTI-1 defines, for messages (only those in CODE_OF are read). */
const DATATYPE_NAMES: Record<number, string> = {
  0: 'unknown', 1: 'binary', 2: 'uint8', 4: 'int16', 8: 'int32', 16: 'float32', 32: 'complex64', 64: 'float64',
  128: 'rgb24', 256: 'int8', 512: 'uint16', 768: 'uint32', 1024: 'int64', 1280: 'uint64', 1536: 'float128',
  1792: 'complex128', 2048: 'complex256', 2304: 'rgba32',
};

/** Gunzips `bytes` (at most the decompression ceiling); a truncated or corrupt stream is a NiftiError naming `source`. */
export async function gunzip(bytes: Uint8Array, source: string): Promise<Uint8Array> {
  return inflateBounded(bytes, 'gzip', decompressionCeiling(), source, niftiError, 'the decompression ceiling allows');
}

export function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  return pipeBytes(bytes, new CompressionStream('gzip'));
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * Reads a .nii or .nii.gz (detected by its gzip magic, not its name); `source` names it in errors.
 * A .nii.gz is inflated header first: the header says how many bytes the image holds, and inflation
 * stops (with a NiftiError) as soon as the stream passes that, so a decompression bomb costs one chunk.
 */
export async function readNifti(bytes: Uint8Array, source: string): Promise<NiftiVolume> {
  await loadIoKernels(); // compiles the voxel decoder asynchronously, so parseNifti need not
  if (!isGzip(bytes)) return parseNifti(bytes, source);
  const head = inflateHead(bytes, 'gzip', 352, source, niftiError);
  const h = parseHeader(head, source, false);
  const raw = await inflateBounded(bytes, 'gzip', h.need, source, niftiError, `its header (${h.dims.join(' x ')} ${h.datatype} at vox_offset ${h.voxOffset}) declares`);
  return parseNifti(raw, source);
}

interface NiftiHeader {
  le: boolean;
  dims: [number, number, number];
  datatype: NiftiDatatype;
  voxOffset: number;
  slope: number;
  inter: number;
  /** Bytes the file must hold: vox_offset + voxels x datatype size. */
  need: number;
}

/** Checks every header field this reader uses; `full` also checks the file holds the voxels. */
function parseHeader(b: Uint8Array, source: string, full: boolean): NiftiHeader {
  const fail = (field: string, message: string) => new NiftiError(source, message, field);
  if (b.length < 4) throw new NiftiError(source, `${b.length} bytes is too short for a NIfTI-1 header (348 bytes)`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let le: boolean;
  const size = v.getInt32(0, true), sizeBe = v.getInt32(0, false);
  if (size === 540 || sizeBe === 540) throw fail('sizeof_hdr', 'is 540: a NIfTI-2 file, which is not supported; save it as NIfTI-1 (e.g. nibabel.Nifti1Image)');
  if (b.length < 348) throw new NiftiError(source, `${b.length} bytes is too short for a NIfTI-1 header (348 bytes)`);
  if (size === 348) le = true;
  else if (sizeBe === 348) le = false;
  else throw fail('sizeof_hdr', `is ${size}, expected 348: not a NIfTI-1 file`);
  const magic = String.fromCharCode(b[344]!, b[345]!, b[346]!, b[347]!);
  if (magic === 'ni1\0') throw fail('magic', '"ni1": a two-file NIfTI (.hdr/.img) is not supported; convert it to a single .nii');
  if (magic === 'n+2\0' || magic === 'ni2\0') throw fail('magic', 'is a NIfTI-2 magic, which is not supported; save it as NIfTI-1');
  if (magic !== 'n+1\0') throw fail('magic', `"${magic.replace(/[^\x20-\x7e]/g, '?')}", expected "n+1" (a NIfTI-1 single file; Analyze 7.5 is not supported)`);
  const i16 = (o: number) => v.getInt16(o, le), f32 = (o: number) => v.getFloat32(o, le);
  const ndim = i16(40);
  if (ndim < 1 || ndim > 7) throw fail('dim[0]', `is ${ndim}, expected 1 to 7`);
  const dimAll = Array.from({ length: 7 }, (_, i) => (i < ndim ? i16(42 + 2 * i) : 1));
  if (dimAll.some((d) => d < 1)) throw fail('dim', `[${dimAll.slice(0, ndim).join(', ')}] include a size < 1`);
  const extra = dimAll.slice(3).reduce((a, c) => a * c, 1);
  if (extra !== 1) throw fail('dim', `${ndim}-D image [${dimAll.slice(0, ndim).join(', ')}] has more than one volume; expected a single 2D or 3D image`);
  const dims: [number, number, number] = [dimAll[0]!, dimAll[1]!, dimAll[2]!];
  const code = i16(70);
  const datatype = TYPE_OF.get(code);
  if (!datatype) {
    const name = DATATYPE_NAMES[code];
    throw fail('datatype', `${code}${name ? ` (${name})` : ' (not a NIfTI-1 datatype)'} is not supported; the reader takes ${Object.entries(CODE_OF).map(([k, c]) => `${c} (${k})`).join(', ')}`);
  }
  const bitpix = i16(72);
  if (bitpix !== 8 * BYTES_OF[datatype]) throw fail('bitpix', `is ${bitpix}, but datatype ${code} (${datatype}) has ${8 * BYTES_OF[datatype]} bits`);
  const rawOffset = f32(108);
  if (!Number.isFinite(rawOffset) || !Number.isInteger(rawOffset)) throw fail('vox_offset', `is ${rawOffset}, expected a whole number of bytes`);
  if (rawOffset < 348) throw fail('vox_offset', `is ${rawOffset}: inside the 348-byte header`);
  const voxOffset = rawOffset;
  // scl_slope 0 means "not scaled" (the standard); like nibabel, a NaN or infinite slope means the same.
  let slope = f32(112), inter = f32(116);
  if (!Number.isFinite(slope) || slope === 0) { slope = 1; inter = 0; }
  else if (!Number.isFinite(inter)) throw fail('scl_inter', `is ${inter} with scl_slope ${slope}, expected a finite number`);
  if (slope !== 1 || inter !== 0) {
    const lim: Partial<Record<NiftiDatatype, number>> = { uint8: 255, int8: 128, int16: 32768, uint16: 65535, int32: 2147483648 };
    const m = lim[datatype];
    if (m !== undefined && !Number.isFinite(Math.fround(Math.abs(slope) * m + Math.abs(inter)))) {
      throw fail('scl_slope', `${slope} and scl_inter ${inter} take ${datatype} values past the float32 range`);
    }
  }
  for (const [i, o] of [[1, 80], [2, 84], [3, 88]] as const) {
    const p = f32(o);
    if (!Number.isFinite(p) || p < 0) throw fail(`pixdim[${i}]`, `is ${p}, expected a voxel size >= 0 (0 is read as 1)`);
  }
  const qfac = f32(76);
  if (!Number.isFinite(qfac)) throw fail('pixdim[0]', `(qfac) is ${qfac}, expected 1 or -1`);
  const qformCode = i16(252), sformCode = i16(254);
  if (qformCode < 0 || qformCode > 5) throw fail('qform_code', `is ${qformCode}, expected 0 to 5`);
  if (sformCode < 0 || sformCode > 5) throw fail('sform_code', `is ${sformCode}, expected 0 to 5`);
  if (qformCode > 0) for (let i = 0; i < 6; i++) if (!Number.isFinite(f32(256 + 4 * i))) throw fail(['quatern_b', 'quatern_c', 'quatern_d', 'qoffset_x', 'qoffset_y', 'qoffset_z'][i]!, `is ${f32(256 + 4 * i)} with qform_code ${qformCode}, expected a finite number`);
  if (sformCode > 0) for (let i = 0; i < 12; i++) if (!Number.isFinite(f32(280 + 4 * i))) throw fail(`srow_${'xyz'[Math.floor(i / 4)]}[${i % 4}]`, `is ${f32(280 + 4 * i)} with sform_code ${sformCode}, expected a finite number`);
  const n = dims[0] * dims[1] * dims[2];
  const need = voxOffset + n * BYTES_OF[datatype];
  if (full && b.length < need) {
    throw fail('dim', `${dims.join(' x ')} of ${datatype} at vox_offset ${voxOffset} need ${need} bytes, the file has ${b.length} (truncated, or the header's dimensions are wrong)`);
  }
  return { le, dims, datatype, voxOffset, slope, inter, need };
}

/** Parses an uncompressed single-file NIfTI-1 image. */
export function parseNifti(b: Uint8Array, source: string): NiftiVolume {
  const { le, dims, datatype, voxOffset, slope, inter, need } = parseHeader(b, source, true);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const f32 = (o: number) => v.getFloat32(o, le), i16 = (o: number) => v.getInt16(o, le);
  const n = dims[0] * dims[1] * dims[2];
  const size = BYTES_OF[datatype];
  // Voxels -> float32 (byte order, x * slope + inter in f64): the AssemblyScript kernel in assembly/io/nifti.ts.
  const data = ioKernels().decodeVoxels(b.subarray(voxOffset, need), n, CODE_OF[datatype], le, slope, inter);
  // float64 voxels (or float voxels scaled) past the float32 range would become Infinity silently.
  if (datatype === 'float64' || ((datatype === 'float32') && (slope !== 1 || inter !== 0))) {
    const read = (o: number) => (datatype === 'float64' ? v.getFloat64(o, le) : v.getFloat32(o, le));
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(data[i]!) && Number.isFinite(read(voxOffset + i * size))) {
        throw new NiftiError(source, `${read(voxOffset + i * size)}${slope !== 1 || inter !== 0 ? ` scaled by scl_slope ${slope}, scl_inter ${inter}` : ''} is past the float32 range`, `voxel ${i}`);
      }
    }
  }
  const geometry: NiftiGeometry = {
    pixdim: [f32(80), f32(84), f32(88)].map((p) => (p > 0 ? p : 1)) as [number, number, number],
    qfac: f32(76) < 0 ? -1 : 1,
    qformCode: i16(252), sformCode: i16(254),
    quatern: [f32(256), f32(260), f32(264), f32(268), f32(272), f32(276)],
    srow: Array.from({ length: 12 }, (_, i) => f32(280 + 4 * i)),
    xyztUnits: b[123]!,
  };
  return { dims, data, datatype, geometry, affine: affineOf(geometry) };
}

export interface NiftiWriteInput {
  dims: [number, number, number];
  data: ArrayLike<number>;
  datatype: NiftiDatatype;
  geometry: NiftiGeometry;
  description?: string;
}

/** Encodes an uncompressed .nii (vox_offset 352, no extensions, no scaling). Integer types round and clamp. */
export function encodeNifti(vol: NiftiWriteInput): Uint8Array {
  const { dims, data, datatype, geometry: g } = vol;
  const n = dims[0] * dims[1] * dims[2];
  if (data.length !== n) throw new Error(`encodeNifti: ${data.length} values for dimensions ${dims.join(' x ')} (${n} voxels)`);
  const size = BYTES_OF[datatype];
  const out = new Uint8Array(352 + n * size);
  const v = new DataView(out.buffer);
  v.setInt32(0, 348, true);
  v.setInt16(40, 3, true); // dim[0] = 3 even for 2D images (nk = 1), as the shared 2D slices have it
  for (let i = 0; i < 7; i++) v.setInt16(42 + 2 * i, i < 3 ? dims[i]! : 1, true);
  v.setInt16(70, CODE_OF[datatype], true);
  v.setInt16(72, 8 * size, true);
  v.setFloat32(76, g.qfac, true);
  for (let i = 0; i < 3; i++) v.setFloat32(80 + 4 * i, g.pixdim[i]!, true);
  v.setFloat32(108, 352, true);
  v.setFloat32(112, 1, true);
  v.setFloat32(116, 0, true);
  out[123] = g.xyztUnits;
  const desc = (vol.description ?? 'blendwarp').slice(0, 79);
  for (let i = 0; i < desc.length; i++) out[148 + i] = desc.charCodeAt(i) & 0x7f;
  v.setInt16(252, g.qformCode, true);
  v.setInt16(254, g.sformCode, true);
  g.quatern.forEach((q, i) => v.setFloat32(256 + 4 * i, q, true));
  g.srow.forEach((s, i) => v.setFloat32(280 + 4 * i, s, true));
  out.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
  const lim: Partial<Record<NiftiDatatype, [number, number]>> = {
    uint8: [0, 255], int8: [-128, 127], int16: [-32768, 32767], uint16: [0, 65535], int32: [-2147483648, 2147483647],
  };
  const write: (o: number, x: number) => void = {
    uint8: (o: number, x: number) => v.setUint8(o, x), int8: (o: number, x: number) => v.setInt8(o, x),
    int16: (o: number, x: number) => v.setInt16(o, x, true), uint16: (o: number, x: number) => v.setUint16(o, x, true),
    int32: (o: number, x: number) => v.setInt32(o, x, true), float32: (o: number, x: number) => v.setFloat32(o, x, true),
    float64: (o: number, x: number) => v.setFloat64(o, x, true),
  }[datatype];
  const range = lim[datatype];
  for (let i = 0, o = 352; i < n; i++, o += size) {
    let x = data[i]!;
    if (range) x = Math.min(range[1], Math.max(range[0], Math.round(x)));
    write(o, x);
  }
  return out;
}

/** Encodes a .nii.gz (or a plain .nii when `compress` is false). */
export async function writeNifti(vol: NiftiWriteInput, compress = true): Promise<Uint8Array> {
  const raw = encodeNifti(vol);
  return compress ? gzip(raw) : raw;
}
