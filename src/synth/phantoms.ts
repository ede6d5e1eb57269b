// The embedded default data: a generated cohort of brain-like phantoms, so the pipeline runs with no
// files. A template label map of nested structures (CSF shell, cortex, white matter, ventricles,
// deep grey nuclei, brain stem; left/right halves get FreeSurfer's left/right labels), and per
// subject a smooth random deformation, per-tissue contrast changes, a smooth multiplicative bias
// field and noise. 2D phantoms (D = 1) are the central slice of the 3D template.
import { defaultGeometry } from '../io/nifti.js';
import { classIndex } from './labels.js';
import type { Scan, Shape3 } from './preprocess.js';

interface Structure {
  /** FreeSurfer labels (left, right); a single label for midline structures. */
  labels: [number, number] | [number];
  centre: [number, number, number];
  radii: [number, number, number];
  intensity: number;
}

// Normalised coordinates (z, y, x) in [-1, 1]; y grows downwards (inferior), x to the right.
const DEEP: Structure[] = [
  { labels: [4, 43], centre: [0, -0.12, 0.17], radii: [0.32, 0.13, 0.08], intensity: 0.12 },
  { labels: [11, 50], centre: [0.05, -0.04, 0.29], radii: [0.2, 0.1, 0.07], intensity: 0.6 },
  { labels: [12, 51], centre: [0, 0.14, 0.42], radii: [0.22, 0.14, 0.08], intensity: 0.68 },
  { labels: [10, 49], centre: [-0.1, 0.16, 0.13], radii: [0.16, 0.12, 0.1], intensity: 0.73 },
  { labels: [17, 53], centre: [-0.08, 0.36, 0.33], radii: [0.16, 0.07, 0.07], intensity: 0.58 },
  { labels: [14], centre: [-0.05, 0.16, 0], radii: [0.16, 0.1, 0.025], intensity: 0.15 },
  { labels: [16], centre: [-0.2, 0.62, 0], radii: [0.28, 0.3, 0.12], intensity: 0.78 },
];
const BRAIN_RADII: [number, number, number] = [0.82, 0.86, 0.78];
const TISSUE = { csf: 0.25, cortex: 0.5, wm: 0.86 };

/** FreeSurfer label and base intensity of the template at normalised point (z, y, x). */
function template(z: number, y: number, x: number): [number, number] {
  const r = Math.hypot(z / BRAIN_RADII[0], y / BRAIN_RADII[1], x / BRAIN_RADII[2]);
  if (r >= 1) return [0, 0];
  const right = x >= 0 ? 1 : 0;
  for (const s of DEEP) {
    const cx = s.labels.length === 2 ? (right ? s.centre[2] : -s.centre[2]) : s.centre[2];
    const q = ((z - s.centre[0]) / s.radii[0]) ** 2 + ((y - s.centre[1]) / s.radii[1]) ** 2 + ((x - cx) / s.radii[2]) ** 2;
    if (q <= 1) return [s.labels.length === 2 ? s.labels[right]! : s.labels[0], s.intensity];
  }
  if (r >= 0.92) return [24, TISSUE.csf];
  if (r >= 0.74) return [right ? 42 : 3, TISSUE.cortex];
  return [right ? 41 : 2, TISSUE.wm];
}

/** Mulberry32: the phantoms' own seeded host generator. */
function hostRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PhantomOptions {
  /** Deformation amplitude in normalised units (0.05 ~ 2.5% of the head size per component). */
  deform?: number;
  /** Std of the per-tissue contrast factor. */
  contrast?: number;
  /** Amplitude of the multiplicative bias field. */
  bias?: number;
  noise?: number;
}

/** One phantom subject on grid `shape` [D, H, W]; subject 0 with deform 0 is the undeformed template. */
export function phantomSubject(shape: Shape3, seed: number, name: string, o: PhantomOptions = {}): Scan {
  const rand = hostRandom(seed * 7919 + 17);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const deform = o.deform ?? 0.05, contrast = o.contrast ?? 0.08, biasAmp = o.bias ?? 0.12, noise = o.noise ?? 0.02;
  // Smooth deformation: global anisotropic scaling + 3 low-frequency sinusoids per component.
  const scale = [1 + deform * gauss(), 1 + deform * gauss(), 1 + deform * gauss()];
  const waves = Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => ({
    a: deform * gauss(), f: [rand() * 1.5, rand() * 1.5, rand() * 1.5], p: rand() * 2 * Math.PI,
  })));
  const bias = Array.from({ length: 2 }, () => ({ a: biasAmp * gauss() * 0.7, f: [rand(), rand(), rand()], p: rand() * 2 * Math.PI }));
  const tissueGain = new Map<number, number>();
  // Contrast varies per structure, drawn in a fixed label order so subjects stay reproducible.
  for (const l of [2, 3, 4, 10, 11, 12, 14, 16, 17, 24, 41, 42, 43, 49, 50, 51, 53]) tissueGain.set(l, 1 + contrast * gauss());
  const gainOf = (label: number) => tissueGain.get(label) ?? 1;
  const [D, H, W] = shape;
  const n = D * H * W;
  const image = new Float32Array(n), labels = new Int32Array(n);
  const norm = (i: number, size: number) => (size === 1 ? 0 : (2 * (i + 0.5)) / size - 1);
  const ss = D === 1 ? [[0, -0.25, -0.25], [0, -0.25, 0.25], [0, 0.25, -0.25], [0, 0.25, 0.25]] : [[-0.25, -0.25, -0.25], [0.25, 0.25, 0.25], [-0.25, 0.25, 0.25], [0.25, -0.25, -0.25]];
  const sample = (z: number, y: number, x: number): [number, number] => {
    const p = [z, y, x];
    const q = p.map((v, c) => {
      let u = v * scale[c]!;
      for (const w of waves[c]!) u += w.a * Math.sin(Math.PI * (w.f[0]! * p[0]! + w.f[1]! * p[1]! + w.f[2]! * p[2]!) + w.p);
      return u;
    });
    const [lab, inten] = template(D === 1 ? 0 : q[0]!, q[1]!, q[2]!);
    return [lab, lab === 0 ? 0 : inten * gainOf(lab)];
  };
  for (let zi = 0; zi < D; zi++) for (let yi = 0; yi < H; yi++) for (let xi = 0; xi < W; xi++) {
    const z = norm(zi, D), y = norm(yi, H), x = norm(xi, W);
    const i = (zi * H + yi) * W + xi;
    labels[i] = sample(z, y, x)[0];
    // Partial volume: the intensity is the mean of 4 sub-voxel samples.
    let s = 0;
    for (const o4 of ss) s += sample(z + (2 * o4[0]!) / D, y + (2 * o4[1]!) / H, x + (2 * o4[2]!) / W)[1];
    let b = 1;
    for (const f of bias) b += f.a * Math.sin(Math.PI * (f.f[0]! * z + f.f[1]! * y + f.f[2]! * x) + f.p);
    const v = (s / ss.length) * b + (s > 0 ? noise * gauss() : 0);
    image[i] = Math.min(1, Math.max(0, v));
  }
  return { name, shape, image, labels: labels.map((l) => classIndex(l)), geometry: defaultGeometry() };
}

export interface PhantomCohort { atlas: Scan; unlabeled: Scan[]; tests: Scan[] }

/** Atlas (the template, mildly varied), `unlabeled` subjects and `tests` labeled test subjects. */
export function phantomCohort(shape: Shape3, counts: { unlabeled: number; tests: number }, seed = 1, o: PhantomOptions = {}): PhantomCohort {
  const atlas = phantomSubject(shape, seed * 1000, 'phantom-atlas', { ...o, deform: (o.deform ?? 0.05) * 0.3 });
  const unlabeled = Array.from({ length: counts.unlabeled }, (_, i) => {
    const s = phantomSubject(shape, seed * 1000 + 1 + i, `phantom-unlabeled-${i}`, o);
    delete s.labels;
    return s;
  });
  const tests = Array.from({ length: counts.tests }, (_, i) => phantomSubject(shape, seed * 1000 + 500 + i, `phantom-test-${i}`, o));
  return { atlas, unlabeled, tests };
}
