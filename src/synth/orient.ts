// Orientation: volumes whose voxel-to-world matrices differ from the atlas's only by a permutation
// and/or flips of the voxel axes (the same voxel grid written by another tool: LIA vs RAS, ...) are
// brought to the atlas's voxel axes, as nibabel's as_closest_canonical brings volumes to one
// orientation (here the atlas's, so its grid, slices and outputs stay as they were), and outputs
// about a scan are written back in that scan's own orientation. Grids that truly differ (voxel sizes,
// oblique rotations, shifts, dimensions) are refused with a message that says how.
// Volumes: NIfTI order, i fastest, dims [ni, nj, nk]; affines 4 x 4 row-major.
import type { NiftiGeometry, NiftiVolume } from '../io/nifti.js';
import type { Shape3 } from './preprocess.js';

/** How another volume's voxel axes map to the reference's: ref axis r <- other axis perm[r], reversed when flip[r]. */
export interface AxisMap {
  perm: [number, number, number];
  flip: [boolean, boolean, boolean];
}

export const IDENTITY_AXES: AxisMap = { perm: [0, 1, 2], flip: [false, false, false] };

export function isIdentity(m: AxisMap): boolean {
  return m.perm.every((p, i) => p === i) && m.flip.every((f) => !f);
}

const AXIS = ['i', 'j', 'k'];

/** "i <- -j, j <- k, k <- i" style description (for notes). */
export function describeAxes(m: AxisMap): string {
  return m.perm.map((p, r) => `${AXIS[r]} <- ${m.flip[r] ? '-' : ''}${AXIS[p]}`).join(', ');
}

function inv3x4(a: number[]): number[] {
  // Inverse of the 4 x 4 affine [R t; 0 1] (row-major, 16 entries).
  const [a0, a1, a2, , a4, a5, a6, , a8, a9, a10] = a as [number, number, number, number, number, number, number, number, number, number, number];
  const det = a0 * (a5 * a10 - a6 * a9) - a1 * (a4 * a10 - a6 * a8) + a2 * (a4 * a9 - a5 * a8);
  if (Math.abs(det) < 1e-12) throw new Error('singular voxel-to-world matrix');
  const r = [
    (a5 * a10 - a6 * a9) / det, (a2 * a9 - a1 * a10) / det, (a1 * a6 - a2 * a5) / det,
    (a6 * a8 - a4 * a10) / det, (a0 * a10 - a2 * a8) / det, (a2 * a4 - a0 * a6) / det,
    (a4 * a9 - a5 * a8) / det, (a1 * a8 - a0 * a9) / det, (a0 * a5 - a1 * a4) / det,
  ];
  const t = [a[3]!, a[7]!, a[11]!];
  const out = new Array<number>(16).fill(0);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) out[4 * i + j] = r[3 * i + j]!;
    out[4 * i + 3] = -(r[3 * i]! * t[0]! + r[3 * i + 1]! * t[1]! + r[3 * i + 2]! * t[2]!);
  }
  out[15] = 1;
  return out;
}

function mul4(a: number[], b: number[]): number[] {
  const out = new Array<number>(16).fill(0);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
    let s = 0;
    for (let k = 0; k < 4; k++) s += a[4 * i + k]! * b[4 * k + j]!;
    out[4 * i + j] = s;
  }
  return out;
}

/**
 * The axis map that brings `other` onto `ref`'s voxel grid, or an error saying how the grids differ.
 * A one-slice reference (nk = 1) may sit at another position along its normal (neighbouring slices
 * are legitimate extra images), so an offset along that axis is allowed.
 */
export function axisMapTo(ref: NiftiVolume, refName: string, other: NiftiVolume, otherName: string): AxisMap {
  const m = mul4(inv3x4(ref.affine), other.affine); // other voxel -> ref voxel
  const perm: number[] = [], flip: boolean[] = [];
  const colNorm = (a: number[], c: number) => Math.hypot(a[c]!, a[4 + c]!, a[8 + c]!);
  for (let r = 0; r < 3; r++) {
    const row = [m[4 * r]!, m[4 * r + 1]!, m[4 * r + 2]!];
    const c = row.map(Math.abs).indexOf(Math.max(...row.map(Math.abs)));
    const ok = Math.abs(Math.abs(row[c]!) - 1) < 1e-3 && row.every((v, k) => k === c || Math.abs(v) < 1e-3);
    if (!ok) {
      const refSizes = [0, 1, 2].map((k) => colNorm(ref.affine, k)), otherSizes = [0, 1, 2].map((k) => colNorm(other.affine, k));
      const sortedA = [...refSizes].sort(), sortedB = [...otherSizes].sort();
      const why = sortedA.some((v, k) => Math.abs(v - sortedB[k]!) > 1e-3 * Math.max(1, v))
        ? `its voxel sizes (${otherSizes.map((v) => v.toFixed(3)).join(' x ')} mm) differ from ${refName}'s (${refSizes.map((v) => v.toFixed(3)).join(' x ')} mm)`
        : `its voxel axes are rotated against ${refName}'s by an angle that is not a multiple of 90 degrees (an oblique grid: row ${r} of the voxel-to-voxel matrix is [${row.map((v) => v.toFixed(3)).join(', ')}])`;
      throw new Error(`${otherName}: not on one grid with ${refName}: ${why}; resample it onto ${refName}'s grid first`);
    }
    perm.push(c);
    flip.push(row[c]! < 0);
  }
  if (new Set(perm).size !== 3) throw new Error(`${otherName}: its voxel axes do not map one-to-one onto ${refName}'s`);
  const nRef = ref.dims, nOther = other.dims;
  for (let r = 0; r < 3; r++) {
    if (nOther[perm[r]!] !== nRef[r]) {
      throw new Error(`${otherName}: dimensions ${nOther.join(' x ')} differ from ${refName} (${nRef.join(' x ')})${perm.every((p, i) => p === i) ? '' : ` after bringing its axes to ${refName}'s orientation (${describeAxes({ perm, flip } as AxisMap)})`}; resample both onto one grid first`);
    }
  }
  const off = [0, 1, 2].map((r) => m[4 * r + 3]! - (flip[r] ? nRef[r]! - 1 : 0));
  if (nRef[2] === 1) off[2] = 0;
  if (off.some((v) => Math.abs(v) > 0.01)) {
    const mm = Math.hypot(...off.map((v, r) => v * colNorm(ref.affine, r)));
    throw new Error(`${otherName}: its grid is shifted against ${refName}'s by (${off.map((v) => v.toFixed(2)).join(', ')}) voxels (${mm.toFixed(2)} mm): not on one grid (affine alignment must come first)`);
  }
  return { perm: perm as AxisMap['perm'], flip: flip as AxisMap['flip'] };
}

/** The volume's data on the reference's voxel axes (dims = the reference's). */
export function reorient(vol: NiftiVolume, map: AxisMap): NiftiVolume {
  if (isIdentity(map)) return vol;
  const nb = vol.dims;
  const na = [nb[map.perm[0]]!, nb[map.perm[1]]!, nb[map.perm[2]]!] as [number, number, number];
  const data = remapAxes(vol.data, nb, na, map);
  return { ...vol, dims: na, data };
}

/** out (dims na, ref axes) from src (dims nb, other axes). */
function remapAxes<T extends Float32Array | Int32Array>(src: T, nb: readonly number[], na: readonly number[], map: AxisMap): T {
  const out = new (src.constructor as { new(n: number): T })(src.length);
  const strideB = [1, nb[0]!, nb[0]! * nb[1]!];
  const s = [0, 1, 2].map((r) => (map.flip[r] ? -1 : 1) * strideB[map.perm[r]!]!);
  const base = [0, 1, 2].reduce((acc, r) => acc + (map.flip[r] ? (na[r]! - 1) * strideB[map.perm[r]!]! : 0), 0);
  let o = 0;
  for (let k = 0; k < na[2]!; k++) for (let j = 0; j < na[1]!; j++) {
    let p = base + k * s[2]! + j * s[1]!;
    for (let i = 0; i < na[0]!; i++, p += s[0]!) out[o++] = src[p]!;
  }
  return out;
}

/**
 * A volume on the pipeline's grid (shape [D, H, W] = [nk, nj, ni] on the reference's axes, world
 * geometry `g`) written back in the other volume's own axis order: its data, NIfTI dims and geometry.
 */
export function toOwnOrientation<T extends Float32Array | Int32Array>(data: T, shape: Shape3, g: NiftiGeometry, map: AxisMap): { data: T; dims: [number, number, number]; geometry: NiftiGeometry } {
  const na = [shape[2], shape[1], shape[0]];
  if (isIdentity(map)) return { data, dims: na as [number, number, number], geometry: g };
  const nb = [0, 0, 0];
  for (let r = 0; r < 3; r++) nb[map.perm[r]!] = na[r]!;
  // out[ib] = in[ia] with ia_r = flip_r ? na_r - 1 - ib_perm[r] : ib_perm[r]: the inverse map.
  const inv: AxisMap = { perm: [0, 0, 0], flip: [false, false, false] };
  for (let r = 0; r < 3; r++) { inv.perm[map.perm[r]!] = r; inv.flip[map.perm[r]!] = map.flip[r]!; }
  const out = remapAxes(data, na, nb, inv);
  // world = G [ia; 1], ia = P ib + f: srow_out = G_3x3 P, offset = G f + t.
  const G = g.srow;
  const srow = new Array<number>(12).fill(0);
  for (let row = 0; row < 3; row++) {
    let t = G[4 * row + 3]!;
    for (let r = 0; r < 3; r++) {
      const sgn = map.flip[r] ? -1 : 1;
      srow[4 * row + map.perm[r]!] = G[4 * row + r]! * sgn;
      if (map.flip[r]) t += G[4 * row + r]! * (na[r]! - 1);
    }
    srow[4 * row + 3] = t;
  }
  const pixdim = [0, 0, 0] as [number, number, number];
  for (let r = 0; r < 3; r++) pixdim[map.perm[r]!] = g.pixdim[r]!;
  return { data: out, dims: nb as [number, number, number], geometry: { ...g, srow, pixdim, qformCode: 0, sformCode: g.sformCode || 2 } };
}
