// blendwarp/nn: the model layer on the core: VoxelMorph's U-Net, seeded initialisers and the named
// parameter store, fused optimizers (SGD, Adam, AdaGrad), checkpoints (safetensors) and the BlobStore
// that pipelines write checkpoints and outputs through. Runtime-neutral (no node:*).
//
//   import { init, Rng, valueAndGrads, mse, randomNormal } from 'blendwarp';
//   import { UNet, Adam, encodeCheckpoint } from 'blendwarp/nn';
//   await init('wasm');
//   const net = new UNet({ inChannels: 2, encoder: [8, 8], decoder: [8, 8, 8], outChannels: 3, dims: 2 }, new Rng(1));
//   const opt = new Adam({ lr: 1e-3 });
//   const x = randomNormal([1, 1, 16, 16, 2], new Rng(2)), y = randomNormal([1, 1, 16, 16, 3], new Rng(3));
//   const { value, grads } = valueAndGrads(() => mse(net.forward(x), y), net.params.list());
//   opt.step(net.params.list(), grads);
//   const bytes = await encodeCheckpoint(net.params, opt, { step: '1' });
export { UNet, type UNetConfig } from './unet.js';
export { ParamStore, heNormal, glorotUniform } from './init.js';
export { SGD, Adam, AdaGrad, type Optimizer, type SgdOptions, type AdamOptions, type AdagradOptions } from './optim.js';
export { encodeCheckpoint, restoreCheckpoint } from './checkpoint.js';
export { MemoryStore, type BlobStore } from '../io/checkpoint-store.js';
// PyTorch VoxelMorph: VxmDense on blendwarp's ops, state_dict import/export, layouts (docs/voxelmorph.md).
export {
  VxmDense, resizeAligned, blendwarpShape, vxmFromStateDict, vxmOptionsFromStateDict, blendwarpArraysFromVxm, loadArrays,
  vxmStateDictFromUNet, vxmSegmenterStateDict, unetSpecFromArrays, paramArrays, formatLayers,
  convertFromVoxelMorph, convertToVoxelMorph, voxelMorphFromBlendwarp, vxmDenseFromCheckpoint, vxmDenseToCheckpoint, VXM_META_KEY,
  volumeFromVoxelMorph, volumeToVoxelMorph, fieldFromVoxelMorph, fieldToVoxelMorph, fieldFromNiftiArray, fieldToNiftiArray,
  convWeightFromTorch, convWeightToTorch,
  type VxmDenseOptions, type VxmOutputs, type VxmImportOptions, type VxmExportOptions, type VxmExportRequest, type VxmExportFile,
  type LayerMap, type ShapedArray, type UNetExportSpec,
} from './vxm.js';
