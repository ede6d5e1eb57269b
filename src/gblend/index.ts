// G-Blend (Wang, Tran, Feiszli, CVPR 2020): multi-modal classification with per-head loss weights
// from each head's overfitting-to-generalization ratio. Data (data.ts, features.ts), the model
// (model.ts), training and the estimators (train.ts), the compared methods (methods.ts), metrics and
// SVG plots. Runs the same in a worker, the main thread and tests: bytes and arrays in, no node:*.
export * from './data.js';
export * from './features.js';
export * from './metrics.js';
export * from './model.js';
export * from './train.js';
export * from './methods.js';
export * from './plots.js';
export * from './manifest.js';
export { gblendStatistics, statisticsJson, type GBlendResultsJson, type GBlendStatistics, type FoldRegime, type PerFold } from './results.js';
export { loadMnistDigits, loadMnistPackageDigits, type MnistDigits } from './mnist-source.js';
export { parseWav, toMono, encodeWav, WavError, type WavAudio } from '../io/wav.js';
export { parseIdx, IdxError, type IdxArray } from '../io/idx.js';
export { parseNpy, parseNpz, npyToFloat32, encodeNpy, NpyError, type NpyArray } from '../io/npy.js';
export { parseManifest, type Manifest, type ManifestModality, type ManifestExample } from '../io/manifest.js';
export * from './folds.js';
export { formatP, type Comparison } from '../stats/paired.js';
