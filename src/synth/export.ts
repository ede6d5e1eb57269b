// The synthesized training set written out for other trainers (PyTorch, docs/voxelmorph.md):
//   images/NNNN.nii.gz   float32 image, the cropped grid and geometry of the inputs
//   labels/NNNN.nii.gz   int16 class indices 0..classes-1 (0 = background), same grid
//   index.csv            id,image,label,shape_index,appearance_index
//   index.json           {classes, label_values (FreeSurfer value of each class), shape [i, j, k], examples: [...]}
// Example e combines the spatial transform of unlabeled scan i with the appearance of scan j, drawn
// as the synthesize stage draws them (so the first synthCount match its synth/ NIfTIs).
import type { BlobStore } from '../io/checkpoint-store.js';
import { writeNifti } from '../io/nifti.js';
import { Rng } from '../ops/create.js';
import { classIndex, labelValue, NUM_CLASSES } from './labels.js';
import type { SynthPipeline } from './pipeline.js';

export interface ExportedExample { id: string; image: string; label: string; shape_index: number; appearance_index: number }

export async function exportTrainingSet(p: SynthPipeline, store: BlobStore, count: number, onProgress?: (done: number, total: number) => void): Promise<ExportedExample[]> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`exportTrainingSet: count must be an integer >= 1, got ${count}`);
  const n = p.data.unlabeled.length;
  const rng = new Rng(p.config.seed + 2);
  const [d, h, w] = p.data.cropShape;
  const examples: ExportedExample[] = [];
  for (let e = 0; e < count; e++) {
    const i = Math.floor(rng.uniform() * n), j = Math.floor(rng.uniform() * n);
    const [img, lab] = await p.example(i, j);
    const id = String(e).padStart(4, '0');
    const ex: ExportedExample = { id, image: `images/${id}.nii.gz`, label: `labels/${id}.nii.gz`, shape_index: i, appearance_index: j };
    await store.save(ex.image, await writeNifti({ dims: [w, h, d], data: img.data, datatype: 'float32', geometry: p.data.geometry }));
    const classes = Int32Array.from(lab.data, (v) => classIndex(v));
    await store.save(ex.label, await writeNifti({ dims: [w, h, d], data: classes, datatype: 'int16', geometry: p.data.geometry }));
    examples.push(ex);
    onProgress?.(e + 1, count);
  }
  const csv = ['id,image,label,shape_index,appearance_index', ...examples.map((x) => `${x.id},${x.image},${x.label},${x.shape_index},${x.appearance_index}`)].join('\n') + '\n';
  await store.save('index.csv', new TextEncoder().encode(csv));
  const json = {
    classes: NUM_CLASSES,
    label_values: Array.from({ length: NUM_CLASSES }, (_, k) => labelValue(k)),
    shape: [w, h, d],
    atlas: p.data.atlas.name,
    unlabeled: p.data.unlabeled.map((u) => u.name),
    examples,
  };
  await store.save('index.json', new TextEncoder().encode(JSON.stringify(json, null, 2) + '\n'));
  return examples;
}
