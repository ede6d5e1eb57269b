// From files (bytes) to the pipeline's data: read NIfTI, check every scan against the atlas's grid,
// normalise, remap labels, take a 2D slice when asked, down-sample, pad to a multiple of 2^levels.
import { readNifti, scaleGeometry, type NiftiGeometry, type NiftiVolume } from '../io/nifti.js';
import {
  downsampleImage, downsampleLabels, extractSlice, normalizeIntensity, paddedShape, padVolume,
  labelIds, remapLabels, shapeOf, sliceGeometry, type Scan, type Shape3,
} from './preprocess.js';
import { FREESURFER_30, labelSetFor, parseLabelFile, type LabelSet } from './labels.js';
import { axisMapTo, describeAxes, isIdentity, reorient, type AxisMap } from './orient.js';
import { phantomCohort } from './phantoms.js';
import { defaultGeometry } from '../io/nifti.js';
import { npyToFloat32, parseNpy, parseNpz, type NpyArray } from '../io/npy.js';

export interface FileRef { name: string; bytes: Uint8Array }
export interface LabeledFiles { vol: FileRef; seg: FileRef }

export interface InputFiles {
  atlas: LabeledFiles;
  unlabeled: FileRef[];
  /**
   * Label maps of some unlabeled scans (same order; undefined where none): used ONLY to report the
   * spatial model's label-transfer Dice, never for training.
   */
  unlabeledSegs?: (FileRef | undefined)[];
  tests: LabeledFiles[];
  /** Labeled training scans (only the supervised upper bound uses them). */
  train?: LabeledFiles[];
  /** Labeled validation scans: model selection (segmenters kept at their best validation Dice), never reported. */
  val?: LabeledFiles[];
  /** Names the evaluated labels (FreeSurfer LUT or "id name" lines); default: the atlas's ids. */
  labels?: FileRef;
}

export interface PrepareOptions {
  /** Integer down-sampling factor (1 = none). */
  downsample: number;
  /** 2 takes one slice of 3D inputs; 3 requires 3D inputs; default: the inputs' own. */
  dims?: 2 | 3;
  /** Depth index (NIfTI k) of the slice for dims 2 on 3D inputs; default the middle. */
  slice?: number;
  /** Each axis longer than 1 is padded to a multiple of this (2^levels of the deepest U-Net). */
  multiple: number;
  /**
   * dims 2 on 3D inputs: each unlabeled volume also gives the slices at these offsets (+ and -)
   * from the atlas slice: neighbouring anatomy with real intensities, never from a test scan (SPEC).
   */
  extraSlices?: number[];
}

/** Everything the pipeline trains and evaluates on, on one padded grid. */
export interface SynthData {
  atlas: Scan;
  unlabeled: Scan[];
  tests: Scan[];
  train: Scan[];
  /** Validation scans with labels (model selection only; may be absent). */
  val?: Scan[];
  /** The padded grid [D, H, W] every scan is on. */
  shape: Shape3;
  /** The grid before padding: outputs are cropped back to it. */
  cropShape: Shape3;
  /** World geometry of the cropped grid (outputs overlay the down-sampled inputs). */
  geometry: NiftiGeometry;
  dims: 2 | 3;
  /** The evaluated labels (class index k = labelSet.labels[k - 1]). */
  labelSet: LabelSet;
  /** Facts a report should state (e.g. slices used, down-sampling, labels, reoriented inputs). */
  notes: string[];
}

interface Loaded { ref: FileRef; vol: NiftiVolume; axes?: AxisMap }

/**
 * Reads a NIfTI (.nii, .nii.gz) or a NumPy array (.npy, or VoxelMorph's .npz with 'vol' and 'seg').
 * A NumPy array (A, B, C) is VoxelMorph's (i, j, k): it is reordered to NIfTI's i-fastest layout so
 * both formats land on the same [D, H, W] = [k, j, i] grid; NumPy files carry no geometry (1 mm,
 * identity), so they must not be mixed with NIfTI files of another geometry.
 */
async function load(ref: FileRef, role: 'image' | 'labels'): Promise<Loaded> {
  const lower = ref.name.toLowerCase();
  if (!lower.endsWith('.npz') && !lower.endsWith('.npy')) return { ref, vol: await readNifti(ref.bytes, ref.name) };
  let arr: NpyArray;
  if (lower.endsWith('.npy')) arr = parseNpy(ref.bytes, ref.name);
  else {
    const entries = await parseNpz(ref.bytes, ref.name);
    const key = role === 'image' ? 'vol' : 'seg';
    const pick = entries.get(key) ?? (entries.size === 1 ? [...entries.values()][0] : undefined);
    if (!pick) throw new Error(`${ref.name}: no "${key}" array (has ${[...entries.keys()].join(', ') || 'none'}); VoxelMorph's .npz holds "vol" and "seg"`);
    arr = pick;
  }
  const shape = arr.shape.filter((s, i) => !(s === 1 && (i === 0 || i === arr.shape.length - 1) && arr.shape.length > 3));
  if (shape.length < 2 || shape.length > 3) throw new Error(`${ref.name}: array of shape (${arr.shape.join(', ')}) is not a 2D or 3D volume`);
  const [a, b, c = 1] = shape as [number, number, number?];
  const src = npyToFloat32(arr);
  const data = new Float32Array(src.length);
  // C order (last axis fastest) -> NIfTI order (first axis fastest).
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let k = 0; k < c; k++) data[(k * b + j) * a + i] = src[(i * b + j) * c + k]!;
  const datatype = arr.dtype.endsWith('u1') ? 'uint8' : arr.dtype.includes('i') || arr.dtype.includes('u') ? 'int32' : 'float32';
  const geometry = defaultGeometry();
  return { ref, vol: { dims: [a, b, c], data, datatype, geometry, affine: [...geometry.srow, 0, 0, 0, 1] } };
}

export async function prepareData(files: InputFiles, o: PrepareOptions): Promise<SynthData> {
  if (!Number.isInteger(o.downsample) || o.downsample < 1) throw new Error(`--downsample: expected an integer >= 1, got ${o.downsample}`);
  if (files.unlabeled.length === 0) throw new Error('no unlabeled scans: the spatial and appearance models learn from them (give --unlabeled VOL...)');
  if (files.tests.length === 0) throw new Error('no test scans: evaluation needs --test VOL:SEG');
  const atlas = await load(files.atlas.vol, 'image'), atlasSeg = await load(files.atlas.seg, 'labels');
  const unl = await Promise.all(files.unlabeled.map((u) => load(u, 'image')));
  const unlSeg = await Promise.all(files.unlabeled.map((_, i) => (files.unlabeledSegs?.[i] ? load(files.unlabeledSegs[i]!, 'labels') : undefined)));
  const pair = async (t: LabeledFiles) => [await load(t.vol, 'image'), await load(t.seg, 'labels')] as const;
  const tests = await Promise.all(files.tests.map(pair));
  const train = await Promise.all((files.train ?? []).map(pair));
  const val = await Promise.all((files.val ?? []).map(pair));
  const refName = atlas.ref.name;
  const notes: string[] = [];
  // One orientation (the atlas's voxel axes): permuted/flipped grids are reoriented, others refused.
  for (const l of [atlasSeg, ...unl, ...unlSeg.filter((x): x is Loaded => !!x), ...tests.flat(), ...train.flat(), ...val.flat()]) {
    const axes = axisMapTo(atlas.vol, refName, l.vol, l.ref.name);
    if (!isIdentity(axes)) {
      l.vol = reorient(l.vol, axes);
      l.axes = axes;
      notes.push(`${baseName(l.ref.name)}: voxel axes brought to the atlas's orientation (${describeAxes(axes)}); its outputs are written back in its own`);
    }
  }
  const { set: labelSet, notes: labelNotes } = labelSetFor(labelIds(atlasSeg.vol), atlasSeg.ref.name,
    files.labels ? { labels: parseLabelFile(new TextDecoder().decode(files.labels.bytes), files.labels.name), name: files.labels.name } : undefined);
  notes.push(...labelNotes);
  const dropped = new Map<number, number>();

  const full = shapeOf(atlas.vol);
  const inDims = full[0] === 1 ? 2 : 3;
  const dims = o.dims ?? inDims;
  if (dims === 3 && inDims === 2) throw new Error(`--dims 3: ${refName} is a 2D image (${atlas.vol.dims.join(' x ')})`);
  const sliceAt = dims === 2 && inDims === 3 ? (o.slice ?? Math.floor(full[0] / 2)) : null;
  if (sliceAt !== null) notes.push(`2D: coronal slice k = ${sliceAt} of each 3D volume`);
  if (o.downsample > 1) notes.push(`down-sampled by ${o.downsample} (mean for images, majority for labels)`);

  let geometry = atlas.vol.geometry;
  let shape: Shape3 = full;
  if (sliceAt !== null) { geometry = sliceGeometry(geometry, sliceAt); shape = [1, full[1], full[2]]; }
  const take = <T extends Float32Array | Int32Array>(d: T): T => (sliceAt === null ? d : extractSlice(d, full, sliceAt));
  const cropShape = (() => {
    const f = shape.map((s) => (s > 1 ? o.downsample : 1));
    return shape.map((s, i) => Math.floor(s / f[i]!)) as Shape3;
  })();
  const padded = paddedShape(cropShape, o.multiple);
  const image = (l: Loaded): Float32Array => {
    const d = downsampleImage(take(normalizeIntensity(l.vol, l.ref.name)), shape, o.downsample);
    return padVolume(d.data, d.shape, padded);
  };
  const labels = (l: Loaded): Int32Array => {
    const d = downsampleLabels(take(remapLabels(l.vol, l.ref.name, labelSet, l === atlasSeg ? undefined : dropped)), shape, o.downsample);
    if (!d.data.some((v) => v > 0)) throw new Error(`${l.ref.name}: no evaluation label is left after slicing/down-sampling`);
    return padVolume(d.data, d.shape, padded);
  };
  const scan = (l: Loaded, seg?: Loaded): Scan => ({
    name: baseName(l.ref.name), shape: padded, image: image(l), labels: seg ? labels(seg) : undefined, geometry,
    ...(l.axes ? { axes: l.axes } : {}),
  });
  const offsets = sliceAt === null ? [] : [...new Set((o.extraSlices ?? []).flatMap((d) => [-Math.abs(d), Math.abs(d)]).filter((d) => d !== 0))];
  const extra = offsets.flatMap((off) => unl.map((u): Scan => {
    const k = sliceAt! + off;
    if (k < 0 || k >= full[0]) throw new Error(`--extra-slices: slice ${k} is outside ${u.ref.name} (depth ${full[0]})`);
    const d = downsampleImage(extractSlice(normalizeIntensity(u.vol, u.ref.name), full, k), shape, o.downsample);
    return { name: `${baseName(u.ref.name)}_slice${k}`, shape: padded, image: padVolume(d.data, d.shape, padded), geometry };
  }));
  if (extra.length) notes.push(`extra unlabeled slices at offsets ${offsets.join(', ')} from each unlabeled volume (${extra.length} images)`);
  const out = {
    atlas: scan(atlas, atlasSeg),
    unlabeled: [...unl.map((u, i) => scan(u, unlSeg[i])), ...extra],
    tests: tests.map(([v, s]) => scan(v, s)),
    train: train.map(([v, s]) => scan(v, s)),
    val: val.map(([v, s]) => scan(v, s)),
  };
  if (dropped.size) {
    const ids = [...dropped.keys()].sort((a, b) => a - b);
    notes.push(`labels: ids ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ', ...' : ''} in test/train label maps are not evaluated labels: treated as background (${[...dropped.values()].reduce((a, b) => a + b, 0)} voxels)`);
  }
  return {
    ...out, labelSet,
    shape: padded, cropShape, geometry: scaleGeometry(geometry, [shape[2] > 1 ? o.downsample : 1, shape[1] > 1 ? o.downsample : 1, shape[0] > 1 ? o.downsample : 1]), dims, notes,
  };
}

/** The file name without folders and NIfTI extensions (names outputs and report rows). */
export function baseName(path: string): string {
  return path.replace(/^.*[\\/]/, '').replace(/\.(nii(\.gz)?|npz|npy)$/i, '');
}

/** The embedded default: a phantom cohort (no files), 2D [1, 96, 80] or 3D [48, 56, 48] unless given. */
export function phantomData(o: { dims: 2 | 3; shape?: Shape3; unlabeled?: number; tests?: number; seed?: number; multiple: number }): SynthData {
  const shape: Shape3 = o.shape ?? (o.dims === 2 ? [1, 96, 80] : [48, 56, 48]);
  const c = phantomCohort(shape, { unlabeled: o.unlabeled ?? 6, tests: o.tests ?? 2 }, o.seed ?? 1);
  const padded = paddedShape(shape, o.multiple);
  const pad = (s: Scan): Scan => ({ ...s, shape: padded, image: padVolume(s.image, shape, padded), labels: s.labels && padVolume(s.labels, shape, padded) });
  return {
    atlas: pad(c.atlas), unlabeled: c.unlabeled.map(pad), tests: c.tests.map(pad), train: [],
    shape: padded, cropShape: shape, geometry: defaultGeometry(), dims: o.dims, labelSet: FREESURFER_30,
    notes: [`generated phantoms (${shape.join(' x ')}): atlas, ${c.unlabeled.length} unlabeled, ${c.tests.length} test subjects`],
  };
}
