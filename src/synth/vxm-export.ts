// The synth networks as PyTorch VoxelMorph state_dicts (docs/voxelmorph.md): the spatial model
// g_s as VxmDense (the diffeomorphic model integrating at full resolution is VxmDense(int_steps,
// int_downsize=1); the two-network displacement model is two VxmDense(int_steps=0), forward and
// inverse), the segmenter as VoxelMorph's Unet + a 3x3 conv head.
import { blendwarpArraysFromVxm, paramArrays, voxelMorphFromBlendwarp, type LayerMap, type VxmDenseOptions, type VxmExportFile, type VxmImportOptions } from '../nn/vxm.js';
import { encodeSafetensors, type NamedArray } from '../io/safetensors.js';
import type { Segmenter, SpatialModel } from './models.js';

/**
 * `inshape` is VoxelMorph's (i, j[, k]) = the NIfTI voxel dimensions of the grid the model runs on
 * (blendwarp [D, H, W] reversed; 2D: [W, H]).
 */
export async function spatialModelToVxm(model: SpatialModel, inshape: number[]): Promise<VxmExportFile[]> {
  const c = model.config;
  if (c.diffeomorphic && c.halfRes) {
    throw new Error('spatialModelToVxm: halfRes integrates at half resolution with average pooling and align_corners = false upsampling; VoxelMorph\'s int_downsize = 2 resizes with align_corners = true, so the outputs would differ (train with halfRes = false to export)');
  }
  return voxelMorphFromBlendwarp(await paramArrays(model.params), {}, { inshape, intSteps: c.diffeomorphic ? c.intSteps : 0, intDownsize: 1, source: 'SpatialModel' });
}

export async function segmenterToVxm(model: Segmenter): Promise<VxmExportFile> {
  const cpl = model.config.net.convsPerLevel ?? 1;
  if (cpl !== 1) throw new Error(`segmenterToVxm: the segmenter has ${cpl} convs per level; the VoxelMorph export supports 1 (nb_conv_per_level = 1) so far`);
  return voxelMorphFromBlendwarp(await paramArrays(model.params), {}, { source: 'Segmenter' })[0]!;
}

/**
 * A VoxelMorph VxmDense state_dict as the synth pipeline's spatial checkpoint
 * (checkpoints/spatial.safetensors under --out, marked finished so the pipeline loads it instead of
 * training): a VxmDense trained in PyTorch becomes g_s. Needs int_steps > 0 and int_downsize = 1
 * (the pipeline integrates at full resolution: SpatialConfig diffeomorphic, halfRes false, intSteps
 * the same) and the pipeline's spatial net sizes equal to nb_unet_features.
 */
export function spatialCheckpointFromVxm(tensors: Map<string, NamedArray>, o: VxmImportOptions = {}): { bytes: Uint8Array; options: VxmDenseOptions; layers: LayerMap[] } {
  const source = o.source ?? 'VoxelMorph state_dict';
  const { options, arrays, layers } = blendwarpArraysFromVxm(tensors, o);
  if (options.intSteps === 0) throw new Error(`${source}: int_steps 0 (a displacement network): the synth spatial model needs a velocity network (int_steps > 0); the two-network displacement model has no VoxelMorph counterpart to import`);
  if (options.intDownsize !== 1) throw new Error(`${source}: int_downsize ${options.intDownsize}: the synth spatial model integrates at full resolution (int_downsize = 1); run this model as VxmDense (vxmFromStateDict) instead`);
  const out = new Map<string, NamedArray>();
  for (const [k, v] of arrays) {
    let a = v;
    if (options.inshape.length === 2 && k.startsWith('out.')) {
      // The SpatialModel's flow conv has a (depth) output first, which the warp ignores: zero it.
      const co = v.shape[v.shape.length - 1]!;
      const data = new Float32Array((v.data.length / co) * (co + 1));
      for (let p = 0, q = 0; p < v.data.length; p += co, q += co + 1) for (let c = 0; c < co; c++) data[q + 1 + c] = v.data[p + c]!;
      a = { dtype: 'F32', shape: [...v.shape.slice(0, -1), co + 1], data };
    }
    out.set(`fwd.${k}`, a);
  }
  const bytes = encodeSafetensors(out, { step: '1000000000', total: '0', stage: 'spatial', source: 'voxelmorph', voxelmorph_options: JSON.stringify(options) });
  return { bytes, options, layers };
}
