// blendwarp/niivue: a small adapter between blendwarp's volumes and a niivue viewer (the npm package
// @niivue/niivue, a peer dependency). A face of the library, like src/cli and src/workers: it may use
// the DOM through niivue; nothing below it knows niivue exists.
//
// - toNVImage / fromNVImage: a volume { shape [D, H, W], data, affine } <-> niivue's NVImage (values,
//   dims and the voxel-to-world affine, so niivue orients it correctly);
// - addVolume / addLabels: put a volume in a viewer, a label map as an overlay with a FreeSurfer-style
//   colour table (freeSurferColormap);
// - register / synthesize / segment: run the learned-transformation pipeline on volumes already
//   loaded in a viewer (atlas + labels, unlabeled scans, a target) and add the results back.
//   They compute on the calling thread (call init('webgpu' | 'wasm') first to choose the backend);
//   the web app (web/) runs the same pipeline in a worker instead.
import { NVImage, type Niivue } from '@niivue/niivue';
import { encodeNifti, type NiftiDatatype } from '../io/nifti.js';
import { geometryFromAffine } from '../io/index.js';
import { MemoryStore, type BlobStore } from '../io/checkpoint-store.js';
import { EVAL_LABELS } from '../synth/labels.js';
import { prepareData, type InputFiles } from '../synth/data.js';
import { gridMultiple, presetConfig, SynthPipeline, type MethodName, type VolumeOut } from '../synth/pipeline.js';
import type { ProgressFn } from '../synth/train.js';
import { init } from '../index.js';

/** A volume on a voxel grid: [D, H, W] = NIfTI [nk, nj, ni], i fastest; affine = voxel-to-world 4 x 4 row-major. */
export type Volume = VolumeOut;

/** FreeSurfer colours (FreeSurferColorLUT.txt) of the 30 labels the pipeline scores; others get a hashed colour. */
const FS_RGB: Record<number, [number, number, number]> = {
  2: [245, 245, 245], 3: [205, 62, 78], 4: [120, 18, 134], 5: [196, 58, 250], 7: [220, 248, 164], 8: [230, 148, 34],
  10: [0, 118, 14], 11: [122, 186, 220], 12: [236, 13, 176], 13: [12, 48, 255], 14: [204, 182, 142], 15: [42, 204, 164],
  16: [119, 159, 176], 17: [220, 216, 20], 18: [103, 255, 255], 24: [60, 60, 60], 26: [255, 165, 0], 28: [165, 42, 42],
  31: [0, 200, 200], 41: [245, 245, 245], 42: [205, 62, 78], 43: [120, 18, 134], 44: [196, 58, 250], 46: [220, 248, 164],
  47: [230, 148, 34], 49: [0, 118, 14], 50: [122, 186, 220], 51: [236, 13, 176], 52: [13, 48, 255], 53: [220, 216, 20],
  54: [103, 255, 255], 58: [255, 165, 0], 60: [165, 42, 42], 63: [0, 200, 221], 77: [200, 70, 255],
};

/** niivue's label colour map ({ R, G, B, A, I, labels }) for label values (default: background + the 30 FreeSurfer labels). */
export function freeSurferColormap(values: number[] = [0, ...EVAL_LABELS.map((l) => l.value)]): { R: number[]; G: number[]; B: number[]; A: number[]; I: number[]; labels: string[] } {
  const names = new Map(EVAL_LABELS.map((l) => [l.value, l.name]));
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const cm = { R: [] as number[], G: [] as number[], B: [] as number[], A: [] as number[], I: [] as number[], labels: [] as string[] };
  for (const v of sorted) {
    const rgb = FS_RGB[v] ?? [(v * 97) % 256, (v * 57 + 80) % 256, (v * 151 + 40) % 256];
    cm.R.push(rgb[0]); cm.G.push(rgb[1]); cm.B.push(rgb[2]);
    cm.A.push(v === 0 ? 0 : 255);
    cm.I.push(v);
    cm.labels.push(v === 0 ? 'Unknown' : names.get(v) ?? `label ${v}`);
  }
  return cm;
}

/** An uncompressed .nii of a volume (float32 images, int16 label maps unless `datatype` says otherwise). */
export function volumeToNifti(vol: Volume, datatype?: NiftiDatatype): Uint8Array {
  const [d, h, w] = vol.shape;
  if (vol.data.length !== d * h * w) throw new Error(`volumeToNifti: ${vol.name} has ${vol.data.length} values for shape [${vol.shape.join(', ')}]`);
  return encodeNifti({ dims: [w, h, d], data: vol.data, datatype: datatype ?? (vol.data instanceof Int32Array ? 'int16' : 'float32'), geometry: geometryFromAffine(vol.affine), description: vol.name });
}

export interface ImageOptions { colormap?: string; opacity?: number; calMin?: number; calMax?: number }

/** A niivue NVImage of a volume (values, dims and affine), not yet added to a viewer. */
export async function toNVImage(vol: Volume, o: ImageOptions = {}): Promise<NVImage> {
  const bytes = volumeToNifti(vol);
  const img = await NVImage.loadFromUrl({ url: bytes, name: `${vol.name}.nii`, colormap: o.colormap ?? 'gray', opacity: o.opacity ?? 1 });
  if (o.calMin !== undefined) img.cal_min = o.calMin;
  if (o.calMax !== undefined) img.cal_max = o.calMax;
  return img;
}

/** A volume of an NVImage as loaded by niivue (values after scl_slope/scl_inter, its own affine). */
export function fromNVImage(img: NVImage, name = img.name): Volume {
  const hdr = img.hdr;
  if (!hdr || !img.img) throw new Error(`fromNVImage: ${name} has no header or voxels (not loaded yet?)`);
  const [ni, nj, nk] = [hdr.dims[1]!, hdr.dims[2]!, Math.max(1, hdr.dims[3]!)];
  const n = ni * nj * nk;
  const raw = img.img as ArrayLike<number>;
  if (raw.length < n) throw new Error(`fromNVImage: ${name} has ${raw.length} voxels, its header says ${ni} x ${nj} x ${nk}`);
  const slope = hdr.scl_slope && Number.isFinite(hdr.scl_slope) ? hdr.scl_slope : 1, inter = Number.isFinite(hdr.scl_inter) ? hdr.scl_inter : 0;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = raw[i]! * slope + inter;
  const a = hdr.affine as number[][];
  return { name: name.replace(/\.nii(\.gz)?$/, ''), shape: [nk, nj, ni], data, affine: [...a[0]!, ...a[1]!, ...a[2]!, 0, 0, 0, 1] };
}

/** Adds a volume to the viewer as an image layer; returns the NVImage. */
export async function addVolume(nv: Niivue, vol: Volume, o: ImageOptions = {}): Promise<NVImage> {
  const img = await toNVImage(vol, o);
  nv.addVolume(img);
  return img;
}

/** Adds a label map as an overlay coloured by the FreeSurfer table (or `colormap`). */
export async function addLabels(nv: Niivue, vol: Volume, o: { opacity?: number; colormap?: ReturnType<typeof freeSurferColormap> } = {}): Promise<NVImage> {
  const img = await toNVImage(vol, { opacity: o.opacity ?? 0.5 });
  img.setColormapLabel(o.colormap ?? freeSurferColormap([0, ...new Set(Array.from(vol.data as ArrayLike<number>))]));
  nv.addVolume(img);
  return img;
}

/** Which viewer volumes the pipeline runs on: indices into nv.volumes (or NVImages). */
export interface ViewerInputs {
  atlas: number | NVImage;
  atlasLabels: number | NVImage;
  /** Unlabeled scans the transforms are learned from (the target is added if missing). */
  unlabeled: (number | NVImage)[];
  /** Steps per network (default: the quick preset's). */
  steps?: number;
  dims?: 2 | 3;
  downsample?: number;
  onProgress?: ProgressFn;
  signal?: AbortSignal;
  /** Checkpoints and outputs (default: memory). */
  store?: BlobStore;
}

function pick(nv: Niivue, v: number | NVImage, what: string): NVImage {
  if (typeof v !== 'number') return v;
  const img = nv.volumes[v];
  if (!img) throw new Error(`${what}: the viewer has no volume ${v} (it has ${nv.volumes.length})`);
  return img;
}

async function pipelineOf(nv: Niivue, inp: ViewerInputs, tests: NVImage[], methods: MethodName[]): Promise<SynthPipeline> {
  await init();
  const file = (img: NVImage, what: string, labels = false) => {
    const v = fromNVImage(img);
    return { name: `${v.name}.nii`, bytes: volumeToNifti(v, labels ? 'int16' : 'float32'), what };
  };
  const atlas = pick(nv, inp.atlas, 'atlas'), seg = pick(nv, inp.atlasLabels, 'atlasLabels');
  const unlabeled = inp.unlabeled.map((u, i) => pick(nv, u, `unlabeled[${i}]`));
  if (unlabeled.length === 0) throw new Error('the pipeline needs at least one unlabeled scan');
  const files: InputFiles = {
    atlas: { vol: file(atlas, 'atlas'), seg: file(seg, 'atlasLabels', true) },
    unlabeled: unlabeled.map((u) => file(u, 'unlabeled')),
    // prepareData wants labeled test scans (for evaluation, which these functions never run): viewer
    // targets have no labels, so the atlas labels stand in, and without a target the first unlabeled scan.
    tests: (tests.length ? tests : unlabeled.slice(0, 1)).map((t) => ({ vol: file(t, 'target'), seg: file(seg, 'atlasLabels', true) })),
  };
  const config = presetConfig('quick', { steps: inp.steps, methods });
  const data = await prepareData(files, { downsample: inp.downsample ?? 1, dims: inp.dims, multiple: gridMultiple(config) });
  return new SynthPipeline(data, config, inp.store ?? new MemoryStore(), inp.onProgress);
}

/**
 * Learns the spatial transform from the atlas to `target` (and the other unlabeled scans) and adds
 * the atlas warped to the target, its labels, and the Jacobian determinant map to the viewer.
 */
export async function register(nv: Niivue, inp: Omit<ViewerInputs, 'unlabeled'> & { target: number | NVImage; unlabeled?: (number | NVImage)[] }): Promise<{ foldingFraction: number; volumes: NVImage[] }> {
  const target = pick(nv, inp.target, 'target');
  const others = (inp.unlabeled ?? []).map((u) => pick(nv, u, 'unlabeled')).filter((u) => u !== target);
  const p = await pipelineOf(nv, { ...inp, unlabeled: [target, ...others] }, [], ['affine']);
  try {
    await p.run('spatial', inp.signal);
    const r = await p.registration(0);
    const volumes = [await addVolume(nv, r.warped), await addLabels(nv, r.warpedLabels), await addVolume(nv, r.jacobian, { colormap: 'warm', opacity: 0 })];
    return { foldingFraction: r.foldingFraction, volumes };
  } finally { p.dispose(); }
}

/** Learns both transforms and adds synthesized example (shape of scan i, appearance of scan j) with its labels. */
export async function synthesize(nv: Niivue, inp: ViewerInputs & { shapeOf?: number; appearanceOf?: number }): Promise<NVImage[]> {
  const p = await pipelineOf(nv, inp, [], ['affine']);
  try {
    await p.run('appearance', inp.signal);
    const [img, lab] = await p.example(inp.shapeOf ?? 0, inp.appearanceOf ?? Math.min(1, inp.unlabeled.length - 1));
    return [await addVolume(nv, img), await addLabels(nv, lab)];
  } finally { p.dispose(); }
}

/** Trains a segmenter on synthesized examples (`method`, default ours-indep) and adds its labels for `target`. */
export async function segment(nv: Niivue, inp: ViewerInputs & { target: number | NVImage; method?: MethodName }): Promise<NVImage> {
  const target = pick(nv, inp.target, 'target');
  const method = inp.method ?? 'ours-indep';
  const p = await pipelineOf(nv, inp, [target], [method]);
  try {
    await p.run('segment', inp.signal);
    const { labels } = await p.predict(method, p.data.tests[0]!.image);
    const vol = p.volume(`${method}_${p.data.tests[0]!.name}_labels`, Int32Array.from(labels, (k) => (k === 0 ? 0 : EVAL_LABELS[k - 1]!.value)));
    return await addLabels(nv, vol);
  } finally { p.dispose(); }
}
