// Learned-transformation MRI synthesis (Zhao et al., CVPR 2019): public API of the pipeline.
// Data in (NIfTI bytes or generated phantoms), stages with progress/cancel/checkpoints, results out.
export { EVAL_LABELS, NUM_CLASSES, classIndex, labelValue, toLabelValues, type EvalLabel } from './labels.js';
export {
  normalizeIntensity, remapLabels, checkSameGrid, downsampleImage, downsampleLabels, paddedShape, padVolume, cropVolume,
  extractSlice, sliceGeometry, shapeOf, type Scan, type Shape3,
} from './preprocess.js';
export { phantomSubject, phantomCohort, type PhantomOptions, type PhantomCohort } from './phantoms.js';
export { jacobianDeterminant, foldingFraction, boundaryMask, gaussianBlur, randomSmoothField, randAugAmplitude, type RandAugOptions } from './fields.js';
export { spatialModelToVxm, segmenterToVxm, spatialCheckpointFromVxm } from './vxm-export.js';
export { exportTrainingSet, type ExportedExample } from './export.js';
export { SpatialModel, AppearanceModel, Segmenter, type SpatialConfig, type AppearanceConfig, type SegmenterConfig, type NetSizes } from './models.js';
export { trainWithCheckpoints, CancelledError, type StageProgress, type ProgressFn, type TrainOptions, type TrainResult } from './train.js';
export { prepareData, phantomData, baseName, type SynthData, type InputFiles, type FileRef, type LabeledFiles, type PrepareOptions } from './data.js';
export {
  SynthPipeline, presetConfig, gridMultiple, diceByLabel, STAGES, METHOD_NAMES, type SynthConfig, type Stage, type MethodName, type VolumeOut,
} from './pipeline.js';
export {
  resultsJson, resultsObject, diceTable, perLabelSvg, montagePng, type MethodResult, type SynthResults, type SynthResultsJson, type SynthMethodJson,
} from './report.js';
export { drawBlob, smoothField, type LabelledImage } from './shapes.js';
