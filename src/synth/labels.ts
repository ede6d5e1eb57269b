// The 30 FreeSurfer aseg labels that VoxelMorph and the brainstorm paper score (public FreeSurfer
// lookup-table constants). Internally a label map holds class indices: 0 = background (every other
// label), k = EVAL_LABELS[k - 1]; files are written back with the FreeSurfer values.

export interface EvalLabel { value: number; name: string }

export const EVAL_LABELS: readonly EvalLabel[] = [
  { value: 2, name: 'Left-Cerebral-White-Matter' }, { value: 3, name: 'Left-Cerebral-Cortex' },
  { value: 4, name: 'Left-Lateral-Ventricle' }, { value: 7, name: 'Left-Cerebellum-White-Matter' },
  { value: 8, name: 'Left-Cerebellum-Cortex' }, { value: 10, name: 'Left-Thalamus' },
  { value: 11, name: 'Left-Caudate' }, { value: 12, name: 'Left-Putamen' },
  { value: 13, name: 'Left-Pallidum' }, { value: 14, name: '3rd-Ventricle' },
  { value: 15, name: '4th-Ventricle' }, { value: 16, name: 'Brain-Stem' },
  { value: 17, name: 'Left-Hippocampus' }, { value: 18, name: 'Left-Amygdala' },
  { value: 24, name: 'CSF' }, { value: 28, name: 'Left-VentralDC' },
  { value: 31, name: 'Left-choroid-plexus' }, { value: 41, name: 'Right-Cerebral-White-Matter' },
  { value: 42, name: 'Right-Cerebral-Cortex' }, { value: 43, name: 'Right-Lateral-Ventricle' },
  { value: 46, name: 'Right-Cerebellum-White-Matter' }, { value: 47, name: 'Right-Cerebellum-Cortex' },
  { value: 49, name: 'Right-Thalamus' }, { value: 50, name: 'Right-Caudate' },
  { value: 51, name: 'Right-Putamen' }, { value: 52, name: 'Right-Pallidum' },
  { value: 53, name: 'Right-Hippocampus' }, { value: 54, name: 'Right-Amygdala' },
  { value: 60, name: 'Right-VentralDC' }, { value: 63, name: 'Right-choroid-plexus' },
];

/** Classes of the segmenter: background + the 30 labels. */
export const NUM_CLASSES = EVAL_LABELS.length + 1;

const INDEX_OF = new Map(EVAL_LABELS.map((l, i) => [l.value, i + 1]));

/** FreeSurfer value of class index k (0 for background). */
export function labelValue(k: number): number {
  return k === 0 ? 0 : EVAL_LABELS[k - 1]!.value;
}

/** Class index of a FreeSurfer value (0 when it is not one of the 30). */
export function classIndex(value: number): number {
  return INDEX_OF.get(value) ?? 0;
}

/** FreeSurfer values of a class-index map, for writing label files. */
export function toLabelValues(classes: Int32Array): Int32Array {
  return classes.map((k) => labelValue(k));
}
