// Preprocessing of scans into the pipeline's grid: intensity normalisation to [0, 1], integer
// down-sampling (average for images, majority for labels), padding to a multiple of 2^levels,
// remapping label maps to the 30 evaluation classes, and 2D slice extraction.
// Volumes here are row-major [D, H, W] arrays (NIfTI's k, j, i: no transpose is ever needed).
import { ioKernels } from '../io/kernels.js';
import type { NiftiGeometry, NiftiVolume } from '../io/nifti.js';
import { classIndex, EVAL_LABELS } from './labels.js';

export type Shape3 = [number, number, number];

/** One scan on the pipeline's grid. */
export interface Scan {
  name: string;
  /** [D, H, W]. */
  shape: Shape3;
  /** Intensities in [0, 1]. */
  image: Float32Array;
  /** Class indices (0 background, 1..30 the evaluation labels), when the scan is labeled. */
  labels?: Int32Array;
  geometry: NiftiGeometry;
}

export function shapeOf(vol: NiftiVolume): Shape3 {
  return [vol.dims[2], vol.dims[1], vol.dims[0]];
}

/**
 * Intensities scaled to [0, 1]: uint8 data by 1/255 (FreeSurfer "norm" volumes stored as bytes),
 * data already in [0, 1] kept, anything else by its 99.9th percentile then clipped. NaN/Inf voxels
 * are an error naming the file (the losses would silently turn them into NaN weights).
 */
export function normalizeIntensity(vol: NiftiVolume, source: string): Float32Array {
  const d = vol.data;
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!Number.isFinite(v)) {
      const [ni, nj] = vol.dims;
      throw new Error(`${source}: voxel (${i % ni}, ${Math.floor(i / ni) % nj}, ${Math.floor(i / (ni * nj))}) is ${v}; images must be finite`);
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (max === min) throw new Error(`${source}: the image is constant (${min}); nothing to register or segment`);
  if (vol.datatype === 'uint8' && min >= 0) return d.map((v) => v / 255);
  if (min >= 0 && max <= 1) return d.slice();
  const sorted = d.slice().sort();
  const hi = sorted[Math.min(sorted.length - 1, Math.floor(0.999 * sorted.length))]!;
  const lo = Math.min(0, min);
  const scale = hi > lo ? 1 / (hi - lo) : 1 / (max - lo);
  return d.map((v) => Math.min(1, Math.max(0, (v - lo) * scale)));
}

/**
 * FreeSurfer label values -> class indices (0 background, k for EVAL_LABELS[k-1]; other labels
 * become background). Errors name the file: non-integer values, negative values, or none of the 30.
 */
export function remapLabels(vol: NiftiVolume, source: string): Int32Array {
  const d = vol.data;
  const out = new Int32Array(d.length);
  let found = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!Number.isInteger(v) || v < 0) {
      throw new Error(`${source}: voxel ${i} holds ${v}; a label map must hold non-negative integers (is this an image rather than a segmentation?)`);
    }
    const k = classIndex(v);
    out[i] = k;
    if (k > 0) found++;
  }
  if (found === 0) {
    throw new Error(`${source}: the label map holds none of the ${EVAL_LABELS.length} evaluation labels (FreeSurfer ${EVAL_LABELS.slice(0, 5).map((l) => l.value).join(', ')}, ...)`);
  }
  return out;
}

/**
 * Checks that `other` lies on the grid of `ref`: same dimensions and the same voxel-to-world matrix.
 * A 2D slice (nk = 1) may sit at another position along its normal (slices taken at neighbouring
 * positions are legitimate extra images), so a translation along that axis is allowed.
 */
export function checkSameGrid(ref: NiftiVolume, refName: string, other: NiftiVolume, otherName: string): void {
  if (ref.dims.some((d, i) => d !== other.dims[i])) {
    throw new Error(`${otherName}: dimensions ${other.dims.join(' x ')} differ from ${refName} (${ref.dims.join(' x ')}); resample both onto one grid first`);
  }
  const a = ref.affine, b = other.affine;
  const scale = Math.max(1e-6, Math.abs(a[0]!) + Math.abs(a[5]!) + Math.abs(a[10]!));
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) {
    if (Math.abs(a[4 * r + c]! - b[4 * r + c]!) > 1e-3 * scale) {
      throw new Error(`${otherName}: its voxel-to-world matrix differs from ${refName}'s (row ${r}: [${b.slice(4 * r, 4 * r + 3).map((x) => x.toFixed(3)).join(', ')}] vs [${a.slice(4 * r, 4 * r + 3).map((x) => x.toFixed(3)).join(', ')}]): not on one grid`);
    }
  }
  const t = [b[3]! - a[3]!, b[7]! - a[7]!, b[11]! - a[11]!];
  if (ref.dims[2] === 1) {
    const n = [a[2]!, a[6]!, a[10]!];
    const nn = n[0]! ** 2 + n[1]! ** 2 + n[2]! ** 2;
    if (nn > 0) {
      const p = (t[0]! * n[0]! + t[1]! * n[1]! + t[2]! * n[2]!) / nn;
      for (let i = 0; i < 3; i++) t[i]! -= p * n[i]!;
    }
  }
  const off = Math.hypot(t[0]!, t[1]!, t[2]!);
  if (off > 0.01 * scale) {
    throw new Error(`${otherName}: its origin is ${off.toFixed(2)} mm away from ${refName}'s: not on one grid (affine alignment must come first)`);
  }
}

function blockFactors(shape: Shape3, k: number): { f: Shape3; out: Shape3 } {
  if (!Number.isInteger(k) || k < 1) throw new Error(`downsample: factor ${k} must be an integer >= 1`);
  const f = shape.map((s) => (s > 1 ? k : 1)) as Shape3;
  const out = shape.map((s, i) => Math.floor(s / f[i]!)) as Shape3;
  if (out.some((s) => s < 1)) throw new Error(`downsample: factor ${k} is larger than the volume ${shape.join(' x ')}`);
  return { f, out };
}

function checkLength(data: ArrayLike<number>, shape: Shape3): void {
  const n = shape[0] * shape[1] * shape[2];
  if (data.length !== n) throw new Error(`downsample: ${data.length} voxels for shape ${shape.join(' x ')} (${n} expected)`);
}

/**
 * Integer down-sampling by k on each axis longer than 1: the mean of each k-block (the remainder is
 * dropped). AssemblyScript kernel (assembly/io/resample.ts).
 */
export function downsampleImage(data: Float32Array, shape: Shape3, k: number): { data: Float32Array; shape: Shape3 } {
  if (k === 1) return { data, shape };
  const { f, out } = blockFactors(shape, k);
  checkLength(data, shape);
  return { data: ioKernels().downsample(data, shape, f), shape: out };
}

/**
 * Integer down-sampling of a label map: the most frequent class of each k-block (ties: the smallest
 * index; classes are taken & 255). AssemblyScript kernel (assembly/io/resample.ts).
 */
export function downsampleLabels(data: Int32Array, shape: Shape3, k: number): { data: Int32Array; shape: Shape3 } {
  if (k === 1) return { data, shape };
  const { f, out } = blockFactors(shape, k);
  checkLength(data, shape);
  return { data: ioKernels().downsample(data, shape, f), shape: out };
}

/** The padded shape: each axis longer than 1 rounded up to a multiple of `multiple`. */
export function paddedShape(shape: Shape3, multiple: number): Shape3 {
  return shape.map((s) => (s > 1 ? Math.ceil(s / multiple) * multiple : 1)) as Shape3;
}

/** Zero-pads after the end of each axis (so voxel (0,0,0) and the geometry stay put). */
export function padVolume<T extends Float32Array | Int32Array>(data: T, shape: Shape3, to: Shape3): T {
  if (shape.every((s, i) => s === to[i])) return data;
  const out = new (data.constructor as { new(n: number): T })(to[0] * to[1] * to[2]);
  for (let z = 0; z < shape[0]; z++) for (let y = 0; y < shape[1]; y++) {
    out.set(data.subarray((z * shape[1] + y) * shape[2], (z * shape[1] + y + 1) * shape[2]), (z * to[1] + y) * to[2]);
  }
  return out;
}

/** Inverse of padVolume: the leading `to` block of a `shape` volume. */
export function cropVolume<T extends Float32Array | Int32Array>(data: T, shape: Shape3, to: Shape3): T {
  if (shape.every((s, i) => s === to[i])) return data;
  const out = new (data.constructor as { new(n: number): T })(to[0] * to[1] * to[2]);
  for (let z = 0; z < to[0]; z++) for (let y = 0; y < to[1]; y++) {
    out.set(data.subarray((z * shape[1] + y) * shape[2], (z * shape[1] + y) * shape[2] + to[2]), (z * to[1] + y) * to[2]);
  }
  return out;
}

/** The 2D slice at depth index `index` (a coronal slice of the shared data), shape [1, H, W]. */
export function extractSlice<T extends Float32Array | Int32Array>(data: T, shape: Shape3, index: number): T {
  if (!Number.isInteger(index) || index < 0 || index >= shape[0]) throw new Error(`slice ${index} is outside depth 0..${shape[0] - 1}`);
  const n = shape[1] * shape[2];
  return data.slice(index * n, (index + 1) * n) as T;
}

/** Geometry of the slice at depth index `index` (NIfTI k = index), as a one-slice volume. */
export function sliceGeometry(g: NiftiGeometry, index: number): NiftiGeometry {
  const srow = g.srow.slice();
  for (let r = 0; r < 3; r++) srow[4 * r + 3] = g.srow[4 * r + 3]! + index * g.srow[4 * r + 2]!;
  return { ...g, srow, qformCode: 0, sformCode: g.sformCode || 2 };
}

