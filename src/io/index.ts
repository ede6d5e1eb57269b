// blendwarp/io: file formats as bytes in, typed arrays out (no tensors, no node:*, the same in Node,
// Deno and browsers): NIfTI-1 (.nii, .nii.gz) read and write with the voxel-to-world affine, npy/npz,
// safetensors, PNG (write), WAV (read/write), IDX (MNIST), the G-Blend manifest, and the BlobStore.
//
//   import { readFile, writeFile } from 'node:fs/promises';
//   import { readNifti, writeNifti } from 'blendwarp/io';
//   const vol = await readNifti(await readFile('scan.nii.gz'), 'scan.nii.gz'); // dims [ni, nj, nk], affine 4 x 4
//   const out = vol.data.map((v) => v * 2);
//   await writeFile('twice.nii.gz', await writeNifti({ dims: vol.dims, data: out, datatype: 'float32', geometry: vol.geometry }));
//   // or from a bare affine: geometry: geometryFromAffine(vol.affine)
import type { NiftiGeometry } from './nifti.js';

export {
  readNifti, parseNifti, writeNifti, encodeNifti, defaultGeometry, scaleGeometry, gzip, gunzip, NiftiError,
  type NiftiVolume, type NiftiGeometry, type NiftiDatatype, type NiftiWriteInput,
} from './nifti.js';
export { parseNpy, parseNpz, encodeNpy, npyToFloat32, NpyError, type NpyArray, type NpyData } from './npy.js';
export { encodeSafetensors, decodeSafetensors, SafetensorsError, type NamedArray, type SafeDType, type DecodedSafetensors } from './safetensors.js';
export { encodePng, crc32 } from './png.js';
export { parseWav, toMono, encodeWav, WavError, type WavAudio } from './wav.js';
export { parseIdx, IdxError, type IdxArray } from './idx.js';
export { parseManifest, type Manifest, type ManifestModality, type ManifestExample, type ModalityFormat } from './manifest.js';
export { MemoryStore, type BlobStore } from './checkpoint-store.js';
// Every reader's errors extend FormatError (file and field named); inflation is bounded by a ceiling.
export { FormatError } from './errors.js';
export { InflateLimitError, setDecompressionCeiling, decompressionCeiling, setInflater, type Inflater, type InflateFormat } from './inflate.js';
/**
 * Compiles the AssemblyScript kernels behind parseNifti, the audio features and down-sampling
 * asynchronously, ahead of their first (synchronous) use: only needed on the main thread of a
 * Chrome older than 114, which refuses synchronous compilation; elsewhere it merely moves the
 * compilation off the first call (docs/io-kernels.md).
 */
export { loadIoKernels } from './kernels.js';

/**
 * The NIfTI geometry stated by a voxel-to-world affine (4 x 4 or 3 x 4, row-major, millimetres):
 * sform_code 2 (aligned), no qform, voxel sizes from the column norms. `writeNifti` with it writes a
 * file whose `readNifti(...).affine` is the given matrix (to float32 precision).
 */
export function geometryFromAffine(affine: ArrayLike<number>): NiftiGeometry {
  if (affine.length !== 16 && affine.length !== 12) {
    throw new Error(`geometryFromAffine: expected 16 (4 x 4) or 12 (3 x 4) numbers, row-major, got ${affine.length}`);
  }
  const srow = Array.from({ length: 12 }, (_, i) => Number(affine[i]));
  if (!srow.every(Number.isFinite)) throw new Error(`geometryFromAffine: the affine holds a non-finite value: [${srow.join(', ')}]`);
  const col = (c: number) => Math.hypot(srow[c]!, srow[4 + c]!, srow[8 + c]!);
  const pixdim: [number, number, number] = [col(0), col(1), col(2)];
  if (pixdim.some((p) => p === 0)) throw new Error(`geometryFromAffine: the affine is singular (a zero column): [${srow.join(', ')}]`);
  return { pixdim, qformCode: 0, sformCode: 2, quatern: [0, 0, 0, 0, 0, 0], qfac: 1, srow, xyztUnits: 2 };
}
export { readNiftiField, writeNiftiField, type NiftiField } from './nifti-field.js';
