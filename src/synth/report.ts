// Reporting: the results object and its JSON (the issue's contract), a Markdown table in the layout
// of the paper's Table 1, a per-label Dice plot (SVG text), and PNG montages with label overlays.
import { encodePng } from '../io/png.js';
import { COMPARISON_METHOD, comparisonsTable, type Comparison } from '../stats/paired.js';
import type { Shape3 } from './preprocess.js';

/**
 * One method's scores. The field names are results.json's (the documented contract: `dice_mean`,
 * `dice_std`, `per_label`); SynthResultsJson below is the file itself, built from these by resultsJson.
 */
export interface MethodResult {
  name: string;
  /** Mean over the evaluated labels of the per-label Dice (averaged over test subjects). */
  dice_mean: number;
  /** Std over labels and subjects pooled. */
  dice_std: number;
  /** Std over test subjects of each subject's mean Dice. */
  dice_std_subjects?: number;
  /** Label id (as the input gave it) -> mean Dice over the test subjects that have the label. */
  per_label: Record<string, number>;
  subjects: { subject: string; dice: Map<number, number> }[];
  /** Per test subject: mean Dice minus SAS's on the same subject. */
  improvementOverSas?: number[];
}

export interface SynthResults {
  methods: MethodResult[];
  /** Paired over test subjects (Wilcoxon signed-rank, bootstrap CI): every method vs sas, rand-aug, supervised. */
  comparisons?: Comparison[];
  /** With validation scans: each method's validation Dice; for segmenters the curve and the step kept. */
  validation?: { subjects: string[]; methods: Record<string, { dice_mean: number; best_step?: number; stopped_at?: number; curve?: { step: number; dice: number }[] }> };
  /** Atlas labels warped by the training fields phi_i vs the unlabeled scans' own label maps (when given). */
  labelTransfer?: MethodResult;
  /** The appearance model's share of the atlas-vs-registered-scan difference it reproduces (atlas space, unlabeled scans). */
  appearanceFit?: { absorbed: number; absorbed_near_boundaries: number; absorbed_away_from_boundaries: number; residual_rms: number };
  /** The evaluated labels: where they came from and id -> name. */
  labels?: { source: string; names: Record<string, string> };
  folding: { sas: { subject: string; fraction: number }[]; train: { subject: string; fraction: number }[] };
  timings: Record<string, number>;
  losses: Record<string, number[]>;
  data: { atlas: string; unlabeled: string[]; tests: string[]; train: string[]; val?: string[]; shape: Shape3; dims: 2 | 3; notes: string[] };
}

/** One entry of results.json's `methods` (values rounded to 4 decimals). */
export interface SynthMethodJson extends Pick<MethodResult, 'name' | 'dice_mean' | 'dice_std' | 'per_label'> {
  per_subject: { subject: string; dice_mean: number; labels: number }[];
  /** Pairwise (per test subject) mean Dice minus SAS's. */
  improvement_over_sas?: { mean: number; std: number; per_subject: number[] };
}

/** The whole of `synth run`'s results.json (what SynthService.runStage returns as `results`). */
export interface SynthResultsJson {
  methods: SynthMethodJson[];
  /** FreeSurfer label value -> structure name, for every evaluated label. */
  labels: Record<string, string>;
  folding: { description: string; sas: { subject: string; fraction: number }[]; train: { subject: string; fraction: number }[] };
  final_losses: Record<string, number>;
  data: SynthResults['data'];
  /** Added by the command line: the configuration and the command. */
  [extra: string]: unknown;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/**
 * results.json's object: {"methods": [{"name", "dice_mean", "dice_std", "per_label": {"<label>": x}}], ...}: a pure
 * function of the data, config and seed (no timings: those go to timings.json), so a resumed run writes the same bytes.
 */
export function resultsObject(r: SynthResults, extra: Record<string, unknown> = {}): SynthResultsJson {
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);
  const std = (a: number[]) => Math.sqrt(mean(a.map((v) => (v - mean(a)) ** 2)));
  return {
    methods: r.methods.map((m): SynthMethodJson => ({
      name: m.name,
      dice_mean: r4(m.dice_mean),
      dice_std: r4(m.dice_std),
      ...(m.dice_std_subjects !== undefined ? { dice_std_subjects: r4(m.dice_std_subjects) } : {}),
      per_label: Object.fromEntries(Object.entries(m.per_label).map(([k, v]) => [k, r4(v)])),
      per_subject: m.subjects.map((s) => ({ subject: s.subject, dice_mean: r4(mean([...s.dice.values()])), labels: s.dice.size })),
      ...(m.improvementOverSas ? { improvement_over_sas: { mean: r4(mean(m.improvementOverSas)), std: r4(std(m.improvementOverSas)), per_subject: m.improvementOverSas.map(r4) } } : {}),
    })),
    ...(r.labelTransfer ? { label_transfer: {
      description: 'the spatial model\'s label transfer: atlas labels warped by phi_i to each unlabeled scan with a label map (used for this report only), Dice against it',
      dice_mean: r4(r.labelTransfer.dice_mean), dice_std: r4(r.labelTransfer.dice_std), dice_std_subjects: r4(r.labelTransfer.dice_std_subjects ?? 0),
      per_label: Object.fromEntries(Object.entries(r.labelTransfer.per_label).map(([k, v]) => [k, r4(v)])),
      per_subject: r.labelTransfer.subjects.map((s) => ({ subject: s.subject, dice_mean: r4([...s.dice.values()].reduce((a, b) => a + b, 0) / Math.max(1, s.dice.size)) })),
    } } : {}),
    ...(r.appearanceFit ? { appearance_fit: {
      description: 'the appearance model in atlas space over the unlabeled scans: r = y_i o phi_i^-1 - x (what registration left: intensity differences and unaligned anatomy), absorbed = 1 - sum (r - psi_i)^2 / sum r^2, overall, near atlas label boundaries (c_x = 1) and away from them; residual_rms = rms of r',
      absorbed: r4(r.appearanceFit.absorbed), absorbed_near_boundaries: r4(r.appearanceFit.absorbed_near_boundaries),
      absorbed_away_from_boundaries: r4(r.appearanceFit.absorbed_away_from_boundaries), residual_rms: r4(r.appearanceFit.residual_rms),
    } } : {}),
    ...(r.validation ? { validation: {
      description: 'model selection on the validation scans (never the test scans): each segmenter is kept at the step of its best validation Dice (mean over validation subjects of each subject\'s mean Dice); stopped_at: where training stopped (patience)',
      subjects: r.validation.subjects,
      methods: Object.fromEntries(Object.entries(r.validation.methods).map(([k, v]) => [k, { ...v, dice_mean: r4(v.dice_mean), ...(v.curve ? { curve: v.curve.map((p) => ({ step: p.step, dice: r4(p.dice) })) } : {}) }])),
    } } : {}),
    labels: r.labels?.names ?? {},
    labels_source: r.labels?.source ?? '',
    comparisons: r.comparisons ?? [],
    comparison_method: { ...COMPARISON_METHOD, pairing: 'test subjects (each subject\'s mean Dice over its labels)' },
    dice_std_description: 'dice_std: over labels and subjects pooled; dice_std_subjects: over test subjects of each subject\'s mean Dice',
    folding: {
      description: 'share of brain voxels (warped atlas labels) with Jacobian determinant of id + u <= 0',
      sas: r.folding.sas.map((f) => ({ subject: f.subject, fraction: r4(f.fraction) })),
      train: r.folding.train.map((f) => ({ subject: f.subject, fraction: r4(f.fraction) })),
    },
    final_losses: Object.fromEntries(Object.entries(r.losses).filter(([, v]) => v.length).map(([k, v]) => [k, r4(mean(v.slice(-10)))])),
    data: r.data,
    ...extra,
  };
}

/** results.json's text (resultsObject, indented). */
export function resultsJson(r: SynthResults, extra: Record<string, unknown> = {}): string {
  return JSON.stringify(resultsObject(r, extra), null, 2) + '\n';
}

/** The paper's Table 1 layout: method, Dice mean (std), pairwise improvement over SAS mean (std). */
export function diceTable(r: SynthResults): string {
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / Math.max(1, a.length);
  const std = (a: number[]) => Math.sqrt(mean(a.map((v) => (v - mean(a)) ** 2)));
  const lines = ['| Method | Dice mean (std pooled) | std over subjects | Pairwise Dice improvement over SAS mean (std) |', '|---|---|---|---|'];
  for (const m of r.methods) {
    const imp = m.improvementOverSas && m.name !== 'sas' ? `${mean(m.improvementOverSas).toFixed(3)} (${std(m.improvementOverSas).toFixed(3)})` : '-';
    lines.push(`| ${m.name} | ${m.dice_mean.toFixed(3)} (${m.dice_std.toFixed(3)}) | ${m.dice_std_subjects !== undefined ? m.dice_std_subjects.toFixed(3) : '-'} | ${imp} |`);
  }
  if (r.appearanceFit) lines.push('', `Appearance model: reproduces ${(100 * r.appearanceFit.absorbed).toFixed(1)}% of the atlas-vs-registered-scan difference (near label boundaries ${(100 * r.appearanceFit.absorbed_near_boundaries).toFixed(1)}%, away ${(100 * r.appearanceFit.absorbed_away_from_boundaries).toFixed(1)}%; rms of the difference ${r.appearanceFit.residual_rms.toFixed(4)})`);
  if (r.labelTransfer) lines.push('', `Spatial model label transfer (atlas -> ${r.labelTransfer.subjects.length} unlabeled scans with label maps): Dice ${r.labelTransfer.dice_mean.toFixed(3)} (${r.labelTransfer.dice_std.toFixed(3)})`);
  if (r.comparisons?.length) {
    lines.push('', `Paired over ${r.comparisons[0]!.n} test subjects (a - b of each subject's mean Dice; two-sided Wilcoxon signed-rank; 95% bootstrap CI of the mean):`, '');
    lines.push(comparisonsTable(r.comparisons).trimEnd());
  }
  const f = r.folding.sas;
  if (f.length) lines.push('', `Spatial model folding (Jacobian <= 0 in brain), atlas -> test: ${f.map((x) => `${x.subject} ${(100 * x.fraction).toFixed(2)}%`).join(', ')}`);
  return lines.join('\n') + '\n';
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** Per-label Dice: one row per label present, one marker per method. */
export function perLabelSvg(r: SynthResults): string {
  const labels = Object.entries(r.labels?.names ?? {}).map(([value, name]) => ({ value: Number(value), name }))
    .filter((l) => r.methods.some((m) => m.per_label[String(l.value)] !== undefined));
  const rowH = 16, left = 210, width = 420, top = 30, legendH = 18 * r.methods.length + 10;
  const h = top + rowH * labels.length + 30 + legendH;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${left + width + 30}" height="${h}" font-family="sans-serif" font-size="11">`,
    `<text x="${left}" y="16" font-size="13">Dice per label (${esc(r.data.tests.join(', '))})</text>`];
  for (let t = 0; t <= 10; t += 2) {
    const x = left + (width * t) / 10;
    parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + rowH * labels.length}" stroke="#ddd"/><text x="${x}" y="${top + rowH * labels.length + 14}" text-anchor="middle">${(t / 10).toFixed(1)}</text>`);
  }
  labels.forEach((l, i) => {
    const y = top + rowH * i + rowH / 2;
    parts.push(`<text x="${left - 6}" y="${y + 4}" text-anchor="end">${esc(l.name)}</text>`);
    r.methods.forEach((m, k) => {
      const v = m.per_label[String(l.value)];
      if (v === undefined) return;
      parts.push(`<circle cx="${(left + width * v).toFixed(1)}" cy="${y}" r="4" fill="${PALETTE[k % PALETTE.length]}" fill-opacity="0.8"><title>${esc(m.name)}: ${v.toFixed(3)}</title></circle>`);
    });
  });
  const ly = top + rowH * labels.length + 30;
  r.methods.forEach((m, k) => {
    parts.push(`<circle cx="${left + 6}" cy="${ly + 18 * k}" r="5" fill="${PALETTE[k % PALETTE.length]}"/><text x="${left + 16}" y="${ly + 18 * k + 4}">${esc(m.name)} (${m.dice_mean.toFixed(3)})</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** A colour per class index (0 = none), well spread in hue. */
function classColour(k: number): [number, number, number] {
  const hue = (k * 137.508) % 360, s = 0.75, v = 0.95;
  const c = v * s, x = c * (1 - Math.abs(((hue / 60) % 2) - 1)), m = v - c;
  const [r, g, b] = hue < 60 ? [c, x, 0] : hue < 120 ? [x, c, 0] : hue < 180 ? [0, c, x] : hue < 240 ? [0, x, c] : hue < 300 ? [x, 0, c] : [c, 0, x];
  return [255 * (r + m), 255 * (g + m), 255 * (b + m)];
}

/**
 * Mid-slice montage: one column per volume (depth slice D/2), top row the image, bottom row the image
 * with its class-index labels overlaid (alpha 0.45). Small grids are enlarged by an integer factor.
 */
export async function montagePng(items: { image: Float32Array; labels: Int32Array }[], shape: Shape3): Promise<Uint8Array> {
  const [D, H, W] = shape;
  const z = Math.floor(D / 2);
  const zoom = Math.max(1, Math.floor(160 / Math.max(H, W)));
  const gap = 2, cw = W * zoom, ch = H * zoom;
  const width = items.length * (cw + gap) - gap, height = 2 * ch + gap;
  const px = new Uint8Array(width * height * 3);
  items.forEach((it, col) => {
    for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) {
      const i = (z * H + Math.floor(y / zoom)) * W + Math.floor(x / zoom);
      const g = Math.round(255 * Math.min(1, Math.max(0, it.image[i]!)));
      const ox = col * (cw + gap) + x;
      const top = (y * width + ox) * 3;
      px[top] = px[top + 1] = px[top + 2] = g;
      const bot = ((y + ch + gap) * width + ox) * 3;
      const k = it.labels[i]!;
      const [r, gg, b] = k > 0 ? classColour(k) : [g, g, g];
      const a = k > 0 ? 0.45 : 0;
      px[bot] = Math.round((1 - a) * g + a * r);
      px[bot + 1] = Math.round((1 - a) * g + a * gg);
      px[bot + 2] = Math.round((1 - a) * g + a * b);
    }
  });
  return encodePng(width, height, px, 3);
}
