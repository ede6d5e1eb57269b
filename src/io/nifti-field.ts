// Displacement fields in NIfTI, in the layout VoxelMorph's numpy side holds them: a nibabel array
// (I, J, K, 3) (NIfTI dim = [4, I, J, K, 3]), components (i, j, k) in voxels, stored i fastest and
// component slowest. Reads also (I, J, K, 1, 3) (the NIfTI vector convention, dim[5] = 3) and
// (3, I, J, K) is NOT guessed: VoxelMorph's PyTorch register.py writes warp.squeeze() = (3, I, J, K);
// move that axis last in numpy first. Bytes in, arrays out, as src/io/nifti.ts.
// blendwarp's own layout of the same field is [1, K, J, I, 3] with components (k, j, i):
// src/nn/vxm.ts fieldFromNiftiArray / fieldToNiftiArray convert.
import { encodeNifti, gunzip, gzip, parseNifti, type NiftiGeometry } from './nifti.js';

export interface NiftiField {
  /** NIfTI order: [I, J, K]. */
  dims: [number, number, number];
  /** (I, J, K, 3) values, i fastest, component slowest: data[((c * K + k) * J + j) * I + i]. */
  data: Float32Array;
  geometry: NiftiGeometry;
  affine: number[];
}

export async function readNiftiField(bytes: Uint8Array, source: string): Promise<NiftiField> {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? await gunzip(bytes, source) : bytes;
  if (raw.length < 348) throw new Error(`${source}: ${raw.length} bytes is too short for a NIfTI-1 header`);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = v.getInt32(0, true) === 348;
  const ndim = v.getInt16(40, le);
  const dim = Array.from({ length: 7 }, (_, i) => (i < ndim ? v.getInt16(42 + 2 * i, le) : 1));
  const [I, J, K] = dim as [number, number, number];
  const comps = ndim === 4 ? dim[3]! : ndim === 5 && dim[3] === 1 ? dim[4]! : 0;
  if (comps !== 3 || dim.slice(ndim).some((d) => d !== 1)) {
    throw new Error(`${source}: a displacement field must have NIfTI dims [I, J, K, 3] or [I, J, K, 1, 3], got [${dim.slice(0, ndim).join(', ')}]${dim[0] === 3 && ndim === 4 ? ' (a (3, I, J, K) array, as VoxelMorph\'s register.py saves warp.squeeze(): np.moveaxis(warp, 0, -1) first)' : ''}`);
  }
  // Each component parsed as a 3D volume (geometry, datatype, scaling as the 3D reader does them).
  const offset = Math.round(v.getFloat32(108, le));
  const vox = I * J * K;
  const probe = component(raw, le, offset, 0, 0, source);
  const size = { uint8: 1, int8: 1, int16: 2, uint16: 2, int32: 4, float32: 4, float64: 8 }[probe.datatype];
  if (raw.length < offset + 3 * vox * size) throw new Error(`${source}: [${I}, ${J}, ${K}, 3] ${probe.datatype} needs ${offset + 3 * vox * size} bytes, the file has ${raw.length}`);
  const data = new Float32Array(3 * vox);
  for (let c = 0; c < 3; c++) data.set(component(raw, le, offset, c, vox * size, source).data, c * vox);
  return { dims: [I, J, K], data, geometry: probe.geometry, affine: probe.affine };
}

/** Component c of a 4D file as a 3D NIfTI (header copied, dims set to [I, J, K], that volume's bytes). */
function component(raw: Uint8Array, le: boolean, offset: number, c: number, bytesPer: number, source: string) {
  const b = raw.slice(0, raw.length - 2 * bytesPer);
  if (c > 0) b.set(raw.subarray(offset + c * bytesPer, offset + (c + 1) * bytesPer), offset);
  const dv = new DataView(b.buffer);
  dv.setInt16(40, 3, le);
  for (let i = 3; i < 7; i++) dv.setInt16(42 + 2 * i, 1, le);
  return parseNifti(b, source);
}

/** Writes (I, J, K, 3) float32 (NIfTI dim [4, I, J, K, 3], intent NIFTI_INTENT_VECTOR), gzipped unless `compress` is false. */
export async function writeNiftiField(f: { dims: [number, number, number]; data: Float32Array; geometry: NiftiGeometry }, compress = true): Promise<Uint8Array> {
  const [I, J, K] = f.dims;
  const vox = I * J * K;
  if (f.data.length !== 3 * vox) throw new Error(`writeNiftiField: ${f.data.length} values for [${I}, ${J}, ${K}, 3]`);
  const head = encodeNifti({ dims: f.dims, data: f.data.subarray(0, vox), datatype: 'float32', geometry: f.geometry, description: 'blendwarp displacement (voxels)' });
  const out = new Uint8Array(352 + 3 * vox * 4);
  out.set(head.subarray(0, 352));
  const v = new DataView(out.buffer);
  v.setInt16(40, 4, true);
  v.setInt16(48, 3, true); // dim[4] = 3 components
  v.setInt16(68, 1007, true); // intent_code NIFTI_INTENT_VECTOR
  for (let q = 0; q < 3 * vox; q++) v.setFloat32(352 + 4 * q, f.data[q]!, true);
  return compress ? gzip(out) : out;
}
