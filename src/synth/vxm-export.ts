// The synth networks as PyTorch VoxelMorph state_dicts (docs/voxelmorph.md): the spatial model
// g_s as VxmDense (the diffeomorphic model integrating at full resolution is VxmDense(int_steps,
// int_downsize=1); the two-network displacement model is two VxmDense(int_steps=0), forward and
// inverse), the segmenter as VoxelMorph's Unet + a 3x3 conv head.
import { paramArrays, voxelMorphFromBlendwarp, type VxmExportFile } from '../nn/vxm.js';
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
  return voxelMorphFromBlendwarp(await paramArrays(model.params), {}, { source: 'Segmenter' })[0]!;
}
