// PyTorch VoxelMorph's VxmDense in blendwarp, and the crossing of weights, volumes and fields between
// the two (docs/voxelmorph.md).
//
// Axes. VoxelMorph holds a volume as the nibabel array it was loaded as, [N, C, i, j, k]; blendwarp
// holds the same NIfTI file as [N, k, j, i, C] (NIfTI stores i fastest: src/io/nifti.ts). So the
// spatial axes are reversed, not just moved: torch axis i is blendwarp's W, j is H, k is D (2D: i is
// W, j is H, D = 1). A field's components follow their axes: VoxelMorph's channel c is the
// displacement along its spatial axis c, in voxels; blendwarp's components are (D, H, W) = (k, j, i),
// i.e. VoxelMorph's channels reversed (2D: blendwarp (D, H, W) = (0, j, i)). Conv weights
// [Cout, Cin, ka, kb(, kc)] become [kc, kb, ka, Cin, Cout] (2D: [1, kb, ka, Cin, Cout]), and the flow
// conv's output channels are reversed the same way. Everything else (max-pool 2, nearest upsample 2,
// linear resize with align_corners = True, grid_sample with align_corners = True and zero padding =
// blendwarp's warp in voxels) treats every axis alike, so the imported network on blendwarp's
// layout computes exactly VoxelMorph's network on the nibabel arrays.
import type { Tensor } from '../tensor/tensor.js';
import { composite, isRecording, tidy } from '../tensor/engine.js';
import { concat, reshape, transpose } from '../ops/shape.js';
import { matmul } from '../ops/linalg.js';
import { mulScalar, neg } from '../ops/elementwise.js';
import { Rng, tensor, zeros } from '../ops/create.js';
import { integrateVelocity, warp } from '../ops/warp.js';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from '../io/safetensors.js';
import { UNet } from './unet.js';

/** VxmDense's options (nb_conv_per_level = 1, unet_half_res = False, use_probs = False). */
export interface VxmDenseOptions {
  /** VoxelMorph's inshape, in its (i, j[, k]) order. */
  inshape: number[];
  /** nb_unet_features[0] and [1] (the decoder's surplus entries are the full-resolution convs). */
  encoder: number[];
  decoder: number[];
  /** 0 = the network output is the displacement; > 0 = a velocity, integrated by scaling and squaring. */
  intSteps: number;
  /** Integrate at 1/intDownsize resolution (1 or 2; used only when intSteps > 0). */
  intDownsize: number;
  bidir: boolean;
  /** src_feats + trg_feats (default 2). */
  inFeats?: number;
}

export interface VxmOutputs {
  /** pos_flow: displacement, blendwarp layout [N, D, H, W, 3], components (D, H, W), voxels. */
  field: Tensor;
  /** y_source: the source warped by `field`. */
  moved: Tensor;
  /** preint_flow: the network output after the int_downsize resize (what VoxelMorph returns when training). */
  preint: Tensor;
  /** bidir only: neg_flow and y_target. */
  inverseField?: Tensor;
  movedTarget?: Tensor;
}

/** blendwarp's [D, H, W] for a VoxelMorph inshape (i, j[, k]). */
export function blendwarpShape(inshape: readonly number[]): [number, number, number] {
  if (inshape.length === 2) return [1, inshape[1]!, inshape[0]!];
  if (inshape.length === 3) return [inshape[2]!, inshape[1]!, inshape[0]!];
  throw new Error(`VxmDense: inshape must have 2 or 3 entries (i, j[, k]), got [${inshape.join(', ')}]`);
}

/**
 * Linear resize of x [N, D, H, W, C] to `size` (PyTorch interpolate, align_corners = True; an axis
 * of size 1 stays), composed of transposes and matrix products (so it runs and differentiates on
 * every backend).
 */
export function resizeAligned(x: Tensor, size: readonly [number, number, number]): Tensor {
  if (x.rank !== 5) throw new Error(`resizeAligned: x must be [N, D, H, W, C], got [${x.shape.join(', ')}]`);
  return composite(() => {
    let y = x;
    for (let axis = 1; axis <= 3; axis++) {
      const from = y.shape[axis]!, to = size[axis - 1]!;
      if (from === to) continue;
      if (from === 1 || to < 1) throw new Error(`resizeAligned: cannot resize axis ${axis} from ${from} to ${to}`);
      const m = new Float32Array(from * to);
      for (let o = 0; o < to; o++) {
        const src = to === 1 ? 0 : (o * (from - 1)) / (to - 1);
        const i0 = Math.min(Math.floor(src), from - 1), i1 = Math.min(i0 + 1, from - 1), t = src - i0;
        m[i0 * to + o]! += 1 - t;
        m[i1 * to + o]! += t;
      }
      const perm = [0, 1, 2, 3, 4].filter((a) => a !== axis).concat(axis);
      const moved = transpose(y, perm);
      const lead = moved.shape.slice(0, 4);
      const r = matmul(reshape(moved, [lead.reduce((a, b) => a * b, 1), from]), tensor(m, [from, to]));
      const back = reshape(r, [...lead, to]);
      const inv = [0, 0, 0, 0, 0];
      perm.forEach((p, i) => { inv[p] = i; });
      y = transpose(back, inv);
    }
    return y;
  });
}

/** VxmDense on blendwarp's ops: UNet (encoder.i, decoder.i, out = the flow conv) + integration + warp. */
export class VxmDense {
  readonly unet: UNet;
  readonly ndims: 2 | 3;
  /** blendwarp [D, H, W] of the inputs. */
  readonly shape: [number, number, number];

  constructor(readonly options: VxmDenseOptions, rng: Rng = new Rng(0)) {
    const { inshape, encoder, decoder, intSteps, intDownsize } = options;
    this.shape = blendwarpShape(inshape);
    this.ndims = inshape.length as 2 | 3;
    if (!Number.isInteger(intSteps) || intSteps < 0) throw new Error(`VxmDense: int_steps must be an integer >= 0, got ${intSteps}`);
    if (!Number.isInteger(intDownsize) || intDownsize < 1) throw new Error(`VxmDense: int_downsize must be an integer >= 1, got ${intDownsize}`);
    if (intSteps > 0 && intDownsize > 1 && inshape.some((s) => s % intDownsize !== 0)) {
      throw new Error(`VxmDense: inshape [${inshape.join(', ')}] must be divisible by int_downsize ${intDownsize} (VoxelMorph's resize back would not match)`);
    }
    const m = 2 ** encoder.length;
    if (inshape.some((s) => s % m !== 0)) throw new Error(`VxmDense: inshape [${inshape.join(', ')}] must be divisible by 2^${encoder.length} = ${m} (VoxelMorph's U-Net concatenates unpadded skips)`);
    this.unet = new UNet({ inChannels: options.inFeats ?? 2, encoder, decoder, outChannels: this.ndims, dims: this.ndims, outInitStd: 1e-5 }, rng);
  }

  get params() { return this.unet.params; }

  private toField(r: Tensor): Tensor {
    // 2D: prepend the (ignored) depth component.
    return this.ndims === 3 ? r : concat([zeros([...r.shape.slice(0, 4), 1]), r], -1);
  }

  private downShape(): [number, number, number] {
    const k = this.options.intDownsize;
    const [d, h, w] = this.shape;
    return [d === 1 ? 1 : d / k, h / k, w / k];
  }

  /** VxmDense.forward(source, target): source and target [N, D, H, W, C] in blendwarp's layout. */
  forward(source: Tensor, target: Tensor): VxmOutputs {
    const { intSteps, intDownsize, bidir } = this.options;
    const [d, h, w] = this.shape;
    for (const [what, t] of [['source', source], ['target', target]] as const) {
      if (t.rank !== 5 || t.shape[1] !== d || t.shape[2] !== h || t.shape[3] !== w) {
        throw new Error(`VxmDense: ${what} must be [N, ${d}, ${h}, ${w}, C] (inshape [${this.options.inshape.join(', ')}] in blendwarp's layout), got [${t.shape.join(', ')}]`);
      }
    }
    const body = (): VxmOutputs => {
      const flow = this.toField(this.unet.forward(concat([source, target], -1)));
      const resize = intSteps > 0 && intDownsize > 1;
      const preint = resize ? mulScalar(resizeAligned(flow, this.downShape()), 1 / intDownsize) : flow;
      const full = (v: Tensor) => {
        if (intSteps === 0) return v;
        const u = integrateVelocity(v, intSteps);
        return resize ? resizeAligned(mulScalar(u, intDownsize), this.shape) : u;
      };
      const field = full(preint);
      const out: VxmOutputs = { field, moved: warp(source, field), preint };
      if (bidir) {
        out.inverseField = full(neg(preint));
        out.movedTarget = warp(target, out.inverseField);
      }
      return out;
    };
    // Under a tape the intermediates must live until the backward pass (as composite ops do).
    return isRecording() ? body() : tidy(() => body() as unknown as Record<string, Tensor>) as unknown as VxmOutputs;
  }

  dispose(): void { this.unet.dispose(); }
}

// ---- layouts -------------------------------------------------------------------------------------

/** A plain array with its shape (what safetensors and NIfTI hand out). */
export interface ShapedArray { shape: number[]; data: Float32Array }

function rowMajorStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}

/** Generic permutation of a row-major array: out axis a is in axis perm[a]. */
function permute(a: ShapedArray, perm: readonly number[]): ShapedArray {
  const shape = perm.map((p) => a.shape[p]!);
  const inStr = rowMajorStrides(a.shape);
  const str = perm.map((p) => inStr[p]!);
  const out = new Float32Array(a.data.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let off = 0;
    for (let k = 0; k < idx.length; k++) off += idx[k]! * str[k]!;
    out[o] = a.data[off]!;
    for (let k = idx.length - 1; k >= 0; k--) { if (++idx[k]! < shape[k]!) break; idx[k] = 0; }
  }
  return { shape, data: out };
}

/** A VoxelMorph tensor [N, C, i, j(, k)] -> blendwarp [N, D, H, W, C] (the same voxels; channels as they are). */
export function volumeFromVoxelMorph(a: ShapedArray): ShapedArray {
  if (a.shape.length === 4) {
    const [n, c, i, j] = a.shape as [number, number, number, number];
    const p = permute(a, [0, 3, 2, 1]);
    return { shape: [n, 1, j, i, c], data: p.data };
  }
  if (a.shape.length !== 5) throw new Error(`volumeFromVoxelMorph: expected [N, C, i, j] or [N, C, i, j, k], got [${a.shape.join(', ')}]`);
  return permute(a, [0, 4, 3, 2, 1]);
}

/** blendwarp [N, D, H, W, C] -> VoxelMorph [N, C, i, j, k] (ndims 3) or [N, C, i, j] (ndims 2, D must be 1). */
export function volumeToVoxelMorph(a: ShapedArray, ndims: 2 | 3): ShapedArray {
  if (a.shape.length !== 5) throw new Error(`volumeToVoxelMorph: expected [N, D, H, W, C], got [${a.shape.join(', ')}]`);
  const [n, d, h, w, c] = a.shape as [number, number, number, number, number];
  if (ndims === 2) {
    if (d !== 1) throw new Error(`volumeToVoxelMorph: 2D needs D = 1, got [${a.shape.join(', ')}]`);
    return { shape: [n, c, w, h], data: permute({ shape: [n, h, w, c], data: a.data }, [0, 3, 2, 1]).data };
  }
  return permute(a, [0, 4, 3, 2, 1]);
}

/** VoxelMorph field [N, ndims, i, j(, k)] (channel c = displacement along axis c) -> blendwarp [N, D, H, W, 3], (D, H, W) order. */
export function fieldFromVoxelMorph(a: ShapedArray): ShapedArray {
  const nd = a.shape.length - 2;
  if ((nd !== 2 && nd !== 3) || a.shape[1] !== nd) throw new Error(`fieldFromVoxelMorph: expected [N, 2, i, j] or [N, 3, i, j, k], got [${a.shape.join(', ')}]`);
  const v = volumeFromVoxelMorph(a);
  const [n, d, h, w] = v.shape as [number, number, number, number];
  const out = new Float32Array(n * d * h * w * 3);
  for (let p = 0; p < n * d * h * w; p++) {
    for (let c = 0; c < nd; c++) out[3 * p + 2 - c] = v.data[nd * p + c]!;
  }
  return { shape: [n, d, h, w, 3], data: out };
}

/** blendwarp field [N, D, H, W, 3] -> VoxelMorph [N, ndims, i, j(, k)] (2D drops the depth component). */
export function fieldToVoxelMorph(a: ShapedArray, ndims: 2 | 3): ShapedArray {
  if (a.shape.length !== 5 || a.shape[4] !== 3) throw new Error(`fieldToVoxelMorph: expected [N, D, H, W, 3], got [${a.shape.join(', ')}]`);
  const [n, d, h, w] = a.shape as [number, number, number, number];
  const vox = n * d * h * w;
  const comps = new Float32Array(vox * ndims);
  for (let p = 0; p < vox; p++) for (let c = 0; c < ndims; c++) comps[ndims * p + c] = a.data[3 * p + 2 - c]!;
  return volumeToVoxelMorph({ shape: [n, d, h, w, ndims], data: comps }, ndims);
}

/**
 * A displacement field as a NIfTI array in the layout VoxelMorph's numpy side uses, [I, J, K, 3]
 * (nibabel order; components (i, j, k), voxels; NIfTI stores i fastest, so the flat data is
 * c-slowest: data[((c * K + k) * J + j) * I + i]), from blendwarp's [1, K, J, I, 3].
 */
export function fieldToNiftiArray(field: ShapedArray): { dims: number[]; data: Float32Array } {
  const [n, d, h, w, c] = field.shape as [number, number, number, number, number];
  if (field.shape.length !== 5 || n !== 1 || c !== 3) throw new Error(`fieldToNiftiArray: expected [1, D, H, W, 3], got [${field.shape.join(', ')}]`);
  const vox = d * h * w;
  const out = new Float32Array(vox * 3);
  for (let p = 0; p < vox; p++) for (let k = 0; k < 3; k++) out[k * vox + p] = field.data[3 * p + 2 - k]!;
  return { dims: [w, h, d, 3], data: out };
}

/** The inverse of fieldToNiftiArray: NIfTI dims [I, J, K, 3] (or [I, J, K, 1, 3]) and data -> blendwarp [1, K, J, I, 3]. */
export function fieldFromNiftiArray(dims: readonly number[], data: Float32Array): ShapedArray {
  const d5 = dims.length === 5 && dims[3] === 1 ? [dims[0]!, dims[1]!, dims[2]!, dims[4]!] : [...dims];
  if (d5.length !== 4 || d5[3] !== 3) throw new Error(`fieldFromNiftiArray: expected NIfTI dims [I, J, K, 3] or [I, J, K, 1, 3], got [${dims.join(', ')}]`);
  const [i, j, k] = d5 as [number, number, number];
  const vox = i * j * k;
  if (data.length !== 3 * vox) throw new Error(`fieldFromNiftiArray: ${data.length} values for dims [${dims.join(', ')}]`);
  const out = new Float32Array(vox * 3);
  for (let p = 0; p < vox; p++) for (let c = 0; c < 3; c++) out[3 * p + 2 - c] = data[c * vox + p]!;
  return { shape: [1, k, j, i, 3], data: out };
}

/** torch conv weight [Cout, Cin, ka, kb(, kc)] -> blendwarp [kc, kb, ka, Cin, Cout] (2D: [1, kb, ka, Cin, Cout]). */
export function convWeightFromTorch(a: ShapedArray): ShapedArray {
  if (a.shape.length === 4) {
    const [co, ci, ka, kb] = a.shape as [number, number, number, number];
    const p = permute(a, [3, 2, 1, 0]);
    return { shape: [1, kb, ka, ci, co], data: p.data };
  }
  if (a.shape.length !== 5) throw new Error(`convWeightFromTorch: expected [Cout, Cin, k, k] or [Cout, Cin, k, k, k], got [${a.shape.join(', ')}]`);
  return permute(a, [4, 3, 2, 1, 0]);
}

/** blendwarp conv weight [kD, kH, kW, Cin, Cout] -> torch [Cout, Cin, kW, kH, kD] (ndims 3) or [Cout, Cin, kW, kH] (ndims 2, kD = 1). */
export function convWeightToTorch(a: ShapedArray, ndims: 2 | 3): ShapedArray {
  const [kd, kh, kw, ci, co] = a.shape as [number, number, number, number, number];
  if (a.shape.length !== 5) throw new Error(`convWeightToTorch: expected [kD, kH, kW, Cin, Cout], got [${a.shape.join(', ')}]`);
  if (ndims === 2) {
    if (kd !== 1) throw new Error(`convWeightToTorch: a 2D weight needs kD = 1, got [${a.shape.join(', ')}]`);
    return { shape: [co, ci, kw, kh], data: permute({ shape: [kh, kw, ci, co], data: a.data }, [3, 2, 1, 0]).data };
  }
  return permute(a, [4, 3, 2, 1, 0]);
}

/** Reverses (and for 2D keeps) the output channels of a flow conv: torch channel c <-> blendwarp nd-1-c. */
function reverseOut(w: ShapedArray): ShapedArray {
  const co = w.shape[w.shape.length - 1]!;
  const out = new Float32Array(w.data.length);
  for (let p = 0; p < w.data.length; p += co) for (let c = 0; c < co; c++) out[p + c] = w.data[p + co - 1 - c]!;
  return { shape: w.shape, data: out };
}

// ---- state_dict <-> blendwarp ---------------------------------------------------------------------

const f32 = (t: NamedArray, key: string): ShapedArray => {
  if (t.dtype !== 'F32') throw new Error(`VoxelMorph state_dict: "${key}" has dtype ${t.dtype}, expected a float tensor`);
  return { shape: [...t.shape], data: t.data as Float32Array };
};

/** One line per layer: key, VoxelMorph shape, blendwarp name and shape. */
export interface LayerMap { vxm: string; vxmShape: number[]; blendwarp: string; shape: number[] }

export interface VxmImportOptions {
  /** int_steps (not stored in a state_dict): default 7 when the state_dict has integrate.transformer.grid, else 0. */
  intSteps?: number;
  bidir?: boolean;
  /** Needed only when the state_dict lacks transformer.grid (it holds inshape). */
  inshape?: number[];
  /** Source name for errors. */
  source?: string;
}

/** The conv layers of a VoxelMorph Unet state_dict under `prefix` (e.g. "unet_model."), in order. */
function unetLayers(tensors: Map<string, NamedArray>, prefix: string, source: string): { encoder: string[]; decoder: string[]; remaining: string[] } {
  const find = (part: string) => {
    const keys: string[] = [];
    for (let i = 0; ; i++) {
      const k = `${prefix}${part}.${i}${part === 'remaining' ? '' : '.0'}.main`;
      if (!tensors.has(`${k}.weight`)) break;
      if (part !== 'remaining' && tensors.has(`${prefix}${part}.${i}.1.main.weight`)) {
        throw new Error(`${source}: "${prefix}${part}.${i}.1.main.weight" means nb_unet_conv_per_level > 1, which blendwarp's U-Net does not support (1 conv per level)`);
      }
      keys.push(k);
    }
    return keys;
  };
  const encoder = find('encoder'), decoder = find('decoder'), remaining = find('remaining');
  if (!encoder.length) throw new Error(`${source}: no "${prefix}encoder.0.0.main.weight": not a VoxelMorph U-Net state_dict (keys: ${[...tensors.keys()].slice(0, 6).join(', ')}...)`);
  if (decoder.length !== encoder.length) {
    throw new Error(`${source}: ${encoder.length} encoder levels but ${decoder.length} decoder levels; blendwarp supports unet_half_res = False only`);
  }
  return { encoder, decoder, remaining };
}

/** Reads a VxmDense state_dict (decoded safetensors) into VxmDense options + blendwarp parameters. */
export function vxmOptionsFromStateDict(tensors: Map<string, NamedArray>, o: VxmImportOptions = {}): VxmDenseOptions {
  const source = o.source ?? 'VoxelMorph state_dict';
  const L = unetLayers(tensors, 'unet_model.', source);
  const w0 = tensors.get(`${L.encoder[0]}.weight`)!;
  const ndims = w0.shape.length - 2;
  if (ndims !== 2 && ndims !== 3) throw new Error(`${source}: "${L.encoder[0]}.weight" has shape [${w0.shape.join(', ')}], expected a 2D or 3D conv weight`);
  const flow = tensors.get('flow.weight');
  if (!flow) throw new Error(`${source}: no "flow.weight": not a VxmDense state_dict`);
  const grid = tensors.get('transformer.grid');
  const inshape = grid ? grid.shape.slice(2) : o.inshape;
  if (!inshape) throw new Error(`${source}: no "transformer.grid" buffer, so the inshape is unknown: pass it (inshape / --inshape)`);
  if (inshape.length !== ndims) throw new Error(`${source}: inshape [${inshape.join(', ')}] has ${inshape.length} axes, the weights are ${ndims}D`);
  const igrid = tensors.get('integrate.transformer.grid');
  let intSteps = o.intSteps ?? (igrid ? 7 : 0);
  if (igrid && intSteps === 0) throw new Error(`${source}: the state_dict has integrate.transformer.grid (int_steps > 0) but int_steps 0 was asked`);
  if (!igrid && intSteps > 0 && grid) throw new Error(`${source}: the state_dict has no integrate.transformer.grid, so the model was built with int_steps = 0, not ${intSteps}`);
  if (!igrid && !grid) intSteps = o.intSteps ?? 0;
  let intDownsize = 1;
  if (igrid) {
    const ratio = inshape.map((s, a) => s / igrid.shape[2 + a]!);
    if (ratio.some((r) => r !== ratio[0] || !Number.isInteger(r))) throw new Error(`${source}: integrate.transformer.grid [${igrid.shape.join(', ')}] is not inshape [${inshape.join(', ')}] / an integer`);
    intDownsize = ratio[0]!;
  }
  return {
    inshape: [...inshape], intSteps, intDownsize, bidir: o.bidir ?? false,
    encoder: L.encoder.map((k) => tensors.get(`${k}.weight`)!.shape[0]!),
    decoder: [...L.decoder, ...L.remaining].map((k) => tensors.get(`${k}.weight`)!.shape[0]!),
    inFeats: w0.shape[1]!,
  };
}

/** The (VoxelMorph key, blendwarp parameter) pairs of a U-Net: encoder.i / decoder.i (+ remaining) / out. */
function layerPairs(L: { encoder: string[]; decoder: string[]; remaining: string[] }, head: string, bw = ''): [string, string][] {
  return [
    ...L.encoder.map((k, i) => [k, `${bw}encoder.${i}`] as [string, string]),
    ...[...L.decoder, ...L.remaining].map((k, i) => [k, `${bw}decoder.${i}`] as [string, string]),
    [head, `${bw}out`],
  ];
}

/** A VoxelMorph U-Net (+ head conv) state_dict as blendwarp UNet parameters (encoder.i, decoder.i, out). */
function unetArraysFromTorch(tensors: Map<string, NamedArray>, prefix: string, head: string, reverseHead: boolean, source: string): { arrays: Map<string, NamedArray>; layers: LayerMap[] } {
  const L = unetLayers(tensors, prefix, source);
  const layers: LayerMap[] = [];
  const arrays = new Map<string, NamedArray>();
  for (const [vk, bk] of layerPairs(L, head)) {
    for (const part of ['weight', 'bias'] as const) {
      const key = `${vk}.${part}`;
      const t = tensors.get(key);
      if (!t) throw new Error(`${source}: "${key}" is missing`);
      let a = f32(t, key);
      if (part === 'weight') {
        a = convWeightFromTorch(a);
        if (reverseHead && vk === head) a = reverseOut(a);
      } else if (reverseHead && vk === head) {
        a = { shape: a.shape, data: a.data.slice().reverse() };
      }
      arrays.set(`${bk}.${part}`, { dtype: 'F32', shape: a.shape, data: a.data });
      layers.push({ vxm: key, vxmShape: [...t.shape], blendwarp: `${bk}.${part}`, shape: [...a.shape] });
    }
  }
  return { arrays, layers };
}

/**
 * A VxmDense state_dict as blendwarp parameters (the names of VxmDense.params / UNet) and options,
 * without a backend (pure arrays): what `blendwarp convert --from vxm` writes.
 */
export function blendwarpArraysFromVxm(tensors: Map<string, NamedArray>, o: VxmImportOptions = {}): { options: VxmDenseOptions; arrays: Map<string, NamedArray>; layers: LayerMap[] } {
  const options = vxmOptionsFromStateDict(tensors, o);
  return { options, ...unetArraysFromTorch(tensors, 'unet_model.', 'flow', true, o.source ?? 'VoxelMorph state_dict') };
}

/** Writes named arrays into a model's parameters, checking every name and shape. */
export function loadArrays(params: { byName: Map<string, Tensor> }, arrays: Map<string, NamedArray>, source: string): void {
  for (const [name, p] of params.byName) {
    const a = arrays.get(name);
    if (!a) throw new Error(`${source}: parameter "${name}" is missing`);
    if (a.shape.join(',') !== p.shape.join(',')) throw new Error(`${source}: "${name}" has shape [${a.shape.join(', ')}], the model expects [${p.shape.join(', ')}]`);
    p.storage.backend.write(p.storage, a.data);
  }
}

/**
 * Builds a blendwarp VxmDense from a VoxelMorph VxmDense state_dict (decoded safetensors:
 * `safetensors.torch.save_file(model.state_dict(), "vxm.safetensors")`).
 */
export function vxmFromStateDict(tensors: Map<string, NamedArray>, o: VxmImportOptions = {}): { model: VxmDense; layers: LayerMap[] } {
  const { options, arrays, layers } = blendwarpArraysFromVxm(tensors, o);
  const model = new VxmDense(options);
  const source = o.source ?? 'VoxelMorph state_dict';
  try {
    for (const l of layers) {
      const want = model.params.get(l.blendwarp).shape;
      if (l.shape.join(',') !== want.join(',')) {
        throw new Error(`${source}: "${l.vxm}" [${l.vxmShape.join(', ')}] becomes [${l.shape.join(', ')}], the model expects [${want.join(', ')}] for ${l.blendwarp} (encoder ${JSON.stringify(options.encoder)}, decoder ${JSON.stringify(options.decoder)}, ${options.inFeats} input channels)`);
      }
    }
    loadArrays(model.params, arrays, source);
    return { model, layers };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** VoxelMorph's grid buffer [1, nd, *shape]: grid[0, c, ...] = the index along axis c. */
function gridBuffer(shape: readonly number[]): NamedArray {
  const nd = shape.length, vox = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(nd * vox);
  const str = rowMajorStrides(shape);
  for (let c = 0; c < nd; c++) for (let p = 0; p < vox; p++) data[c * vox + p] = Math.floor(p / str[c]!) % shape[c]!;
  return { dtype: 'F32', shape: [1, nd, ...shape], data };
}

export interface UNetExportSpec {
  /** blendwarp parameters (the UNet's names: encoder.i, decoder.i, out) as plain arrays. */
  params: Map<string, ShapedArray>;
  encoder: number[];
  decoder: number[];
  ndims: 2 | 3;
}

/** blendwarp UNet parameters (from a ParamStore or a checkpoint) -> plain arrays; `prefix` selects e.g. "fwd.". */
export function unetSpecFromArrays(arrays: Map<string, NamedArray>, prefix = '', source = 'checkpoint'): UNetExportSpec {
  const params = new Map<string, ShapedArray>();
  for (const [k, v] of arrays) if (k.startsWith(prefix) && !k.startsWith('optim.')) params.set(k.slice(prefix.length), f32(v, k));
  const count = (part: string) => { let i = 0; while (params.has(`${part}.${i}.weight`)) i++; return i; };
  const ne = count('encoder'), nd = count('decoder');
  if (!ne || !params.has('out.weight')) throw new Error(`${source}: no ${prefix}encoder.0.weight / ${prefix}out.weight: not a blendwarp U-Net`);
  const w0 = params.get('encoder.0.weight')!;
  const ndims = w0.shape[0] === 1 ? 2 : 3;
  return {
    params, ndims,
    encoder: Array.from({ length: ne }, (_, i) => params.get(`encoder.${i}.weight`)!.shape[4]!),
    decoder: Array.from({ length: nd }, (_, i) => params.get(`decoder.${i}.weight`)!.shape[4]!),
  };
}

/** Writes a blendwarp UNet's convs under VoxelMorph Unet key names (`prefix` + encoder.L.0.main ...) and its head as `head`. */
function unetToStateDict(spec: UNetExportSpec, prefix: string, head: string, headOut: (w: ShapedArray, b: ShapedArray) => [ShapedArray, ShapedArray], out: Map<string, NamedArray>, layers: LayerMap[]): void {
  const ne = spec.encoder.length;
  const pairs: [string, string][] = [
    ...spec.encoder.map((_, i) => [`encoder.${i}`, `${prefix}encoder.${i}.0.main`] as [string, string]),
    ...spec.decoder.map((_, i) => [`decoder.${i}`, i < ne ? `${prefix}decoder.${i}.0.main` : `${prefix}remaining.${i - ne}.main`] as [string, string]),
    ['out', head],
  ];
  for (const [bk, vk] of pairs) {
    let w = spec.params.get(`${bk}.weight`), b = spec.params.get(`${bk}.bias`);
    if (!w || !b) throw new Error(`U-Net export: parameter ${bk}.weight/bias is missing`);
    if (bk === 'out') [w, b] = headOut(w, b);
    const tw = convWeightToTorch(w, spec.ndims);
    out.set(`${vk}.weight`, { dtype: 'F32', shape: tw.shape, data: tw.data });
    out.set(`${vk}.bias`, { dtype: 'F32', shape: b.shape, data: b.data });
    layers.push({ vxm: `${vk}.weight`, vxmShape: tw.shape, blendwarp: `${bk}.weight`, shape: w.shape });
    layers.push({ vxm: `${vk}.bias`, vxmShape: b.shape, blendwarp: `${bk}.bias`, shape: b.shape });
  }
}

export interface VxmExportOptions {
  /** VoxelMorph inshape (i, j[, k]) the VxmDense will be built with (its grid buffers depend on it). */
  inshape: number[];
  intSteps: number;
  intDownsize: number;
}

/**
 * A blendwarp registration U-Net (VxmDense, or the synth SpatialModel's network) as a VxmDense
 * state_dict that `VxmDense(inshape, [enc, dec], int_steps, int_downsize).load_state_dict(...)`
 * accepts. The flow conv may have 3 outputs on 2D data (the SpatialModel's, depth ignored): the depth
 * output is dropped.
 */
export function vxmStateDictFromUNet(spec: UNetExportSpec, o: VxmExportOptions): { tensors: Map<string, NamedArray>; layers: LayerMap[] } {
  const nd = spec.ndims;
  if (o.inshape.length !== nd) throw new Error(`VxmDense export: inshape [${o.inshape.join(', ')}] has ${o.inshape.length} axes, the network is ${nd}D`);
  const tensors = new Map<string, NamedArray>();
  const layers: LayerMap[] = [];
  unetToStateDict(spec, 'unet_model.', 'flow', (w, b) => {
    const co = w.shape[4]!;
    if (co !== nd && !(nd === 2 && co === 3)) throw new Error(`VxmDense export: the flow conv has ${co} outputs, expected ${nd}`);
    // Keep the last nd outputs (H, W in 2D) and reverse them into VoxelMorph's axis order.
    const keep = (src: Float32Array, stride: number) => {
      const out = new Float32Array((src.length / stride) * nd);
      for (let p = 0, q = 0; p < src.length; p += stride, q += nd) for (let c = 0; c < nd; c++) out[q + c] = src[p + stride - 1 - c]!;
      return out;
    };
    return [{ shape: [...w.shape.slice(0, 4), nd], data: keep(w.data, co) }, { shape: [nd], data: keep(b.data, co) }];
  }, tensors, layers);
  tensors.set('transformer.grid', gridBuffer(o.inshape));
  if (o.intSteps > 0) tensors.set('integrate.transformer.grid', gridBuffer(o.inshape.map((s) => Math.trunc(s / o.intDownsize))));
  return { tensors, layers };
}

/**
 * The segmenter U-Net as `{"unet.<VoxelMorph Unet keys>", "head.weight", "head.bias"}`: the body
 * loads into `vxm.networks.Unet(inshape, infeats, nb_features=[enc, dec])`, the head into a
 * 3x3 conv with `classes` outputs (VoxelMorph has no segmentation network; docs/voxelmorph.md).
 */
export function vxmSegmenterStateDict(spec: UNetExportSpec): { tensors: Map<string, NamedArray>; layers: LayerMap[] } {
  const tensors = new Map<string, NamedArray>();
  const layers: LayerMap[] = [];
  unetToStateDict(spec, 'unet.', 'head', (w, b) => [w, b], tensors, layers);
  return { tensors, layers };
}

/** A ParamStore's tensors read back as safetensors arrays. */
export async function paramArrays(params: { byName: Map<string, Tensor> }): Promise<Map<string, NamedArray>> {
  const out = new Map<string, NamedArray>();
  for (const [k, t] of params.byName) out.set(k, { dtype: t.dtype === 'f32' ? 'F32' : 'I32', shape: [...t.shape], data: await t.data() });
  return out;
}

/** Layer-by-layer shapes, one line each. */
export function formatLayers(layers: readonly LayerMap[]): string {
  const w = Math.max(...layers.map((l) => l.vxm.length));
  return layers.map((l) => `${l.vxm.padEnd(w)}  [${l.vxmShape.join(', ')}]  <->  ${l.blendwarp} [${l.shape.join(', ')}]`).join('\n');
}

// ---- whole files (bytes in, bytes out: the same in Node and browsers) ------------------------------

/** Metadata key of a blendwarp checkpoint converted from a VxmDense: its options as JSON. */
export const VXM_META_KEY = 'vxm_dense';

/** VoxelMorph state_dict safetensors -> blendwarp checkpoint (VxmDense parameter names, options in the metadata). */
export function convertFromVoxelMorph(bytes: Uint8Array, o: VxmImportOptions = {}): { bytes: Uint8Array; options: VxmDenseOptions; layers: LayerMap[] } {
  const { tensors } = decodeSafetensors(bytes, o.source ?? 'VoxelMorph state_dict');
  const { options, arrays, layers } = blendwarpArraysFromVxm(tensors, o);
  return { bytes: encodeSafetensors(arrays, { [VXM_META_KEY]: JSON.stringify(options), format: 'blendwarp VxmDense' }), options, layers };
}

/** Loads a checkpoint written by convertFromVoxelMorph (or VxmDense export) as a ready VxmDense. */
export function vxmDenseFromCheckpoint(bytes: Uint8Array, source = 'checkpoint'): VxmDense {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const json = metadata[VXM_META_KEY];
  if (!json) throw new Error(`${source}: no "${VXM_META_KEY}" metadata: not a blendwarp VxmDense checkpoint (convert a VoxelMorph file with convertFromVoxelMorph / blendwarp convert --from vxm)`);
  const model = new VxmDense(JSON.parse(json) as VxmDenseOptions);
  try { loadArrays(model.params, tensors, source); } catch (e) { model.dispose(); throw e; }
  return model;
}

/** A blendwarp VxmDense as a checkpoint (parameters + options). */
export async function vxmDenseToCheckpoint(model: VxmDense): Promise<Uint8Array> {
  return encodeSafetensors(await paramArrays(model.params), { [VXM_META_KEY]: JSON.stringify(model.options), format: 'blendwarp VxmDense' });
}

export interface VxmExportRequest {
  /** VoxelMorph inshape (i, j[, k]); taken from a VxmDense checkpoint's metadata when absent. */
  inshape?: number[];
  /** int_steps of the exported VxmDense (a synth spatial checkpoint: its config's intSteps, default 7; two-network models: 0). */
  intSteps?: number;
  intDownsize?: number;
  source?: string;
}

export interface VxmExportFile {
  /** 'vxm' (one VxmDense), 'fwd' / 'bwd' (the two networks of a non-diffeomorphic spatial model), 'unet' (segmenter / appearance U-Net). */
  role: 'vxm' | 'fwd' | 'bwd' | 'unet';
  tensors: Map<string, NamedArray>;
  layers: LayerMap[];
  /** The PyTorch constructor call that loads it. */
  torch: string;
}

/**
 * blendwarp parameters -> VoxelMorph state_dicts. Recognises a VxmDense checkpoint (metadata
 * vxm_dense), the synth spatial model (fwd.* [+ bwd.*]) and a plain U-Net (segmenter, appearance:
 * encoder.i / decoder.i / out).
 */
export function voxelMorphFromBlendwarp(arrays: Map<string, NamedArray>, metadata: Record<string, string>, o: VxmExportRequest = {}): VxmExportFile[] {
  const source = o.source ?? 'checkpoint';
  const meta = metadata[VXM_META_KEY] ? (JSON.parse(metadata[VXM_META_KEY]!) as VxmDenseOptions) : null;
  const ctor = (spec: UNetExportSpec, inshape: number[], steps: number, down: number) =>
    `VxmDense(inshape=(${inshape.join(', ')}${inshape.length === 1 ? ',' : ''}), nb_unet_features=[${JSON.stringify(spec.encoder)}, ${JSON.stringify(spec.decoder)}], int_steps=${steps}, int_downsize=${down})`;
  const dense = (prefix: string, role: VxmExportFile['role'], defSteps: number): VxmExportFile => {
    const spec = unetSpecFromArrays(arrays, prefix, source);
    const inshape = o.inshape ?? meta?.inshape;
    if (!inshape) throw new Error(`${source}: the VoxelMorph inshape (i, j[, k]) is needed for the grid buffers: pass inshape (--inshape)`);
    const intSteps = o.intSteps ?? meta?.intSteps ?? defSteps;
    const intDownsize = o.intDownsize ?? meta?.intDownsize ?? 1;
    return { role, ...vxmStateDictFromUNet(spec, { inshape, intSteps, intDownsize }), torch: ctor(spec, inshape, intSteps, intDownsize) };
  };
  if (meta) return [dense('', 'vxm', meta.intSteps)];
  if (arrays.has('fwd.encoder.0.weight')) {
    if (arrays.has('bwd.encoder.0.weight')) {
      if (o.intSteps) throw new Error(`${source}: a two-network (non-diffeomorphic) spatial model predicts displacements: int_steps must be 0, got ${o.intSteps}`);
      return [dense('fwd.', 'fwd', 0), dense('bwd.', 'bwd', 0)];
    }
    return [dense('fwd.', 'vxm', 7)];
  }
  const spec = unetSpecFromArrays(arrays, '', source);
  return [{
    role: 'unet', ...vxmSegmenterStateDict(spec),
    torch: `SegUnet: vxm.networks.Unet(inshape, infeats=${spec.params.get('encoder.0.weight')!.shape[3]}, nb_features=[${JSON.stringify(spec.encoder)}, ${JSON.stringify(spec.decoder)}]) as .unet + Conv${spec.ndims}d(final_nf, ${spec.params.get('out.weight')!.shape[4]}, 3, padding=1) as .head`,
  }];
}

/** Bytes version of voxelMorphFromBlendwarp. */
export function convertToVoxelMorph(bytes: Uint8Array, o: VxmExportRequest = {}): (VxmExportFile & { bytes: Uint8Array })[] {
  const { tensors, metadata } = decodeSafetensors(bytes, o.source ?? 'checkpoint');
  return voxelMorphFromBlendwarp(tensors, metadata, o).map((f) => ({ ...f, bytes: encodeSafetensors(f.tensors) }));
}
