// The folder + manifest format for users' own multi-modal data (documented in docs/gblend-data.md).
// A folder holds manifest.json and the files it names (paths relative to the folder):
//
// {
//   "classes": ["cat", "dog"],                 // class names (or a count, labels then are integers)
//   "multiLabel": false,                        // true: each example has "labels": [...]
//   "modalities": [
//     { "name": "audio", "format": "wav", "features": { "nMels": 32, "frames": 32 } },  // one file per example
//     { "name": "image", "format": "npy" },                                           // one file per example
//     { "name": "tabular", "format": "npy", "file": "tabular.npy" },                  // one array [N, ...] for all
//     { "name": "digits", "format": "idx", "file": "images.idx" },                    // one IDX array [N, ...]
//     { "name": "emb", "format": "npz", "file": "all.npz", "key": "emb" }             // an .npz entry [N, ...]
//   ],
//   "examples": [
//     { "audio": "a/0.wav", "image": "i/0.npy", "label": "cat", "group": "spk1", "split": "train" }
//   ]
// }
// "split" is "train" (default) or "test"; "group" (optional) names the source (speaker, site, ...)
// so that held-out sets can hold out whole sources.

export type ModalityFormat = 'wav' | 'npy' | 'idx' | 'npz';

export interface ManifestModality {
  name: string;
  format: ModalityFormat;
  /** One array for all examples (row i = example i); absent: one file per example. */
  file?: string;
  key?: string;
  features?: { nFft?: number; hop?: number; nMels?: number; frames?: number };
}

export interface ManifestExample {
  files: Record<string, string>;
  labels: (string | number)[];
  group?: string;
  split: 'train' | 'test';
}

export interface Manifest {
  classes: string[];
  multiLabel: boolean;
  modalities: ManifestModality[];
  examples: ManifestExample[];
}

const FORMATS: ModalityFormat[] = ['wav', 'npy', 'idx', 'npz'];

export function parseManifest(text: string, source = 'manifest.json'): Manifest {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (e) { throw new Error(`${source}: not valid JSON (${e instanceof Error ? e.message : String(e)})`); }
  const o = raw as Record<string, unknown>;
  if (!o || typeof o !== 'object') throw new Error(`${source}: expected a JSON object`);
  let classes: string[];
  if (typeof o.classes === 'number' && Number.isInteger(o.classes) && o.classes >= 2) classes = Array.from({ length: o.classes }, (_, i) => String(i));
  else if (Array.isArray(o.classes) && o.classes.length >= 2 && o.classes.every((c) => typeof c === 'string')) classes = o.classes as string[];
  else throw new Error(`${source}: "classes" must be a list of at least 2 class names or an integer >= 2`);
  if (new Set(classes).size !== classes.length) throw new Error(`${source}: "classes" lists a name twice`);
  const multiLabel = o.multiLabel === true;
  if (!Array.isArray(o.modalities) || o.modalities.length === 0) throw new Error(`${source}: "modalities" must be a non-empty list`);
  const modalities = o.modalities.map((m: Record<string, unknown>, i: number): ManifestModality => {
    const where = `${source}: modalities[${i}]`;
    if (typeof m?.name !== 'string' || !m.name) throw new Error(`${where}: "name" must be a non-empty string`);
    if (!FORMATS.includes(m.format as ModalityFormat)) throw new Error(`${where} ("${m.name}"): "format" must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(m.format)}`);
    if ((m.format === 'idx' || m.format === 'npz') && typeof m.file !== 'string') throw new Error(`${where} ("${m.name}"): format ${m.format} needs "file" (one array for all examples)`);
    if (m.format === 'npz' && typeof m.key !== 'string') throw new Error(`${where} ("${m.name}"): format npz needs "key" (the array's name in the archive)`);
    if (m.format === 'wav' && m.file !== undefined) throw new Error(`${where} ("${m.name}"): wav modalities have one file per example, remove "file"`);
    return { name: m.name, format: m.format as ModalityFormat, file: m.file as string | undefined, key: m.key as string | undefined, features: m.features as ManifestModality['features'] };
  });
  if (!Array.isArray(o.examples) || o.examples.length === 0) throw new Error(`${source}: "examples" must be a non-empty list`);
  const examples = o.examples.map((e: Record<string, unknown>, i: number): ManifestExample => {
    const where = `${source}: examples[${i}]`;
    const files: Record<string, string> = {};
    for (const m of modalities) {
      if (m.file) continue;
      const f = e?.[m.name];
      if (typeof f !== 'string' || !f) throw new Error(`${where}: modality "${m.name}" needs a file path (a string), got ${JSON.stringify(f)}`);
      files[m.name] = f;
    }
    const labels = multiLabel ? e.labels : [e.label];
    if (!Array.isArray(labels) || (!multiLabel && labels[0] === undefined)) throw new Error(`${where}: needs ${multiLabel ? '"labels" (a list)' : '"label"'}`);
    for (const l of labels) {
      const ok = typeof l === 'string' ? classes.includes(l) : typeof l === 'number' && Number.isInteger(l) && l >= 0 && l < classes.length;
      if (!ok) throw new Error(`${where}: unknown class ${JSON.stringify(l)} (expected one of ${classes.join(', ')} or an index below ${classes.length})`);
    }
    const split = (e.split ?? 'train') as string;
    if (split !== 'train' && split !== 'test') throw new Error(`${where}: "split" must be "train" or "test", got ${JSON.stringify(split)}`);
    if (e.group !== undefined && typeof e.group !== 'string') throw new Error(`${where}: "group" must be a string`);
    return { files, labels: labels as (string | number)[], group: e.group as string | undefined, split };
  });
  return { classes, multiLabel, modalities, examples };
}
