// Label sets. Internally a label map holds class indices: 0 = background, k = set.labels[k - 1];
// files, results.json's per_label keys and the reports use the label ids as the input gave them.
// Which labels are evaluated (labelSetFor below):
//   --labels FILE  the ids the file names (FreeSurfer LUT lines "id name r g b a", or "id name")
//                  that the atlas label map holds;
//   otherwise      the ids the atlas label map holds, named "label <id>"; only when those ids are
//                  a FreeSurfer aseg's (every id an aseg id, and right-hemisphere ids >= 41 present)
//                  are they FreeSurfer's, and then the 30 labels VoxelMorph and the brainstorm paper
//                  score (public FreeSurfer lookup-table constants, EVAL_LABELS) are evaluated.
// Every id that becomes background is listed in the data notes: no silent remap.

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

/** Ids FreeSurfer's aseg writes (FreeSurferColorLUT), for recognising an aseg label map. */
const ASEG_IDS = new Set([2, 3, 4, 5, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 24, 26, 28, 30, 31, 41, 42, 43, 44, 46, 47,
  49, 50, 51, 52, 53, 54, 58, 60, 62, 63, 72, 77, 78, 79, 80, 81, 82, 85, 251, 252, 253, 254, 255]);

/** The most classes a label set may have (down-sampling counts votes per class index in 8 bits). */
export const MAX_LABELS = 255;

/** An ordered set of evaluated labels: class index k = labels[k - 1], 0 = background. */
export class LabelSet {
  private readonly index: Map<number, number>;
  constructor(readonly labels: readonly EvalLabel[], readonly source: string) {
    if (labels.length === 0) throw new Error(`label set (${source}) is empty`);
    if (labels.length > MAX_LABELS) throw new Error(`label set (${source}) has ${labels.length} labels; at most ${MAX_LABELS} are supported`);
    this.index = new Map(labels.map((l, i) => [l.value, i + 1]));
    if (this.index.size !== labels.length) throw new Error(`label set (${source}) names an id twice`);
    if (this.index.has(0)) throw new Error(`label set (${source}): id 0 is background and cannot be evaluated`);
  }
  /** Background + the labels. */
  get numClasses(): number { return this.labels.length + 1; }
  /** Label id of class index k (0 for background). */
  value(k: number): number { return k === 0 ? 0 : this.labels[k - 1]!.value; }
  /** Class index of a label id (0 when the set does not hold it). */
  classIndex(value: number): number { return this.index.get(value) ?? 0; }
  /** Label ids of a class-index map, for writing label files. */
  toValues(classes: Int32Array): Int32Array { return classes.map((k) => this.value(k)); }
  /** id -> name (results.json's "labels"). */
  names(): Record<string, string> { return Object.fromEntries(this.labels.map((l) => [String(l.value), l.name])); }
}

/** The paper's 30 FreeSurfer labels (the phantoms and aseg inputs). */
export const FREESURFER_30 = new LabelSet(EVAL_LABELS, 'FreeSurfer aseg: the 30 labels VoxelMorph and the paper score');

/**
 * Parses a label file: FreeSurfer's LUT ("id name r g b a", '#' comments) or "id name" lines (the
 * name may hold no spaces in the LUT form; with two columns the rest of the line is the name).
 * Id 0 (background, "Unknown") is skipped. Errors name the file and line.
 */
export function parseLabelFile(text: string, source: string): EvalLabel[] {
  const out: EvalLabel[] = [];
  const seen = new Set<number>();
  text.split(/\r?\n/).forEach((raw, n) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const parts = line.split(/\s+/);
    const id = Number(parts[0]);
    if (!Number.isInteger(id) || id < 0) throw new Error(`${source}:${n + 1}: expected "id name [r g b a]", got "${raw.trim()}" (the id must be a non-negative integer)`);
    if (parts.length < 2) throw new Error(`${source}:${n + 1}: label ${id} has no name`);
    const lut = parts.length === 6 && parts.slice(2).every((p) => /^\d+$/.test(p));
    const name = lut ? parts[1]! : parts.slice(1).join(' ');
    if (seen.has(id)) throw new Error(`${source}:${n + 1}: id ${id} appears twice`);
    seen.add(id);
    if (id !== 0) out.push({ value: id, name });
  });
  if (out.length === 0) throw new Error(`${source}: names no label other than 0 (background)`);
  return out;
}

/** True when the ids look like a FreeSurfer aseg: every id an aseg id and right-hemisphere ids present. */
export function isFreeSurferAseg(ids: Iterable<number>): boolean {
  const a = [...ids].filter((v) => v !== 0);
  return a.length > 0 && a.every((v) => ASEG_IDS.has(v)) && a.some((v) => v >= 41 && v <= 63);
}

/**
 * The evaluated label set for an atlas label map holding `atlasIds` (non-zero ids present), with
 * notes that say where it came from and which ids become background.
 */
export function labelSetFor(atlasIds: Iterable<number>, atlasName: string, file?: { labels: EvalLabel[]; name: string }): { set: LabelSet; notes: string[] } {
  const present = [...new Set(atlasIds)].filter((v) => v !== 0).sort((a, b) => a - b);
  if (present.length === 0) throw new Error(`${atlasName}: the atlas label map holds no label other than 0 (background)`);
  const notes: string[] = [];
  const list = (ids: number[]) => ids.slice(0, 20).join(', ') + (ids.length > 20 ? `, ... (${ids.length})` : '');
  if (file) {
    const named = new Map(file.labels.map((l) => [l.value, l.name]));
    const kept = file.labels.filter((l) => present.includes(l.value));
    if (kept.length === 0) throw new Error(`${file.name}: none of its ids is in the atlas label map ${atlasName} (atlas ids: ${list(present)})`);
    const absent = file.labels.filter((l) => !present.includes(l.value)).map((l) => l.value);
    const unnamed = present.filter((v) => !named.has(v));
    notes.push(`labels: ${kept.length} ids named in ${file.name} and present in the atlas are evaluated`);
    if (absent.length) notes.push(`labels: ids ${list(absent)} of ${file.name} are not in the atlas label map (nothing can predict them): not evaluated`);
    if (unnamed.length) notes.push(`labels: atlas ids ${list(unnamed)} are not in ${file.name}: treated as background`);
    return { set: new LabelSet(kept, file.name), notes };
  }
  if (isFreeSurferAseg(present)) {
    const kept = EVAL_LABELS.filter((l) => present.includes(l.value));
    const other = present.filter((v) => !INDEX_OF.has(v));
    notes.push(`labels: FreeSurfer aseg ids; the ${kept.length} of the paper's 30 evaluation labels present in the atlas are evaluated`);
    if (other.length) notes.push(`labels: aseg ids ${list(other)} are outside the paper's 30: treated as background (give --labels FILE to evaluate them)`);
    return { set: new LabelSet(kept, 'FreeSurfer aseg ids (the paper\'s 30 evaluation labels present in the atlas)'), notes };
  }
  if (present.length > MAX_LABELS) throw new Error(`${atlasName}: the atlas label map holds ${present.length} distinct ids; at most ${MAX_LABELS} are supported (is it an image rather than a label map?)`);
  notes.push(`labels: the ${present.length} ids present in the atlas label map (${list(present)}) are evaluated; no names given (--labels FILE names them)`);
  return { set: new LabelSet(present.map((v) => ({ value: v, name: `label ${v}` })), `ids present in ${atlasName}`), notes };
}
