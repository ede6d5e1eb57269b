// The learned-transformation pipeline (Zhao et al. 2019) as stages over one SynthData:
//   spatial     train g_s on (atlas, unlabeled) pairs; fields phi_i and their inverses
//   appearance  train h_a on (atlas, y_i o phi_i^-1); psi_i
//   synthesize  write synthesized (image, label) pairs (NIfTI) and a PNG montage
//   segment     train one segmenter per method on examples generated on the fly
//   evaluate    Dice on the test scans, folding of the spatial model, table, plot, results.json
// Each stage resumes from its checkpoint in the BlobStore; a stage already finished is loaded, not rerun.
import type { Tensor } from '../tensor/tensor.js';
import { getBackend, tidy } from '../tensor/engine.js';
import { valueAndGrads } from '../tensor/autograd.js';
import { Adam } from '../nn/optim.js';
import { MemoryStore } from '../io/checkpoint-store.js';
import { tensor, Rng, stepRng } from '../ops/create.js';
import { add, clamp, mul, mulScalar, sub } from '../ops/elementwise.js';
import { concat } from '../ops/shape.js';
import { warp, warpNearest } from '../ops/warp.js';
import { argmax, sum } from '../ops/reduce.js';
import type { BlobStore } from '../io/checkpoint-store.js';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from '../io/safetensors.js';
import { writeNifti } from '../io/nifti.js';
import { crc32 } from '../io/png.js';
import { AppearanceModel, Segmenter, SpatialModel, type AppearanceConfig, type SegmenterConfig, type SpatialConfig } from './models.js';
import { CancelledError, trainWithCheckpoints, type ProgressFn } from './train.js';
import { boundaryMask, foldingFraction, jacobianDeterminant, randomSmoothField, type RandAugOptions } from './fields.js';
import { cropVolume, type Shape3 } from './preprocess.js';
import { FREESURFER_30, type LabelSet } from './labels.js';
import { toOwnOrientation } from './orient.js';
import { pairedComparison, type Comparison } from '../stats/paired.js';
import type { SynthData } from './data.js';
import { diceTable, montagePng, perLabelSvg, type MethodResult, type SynthResults } from './report.js';

export const STAGES = ['spatial', 'appearance', 'synthesize', 'segment', 'evaluate'] as const;
export type Stage = (typeof STAGES)[number];

/** The --refine-steps fields (and the scans moved into atlas space with them), saved as they are made. */
export const REFINED_CHECKPOINT = 'checkpoints/refined-fields.safetensors';

// 'sas' is amortised (the trained network as is, the paper's SAS); 'sas-tt' adds the test-time steps
// (--sas-finetune N > 0) from the same checkpoint.
export const METHOD_NAMES = ['affine', 'sas', 'sas-aug', 'rand-aug', 'ours-coupled', 'ours-indep', 'ours-indep+rand-aug', 'supervised', 'sas-tt'] as const;
export type MethodName = (typeof METHOD_NAMES)[number];
/** Methods that train a segmenter (affine and sas predict without one). */
const TRAINED: readonly MethodName[] = ['sas-aug', 'rand-aug', 'ours-coupled', 'ours-indep', 'ours-indep+rand-aug', 'supervised'];

export interface SynthConfig {
  seed: number;
  spatial: SpatialConfig;
  appearance: AppearanceConfig;
  segmenter: SegmenterConfig;
  randAug: RandAugOptions & { scaleLo: number; scaleHi: number };
  methods: MethodName[];
  /** Synthesized examples written by the synthesize stage. */
  synthCount: number;
}

/** Presets: 'quick' (tests, the demo: small nets, minutes on a CPU) and 'paper' (SPEC sizes). */
export function presetConfig(preset: 'quick' | 'paper', o: { steps?: number; seed?: number; methods?: MethodName[] } = {}): SynthConfig {
  const quick = preset === 'quick';
  const s = (n: number) => o.steps ?? n;
  return {
    seed: o.seed ?? 1,
    spatial: quick
      ? { net: { encoder: [16, 32, 32, 32], decoder: [32, 32, 32, 32, 16, 16] }, diffeomorphic: true, intSteps: 7, halfRes: false, lambda: 1, win: 9, lr: 2e-3, steps: s(200) }
      : { net: { encoder: [16, 32, 32, 32], decoder: [32, 32, 32, 32, 32, 16, 16] }, diffeomorphic: true, intSteps: 7, halfRes: false, lambda: 1, win: 9, lr: 1e-3, steps: s(1500) },
    appearance: quick
      ? { net: { encoder: [16, 32, 32, 32], decoder: [32, 32, 32, 32, 16, 16] }, reconWeight: 50, smoothWeight: 1, lr: 2e-3, steps: s(120) }
      : { net: { encoder: [16, 32, 32, 32, 32, 32], decoder: [64, 64, 32, 32, 32, 16, 16] }, reconWeight: 50, smoothWeight: 1, lr: 1e-3, steps: s(1000) },
    segmenter: quick
      ? { net: { encoder: [16, 32, 32, 64], decoder: [64, 32, 32, 16, 16] }, lr: 2e-3, steps: s(150) }
      // SPEC: encoder [32, 32, 64, 64, 128, 128] with two convs per level, decoder mirrored (+ one
      // full-resolution conv), batches of slices; trained up to `steps`, stopped on the validation Dice.
      : { net: { encoder: [32, 32, 64, 64, 128, 128], decoder: [128, 128, 64, 64, 32, 32, 32], convsPerLevel: 2 }, lr: 1e-3, steps: s(2000), batch: 4, patience: 5 },
    randAug: { amplitude: undefined, sigma: 3, factor: 4, scaleLo: 0.5, scaleHi: 1.5 },
    methods: o.methods ?? [...METHOD_NAMES],
    synthCount: quick ? 4 : 8,
  };
}

/**
 * 2^levels of the spatial U-Net: every axis longer than 1 is padded to a multiple of it (what
 * VoxelMorph's VxmDense needs for the export/import of the spatial model). The deeper appearance and
 * segmenter U-Nets run on that grid too (odd sizes: the upsampled map is zero-padded to its skip), so
 * a 160 x 192 slice is not padded to 192 x 192 (17% less work for every network).
 */
export function gridMultiple(c: SynthConfig): number {
  return 2 ** c.spatial.net.encoder.length;
}

/** A volume handed out of the pipeline (worker transfers, viewers): values on the cropped grid + world geometry. */
export interface VolumeOut {
  name: string;
  /** [D, H, W] = NIfTI [nk, nj, ni]. */
  shape: Shape3;
  data: Float32Array | Int32Array;
  /** Voxel-to-world 4 x 4, row-major (NIfTI sform). */
  affine: number[];
}

export class SynthPipeline {
  private readonly x: Tensor;
  private readonly lx: Tensor;
  private readonly ys: Tensor[];
  private readonly notBoundary: Tensor;
  private spatial: SpatialModel | null = null;
  private appearance: AppearanceModel | null = null;
  /** Forward fields phi_i (atlas -> unlabeled i), atlas labels warped by them, appearance psi_i. */
  private phis: Tensor[] = [];
  private warpedLabels: Tensor[] = [];
  private psis: Tensor[] = [];
  /** y_i o phi_i^-1 computed with the refined fields (--refine-steps), for the appearance stage. */
  private refinedInAtlas: Tensor[] | null = null;
  /** How much of the atlas-vs-registered-scan difference the appearance model reproduces (results.json `appearance_fit`). */
  private appearanceFit: SynthResults['appearanceFit'] | null = null;
  readonly timings: Record<string, number> = {};
  readonly losses: Record<string, number[]> = {};
  readonly done = new Set<Stage>();
  results: SynthResults | null = null;

  constructor(readonly data: SynthData, readonly config: SynthConfig, readonly store: BlobStore, private readonly onProgress?: ProgressFn) {
    const m = gridMultiple(config);
    if (data.shape.some((s) => s > 1 && s % m !== 0)) throw new Error(`the grid ${data.shape.join(' x ')} is not padded to a multiple of ${m} (prepare the data with multiple = gridMultiple(config))`);
    if (!data.atlas.labels) throw new Error(`${data.atlas.name}: the atlas needs a label map`);
    const s5 = [1, ...data.shape, 1];
    this.x = tensor(data.atlas.image, s5);
    this.lx = tensor(data.atlas.labels, s5, 'i32');
    this.ys = data.unlabeled.map((u) => tensor(u.image, s5));
    this.notBoundary = tensor(boundaryMask(data.atlas.labels, data.shape, config.appearance.boundaryRadius ?? 1).map((c) => 1 - c), s5);
  }

  get dims(): 2 | 3 { return this.data.dims; }

  private progress(stage: string, step: number, total: number, message?: string): void {
    this.onProgress?.({ stage, step, total, message });
  }

  /** Runs every stage up to `last` (each resumes or loads from its checkpoint). */
  async run(last: Stage = 'evaluate', signal?: AbortSignal): Promise<SynthResults | null> {
    await this.saveInputs();
    for (const st of STAGES) {
      if (signal?.aborted) throw new CancelledError(st);
      await this.stage(st, signal);
      if (st === last) break;
    }
    return this.results;
  }

  async stage(st: Stage, signal?: AbortSignal): Promise<void> {
    if (this.done.has(st)) return;
    const prerequisite: Record<Stage, Stage | null> = { spatial: null, appearance: 'spatial', synthesize: 'appearance', segment: 'appearance', evaluate: 'segment' };
    const before = prerequisite[st];
    if (before) await this.stage(before, signal);
    const t0 = Date.now();
    switch (st) {
      case 'spatial': await this.trainSpatial(signal); break;
      case 'appearance': await this.trainAppearance(signal); break;
      case 'synthesize': await this.synthesize(signal); break;
      case 'segment': await this.trainSegmenters(signal); break;
      case 'evaluate': await this.evaluate(); break;
    }
    this.timings[st] = (Date.now() - t0) / 1000;
    this.done.add(st);
    if (this.results) this.results.timings = { ...this.timings };
  }

  private async trainSpatial(signal?: AbortSignal): Promise<void> {
    const rng = new Rng(this.config.seed);
    this.spatial = new SpatialModel(this.config.spatial, this.dims, rng);
    const n = this.ys.length;
    const r = await trainWithCheckpoints({
      stage: 'spatial', params: this.spatial.params, lr: this.config.spatial.lr, steps: this.config.spatial.steps,
      store: this.store, checkpoint: 'checkpoints/spatial.safetensors', onProgress: this.onProgress, signal,
      loss: (step) => this.spatial!.loss(this.x, this.ys[(step + Math.floor(step / n)) % n]!),
    });
    this.losses.spatial = r.history;
    for (const t of [...this.phis, ...this.warpedLabels, ...(this.refinedInAtlas ?? [])]) t.dispose();
    this.refinedInAtlas = null;
    const refine = this.config.spatial.refineSteps ?? 0;
    if (refine > 0) {
      // The amortised field refined on each unlabeled scan (unsupervised, as SAS's test-time steps)
      // before synthesis; the trained weights come back after each scan.
      // The refined fields are saved as they come (checkpoints/refined-fields.safetensors, at most
      // once a minute and after the last scan), tagged with a fingerprint of what they derive from:
      // a resumed run, or one that copies the spatial checkpoint in (a sweep over the appearance
      // settings), loads them instead of refining again, and recomputes them when anything differs.
      const saved = await Promise.all(this.spatial.params.list().map((t) => t.data()));
      const key = await this.refineKey(saved, refine);
      // Host copies of the fields made so far (read back once each), the contents of the saved file.
      const host = await this.loadRefined(key);
      this.phis = []; this.refinedInAtlas = [];
      for (let i = 0; host.has(`phi.${i}`) && host.has(`in_atlas.${i}`); i++) {
        const p = host.get(`phi.${i}`)!, a = host.get(`in_atlas.${i}`)!;
        this.phis.push(tensor(p.data, p.shape));
        this.refinedInAtlas.push(tensor(a.data, a.shape));
      }
      const save = () => this.store.save(REFINED_CHECKPOINT, encodeSafetensors(host, { key }));
      let savedCount = this.phis.length;
      let lastSave = Date.now();
      try {
        for (let i = this.phis.length; i < this.ys.length; i++) {
          if (signal?.aborted) {
            if (this.phis.length > savedCount) await save();
            throw new CancelledError('spatial');
          }
          const y = this.ys[i]!;
          await this.fineTuneSpatial(y, refine, `refine field ${i + 1}/${this.ys.length}`);
          const phi = tidy(() => this.spatial!.forwardField(this.x, y));
          const inAtlas = tidy(() => warp(y, this.spatial!.inverseField(this.x, y)));
          this.phis.push(phi); this.refinedInAtlas.push(inAtlas);
          for (const [name, t] of [[`phi.${i}`, phi], [`in_atlas.${i}`, inAtlas]] as const) {
            host.set(name, { dtype: 'F32', shape: [...t.shape], data: await t.data() });
          }
          this.restoreSpatial(saved);
          if (i === this.ys.length - 1 || Date.now() - lastSave > 60_000) {
            await save();
            lastSave = Date.now(); savedCount = this.phis.length;
          }
        }
      } finally { this.restoreSpatial(saved); }
    } else {
      this.phis = this.ys.map((y) => tidy(() => this.spatial!.forwardField(this.x, y)));
    }
    this.warpedLabels = this.phis.map((p) => warpNearest(this.lx, p));
  }

  /**
   * What refined fields derive from: the trained spatial weights, the refinement steps, the atlas and
   * every unlabeled scan (CRC-32 over their float32 bytes, and the shapes).
   */
  private async refineKey(weights: (Float32Array | Int32Array)[], steps: number): Promise<string> {
    const bytes = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    let h = 0;
    for (const a of [...weights, await this.x.data(), ...(await Promise.all(this.ys.map((y) => y.data())))]) h = crc32(bytes(a), h);
    return `${steps}:${this.ys.length}:${this.data.shape.join('x')}:${h.toString(16).padStart(8, '0')}`;
  }

  /** The saved refined fields (`phi.<i>`, `in_atlas.<i>`) when they were made from `key`, else none. */
  private async loadRefined(key: string): Promise<Map<string, NamedArray>> {
    const bytes = await this.store.load(REFINED_CHECKPOINT);
    if (!bytes) return new Map();
    const { tensors, metadata } = decodeSafetensors(bytes, REFINED_CHECKPOINT);
    if (metadata.key !== key) {
      this.progress('refine field', 0, this.ys.length, `${REFINED_CHECKPOINT} was made from other weights, scans or steps: refining again`);
      return new Map();
    }
    let n = 0;
    while (tensors.has(`phi.${n}`) && tensors.has(`in_atlas.${n}`)) n++;
    this.progress(`refine field ${n}/${this.ys.length}`, 1, 1, `loaded from ${REFINED_CHECKPOINT}`);
    return tensors;
  }

  private restoreSpatial(saved: (Float32Array | Int32Array)[]): void {
    this.spatial!.params.list().forEach((t, k) => getBackend().write(t.storage, saved[k]!));
  }

  /**
   * `steps` steps of unsupervised optimisation (Adam, the spatial model's lr) of the spatial model on
   * the one pair (atlas, y): SAS's test-time steps and the --refine-steps refinement. A plain loop:
   * no checkpoints are encoded (the weights are restored by the caller).
   */
  private async fineTuneSpatial(y: Tensor, steps: number, stage: string): Promise<void> {
    const opt = new Adam({ lr: this.config.spatial.lr });
    const list = this.spatial!.params.list();
    try {
      for (let s = 0; s < steps; s++) {
        const { value, grads } = valueAndGrads(() => this.spatial!.loss(this.x, y), list);
        opt.step(list, grads);
        for (const g of grads) g.dispose();
        value.dispose();
        this.progress(stage, s + 1, steps);
      }
    } finally { opt.dispose(); }
  }

  private async trainAppearance(signal?: AbortSignal): Promise<void> {
    const rng = new Rng(this.config.seed + 1);
    this.appearance = new AppearanceModel(this.config.appearance, this.dims, rng);
    // y_i o phi_i^-1: the unlabeled scans moved into atlas space (fixed inputs of h_a).
    const inAtlas = this.refinedInAtlas ? this.refinedInAtlas.map((t) => tidy(() => mulScalar(t, 1))) : this.ys.map((y) => tidy(() => warp(y, this.spatial!.inverseField(this.x, y))));
    const n = this.ys.length;
    try {
      const r = await trainWithCheckpoints({
        stage: 'appearance', params: this.appearance.params, lr: this.config.appearance.lr, steps: this.config.appearance.steps,
        store: this.store, checkpoint: 'checkpoints/appearance.safetensors', onProgress: this.onProgress, signal,
        loss: (step) => {
          const i = (step + Math.floor(step / n)) % n;
          return this.appearance!.loss(this.x, inAtlas[i]!, this.phis[i]!, this.ys[i]!, this.notBoundary);
        },
      });
      this.losses.appearance = r.history;
      for (const t of this.psis) t.dispose();
      this.psis = inAtlas.map((ya) => tidy(() => this.appearance!.psi(this.x, ya)));
      this.appearanceFit = await this.measureAppearanceFit(inAtlas);
    } finally {
      for (const t of inAtlas) t.dispose();
    }
  }

  /**
   * The appearance model's strength, in atlas space over the unlabeled scans: r = y_i o phi_i^-1 - x is
   * what registration left between the atlas and scan i (intensity differences and unaligned anatomy);
   * psi_i is trained to reproduce it. `absorbed` = 1 - sum (r - psi)^2 / sum r^2, overall, near atlas
   * label boundaries (c_x = 1, where psi may change sharply) and away from them. Near 1 means the
   * synthesized images carry the scans' residual anatomy (ghost edges when i != j), near 0 that psi
   * changes little; --appearance-smooth and --boundary-radius move it.
   */
  private async measureAppearanceFit(inAtlas: Tensor[]): Promise<NonNullable<SynthResults['appearanceFit']>> {
    const acc = { r: 0, e: 0, rAway: 0, eAway: 0 };
    for (let i = 0; i < inAtlas.length; i++) {
      const [r2, e2, r2a, e2a] = tidy(() => {
        const r = sub(inAtlas[i]!, this.x), e = sub(r, this.psis[i]!);
        const rr = mul(r, r), ee = mul(e, e);
        return [sum(rr), sum(ee), sum(mul(rr, this.notBoundary)), sum(mul(ee, this.notBoundary))];
      });
      for (const [k, t] of [['r', r2], ['e', e2], ['rAway', r2a], ['eAway', e2a]] as const) { acc[k] += await t.item(); t.dispose(); }
    }
    const frac = (e: number, r: number) => (r > 0 ? 1 - e / r : 0);
    const n = this.x.size * Math.max(1, inAtlas.length);
    return {
      absorbed: frac(acc.e, acc.r),
      absorbed_near_boundaries: frac(acc.e - acc.eAway, acc.r - acc.rAway),
      absorbed_away_from_boundaries: frac(acc.eAway, acc.rAway),
      residual_rms: Math.sqrt(acc.r / n),
    };
  }

  /** One synthesized example: (x + psi_j) o phi_i with l_x o phi_i; j = i for coupled. */
  private synthExample(i: number, j: number): { image: Tensor; labels: Tensor } {
    return { image: warp(add(this.x, this.psis[j]!), this.phis[i]!), labels: this.warpedLabels[i]! };
  }

  private randAugExample(rng: Rng): { image: Tensor; labels: Tensor } {
    const ra = this.config.randAug;
    const u = randomSmoothField(this.data.shape, rng, ra);
    const scale = ra.scaleLo + (ra.scaleHi - ra.scaleLo) * rng.uniform();
    return { image: clamp(mulScalar(warp(this.x, u), scale), 0, 1), labels: warpNearest(this.lx, u) };
  }

  private async synthesize(signal?: AbortSignal): Promise<void> {
    const n = this.ys.length, k = this.config.synthCount;
    const rng = new Rng(this.config.seed + 2);
    const shown: { image: Float32Array; labels: Int32Array }[] = [];
    for (let e = 0; e < k; e++) {
      if (signal?.aborted) throw new CancelledError('synthesize');
      const i = Math.floor(rng.uniform() * n), j = Math.floor(rng.uniform() * n);
      const ex = tidy(() => { const s = this.synthExample(i, j); return { image: s.image, labels: s.labels }; });
      const image = cropVolume((await ex.image.data()) as Float32Array, this.data.shape, this.data.cropShape);
      const labels = cropVolume((await ex.labels.data()) as Int32Array, this.data.shape, this.data.cropShape);
      ex.image.dispose();
      const name = `synth/example-${String(e).padStart(3, '0')}_shape-${i}_appearance-${j}`;
      await this.saveVolume(`${name}_image.nii.gz`, image, 'float32');
      await this.saveVolume(`${name}_labels.nii.gz`, this.data.labelSet.toValues(labels), 'int16');
      shown.push({ image, labels });
      this.progress('synthesize', e + 1, k);
    }
    const atlasImg = cropVolume(this.data.atlas.image, this.data.shape, this.data.cropShape);
    const atlasLab = cropVolume(this.data.atlas.labels!, this.data.shape, this.data.cropShape);
    await this.store.save('synth/montage.png', await montagePng([{ image: atlasImg, labels: atlasLab }, ...shown.slice(0, 5)], this.data.cropShape));
  }

  private async saveVolume(name: string, data: Float32Array | Int32Array, datatype: 'float32' | 'int16'): Promise<void> {
    const [d, h, w] = this.data.cropShape;
    await this.store.save(name, await writeNifti({ dims: [w, h, d], data, datatype, geometry: this.data.geometry }));
  }

  private inputsSaved = false;

  /**
   * Writes the preprocessed inputs (cropped grid, the outputs' geometry) under inputs/: the atlas and
   * its labels, each unlabeled scan and each test scan with its labels, so every output overlays
   * its input in any viewer. Once per pipeline (run() calls it).
   */
  async saveInputs(): Promise<void> {
    if (this.inputsSaved) return;
    const crop = <T extends Float32Array | Int32Array>(d: T) => cropVolume(d, this.data.shape, this.data.cropShape);
    const a = this.data.atlas;
    await this.saveVolume(`inputs/atlas_${a.name}_image.nii.gz`, crop(a.image), 'float32');
    await this.saveVolume(`inputs/atlas_${a.name}_labels.nii.gz`, this.data.labelSet.toValues(crop(a.labels!)), 'int16');
    for (const [i, u] of this.data.unlabeled.entries()) await this.saveVolume(`inputs/unlabeled-${i}_${u.name}_image.nii.gz`, crop(u.image), 'float32');
    for (const t of this.data.tests) {
      await this.saveVolume(`inputs/test_${t.name}_image.nii.gz`, crop(t.image), 'float32');
      if (t.labels) await this.saveVolume(`inputs/test_${t.name}_labels.nii.gz`, this.data.labelSet.toValues(crop(t.labels)), 'int16');
    }
    this.inputsSaved = true;
  }

  private methodsToTrain(): MethodName[] {
    return this.config.methods.filter((m) => TRAINED.includes(m) && (m !== 'supervised' || this.data.train.length > 0));
  }

  private segmenters = new Map<MethodName, Segmenter>();
  /** Per trained method: the validation curve and the step kept (with validation scans). */
  readonly validation: Record<string, { curve: { step: number; score: number }[]; bestStep: number; bestScore: number; stoppedAt: number }> = {};

  /** Mean Dice over `scans` (each scan's mean over its labels) of segmenter `seg`, batched forward passes. */
  private async segmenterDice(seg: Segmenter, scans: SynthData['tests']): Promise<number> {
    const preds = await this.segmentBatched(seg, scans.map((t) => t.image));
    let sum = 0;
    scans.forEach((t, k) => {
      sum += meanOf(diceByLabel(cropVolume(preds[k]!, this.data.shape, this.data.cropShape), cropVolume(t.labels!, this.data.shape, this.data.cropShape), this.data.labelSet));
    });
    return sum / Math.max(1, scans.length);
  }

  /** Class-index predictions of `seg` for images [D, H, W], forward passes of up to 8 images. */
  private async segmentBatched(seg: Segmenter, images: Float32Array[]): Promise<Int32Array[]> {
    const out: Int32Array[] = [];
    const n = this.data.shape[0] * this.data.shape[1] * this.data.shape[2];
    for (let a = 0; a < images.length; a += 8) {
      const chunk = images.slice(a, a + 8);
      const all = new Float32Array(chunk.length * n);
      chunk.forEach((im, k) => all.set(im, k * n));
      const p = tidy(() => argmax(seg.logits(tensor(all, [chunk.length, ...this.data.shape, 1]))));
      const labels = (await p.data()) as Int32Array;
      p.dispose();
      for (let k = 0; k < chunk.length; k++) out.push(Int32Array.from(labels.subarray(k * n, (k + 1) * n)));
    }
    return out;
  }

  private async trainSegmenters(signal?: AbortSignal): Promise<void> {
    const trainScans = this.data.train.map((s) => ({
      image: tensor(s.image, [1, ...this.data.shape, 1]), labels: tensor(s.labels!, [1, ...this.data.shape, 1], 'i32'),
    }));
    const n = this.ys.length;
    try {
      for (const m of this.methodsToTrain()) {
        const rng = new Rng(this.config.seed + 10 + METHOD_NAMES.indexOf(m));
        const seg = new Segmenter(this.config.segmenter, this.dims, this.data.labelSet.numClasses, rng);
        this.segmenters.get(m)?.dispose();
        this.segmenters.set(m, seg);
        // Step `step`'s example comes from a generator of (seed, method, step) alone, so a run
        // resumed at any step draws the same examples as an uninterrupted one.
        const example = (step: number): { image: Tensor; labels: Tensor } => {
          const r = stepRng(this.config.seed, `segment ${m}`, step);
          const pick = () => Math.floor(r.uniform() * n);
          switch (m) {
            case 'sas-aug': { const i = pick(); return { image: this.ys[i]!, labels: this.warpedLabels[i]! }; }
            case 'rand-aug': return this.randAugExample(r);
            case 'ours-coupled': { const i = pick(); return this.synthExample(i, i); }
            case 'ours-indep': return this.synthExample(pick(), pick());
            case 'ours-indep+rand-aug': return step % 2 === 0 ? this.synthExample(pick(), pick()) : this.randAugExample(r);
            case 'supervised': { const s = trainScans[Math.floor(r.uniform() * trainScans.length)]!; return s; }
            default: throw new Error(`no training data for method ${m}`);
          }
        };
        // A batch: `batch` examples drawn independently (step * batch + b), stacked on axis 0.
        const batch = this.config.segmenter.batch ?? 1;
        const batchAt = (step: number): { image: Tensor; labels: Tensor } => {
          if (batch === 1) return example(step);
          const exs = Array.from({ length: batch }, (_, b) => example(step * batch + b));
          return { image: concat(exs.map((e) => e.image), 0), labels: concat(exs.map((e) => e.labels), 0) };
        };
        const val = this.data.val ?? [];
        const r = await trainWithCheckpoints({
          stage: `segment ${m}`, params: seg.params, lr: this.config.segmenter.lr, steps: this.config.segmenter.steps,
          store: this.store, checkpoint: `checkpoints/segmenter-${m}.safetensors`, onProgress: this.onProgress, signal,
          loss: (step) => { const ex = batchAt(step); return seg.loss(ex.image, ex.labels); },
          ...(val.length ? {
            validate: () => this.segmenterDice(seg, val),
            validateEvery: this.config.segmenter.validateEvery, patience: this.config.segmenter.patience,
          } : {}),
        });
        this.losses[`segment ${m}`] = r.history;
        if (r.validation) this.validation[m] = r.validation;
      }
    } finally {
      for (const s of trainScans) { s.image.dispose(); s.labels.dispose(); }
    }
  }

  /** Class-index prediction of `method` for a scan image [D, H, W] on the padded grid. */
  async predict(method: MethodName, image: Float32Array, o: { testTimeSteps?: number } = {}): Promise<{ labels: Int32Array; field?: Float32Array }> {
    const s5 = [1, ...this.data.shape, 1];
    if (method === 'affine') return { labels: (await this.lx.data()) as Int32Array };
    if (method === 'sas' || method === 'sas-tt') {
      // predict('sas') uses the configured test-time steps unless told; evaluate() asks for 0 (amortised) for 'sas'.
      const tt = o.testTimeSteps ?? this.config.spatial.testTimeSteps ?? 0;
      const saved = tt > 0 ? await Promise.all(this.spatial!.params.list().map((t) => t.data())) : null;
      if (tt > 0) {
        const y = tensor(image, s5);
        try {
          await this.fineTuneSpatial(y, tt, 'sas test-time');
        } finally { y.dispose(); }
      }
      const out = tidy(() => {
        const y = tensor(image, s5);
        const u = this.spatial!.forwardField(this.x, y);
        return { u, l: warpNearest(this.lx, u) };
      });
      const res = { labels: (await out.l.data()) as Int32Array, field: (await out.u.data()) as Float32Array };
      out.u.dispose(); out.l.dispose();
      // The fine-tuned weights served this scan only: the next scan starts from the trained model.
      if (saved) this.restoreSpatial(saved);
      return res;
    }
    const seg = this.segmenters.get(method);
    if (!seg) throw new Error(`method ${method} has no trained segmenter`);
    const p = tidy(() => argmax(seg.logits(tensor(image, s5))));
    const labels = (await p.data()) as Int32Array;
    p.dispose();
    return { labels: Int32Array.from(labels) };
  }

  private async evaluate(): Promise<void> {
    const tt = this.config.spatial.testTimeSteps ?? 0;
    const methods = this.config.methods.filter((m) => m === 'affine' || m === 'sas' || (m === 'sas-tt' && tt > 0) || this.segmenters.has(m));
    const perMethod: MethodResult[] = [];
    const crop = <T extends Float32Array | Int32Array>(d: T) => cropVolume(d, this.data.shape, this.data.cropShape);
    const folding: { subject: string; fraction: number }[] = [];
    let done = 0;
    const total = methods.length * this.data.tests.length;
    for (const m of methods) {
      const subjects: MethodResult['subjects'] = [];
      const seg = this.segmenters.get(m);
      const batched = seg ? await this.segmentBatched(seg, this.data.tests.map((t) => t.image)) : null;
      for (const [ti, t] of this.data.tests.entries()) {
        const pred = batched ? { labels: batched[ti]!, field: undefined } : await this.predict(m, t.image, { testTimeSteps: m === 'sas' ? 0 : tt });
        const truth = crop(t.labels!), p = crop(pred.labels);
        subjects.push({ subject: t.name, dice: diceByLabel(p, truth, this.data.labelSet) });
        if ((m === 'sas' || (m === 'sas-tt' && !methods.includes('sas'))) && pred.field) {
          folding.push({ subject: t.name, fraction: foldingFraction(crop3(pred.field, this.data.shape, this.data.cropShape), this.data.cropShape, p.map((v) => (v > 0 ? 1 : 0))) });
        }
        // In the test scan's own orientation (its axes may have been permuted/flipped to the atlas's).
        const own = toOwnOrientation(this.data.labelSet.toValues(p), this.data.cropShape, this.data.geometry, t.axes ?? { perm: [0, 1, 2], flip: [false, false, false] });
        await this.store.save(`predictions/${m}_${t.name}_labels.nii.gz`, await writeNifti({ dims: own.dims, data: own.data, datatype: 'int16', geometry: own.geometry }));
        this.progress('evaluate', ++done, total);
      }
      perMethod.push(summarize(m, subjects, this.data.labelSet));
    }
    // Folding of the training fields (atlas -> each unlabeled scan) too.
    const trainFolding: { subject: string; fraction: number }[] = [];
    for (let i = 0; i < this.phis.length; i++) {
      const u = crop3((await this.phis[i]!.data()) as Float32Array, this.data.shape, this.data.cropShape);
      const mask = crop((await this.warpedLabels[i]!.data()) as Int32Array);
      trainFolding.push({ subject: this.data.unlabeled[i]!.name, fraction: foldingFraction(u, this.data.cropShape, mask.map((v) => (v > 0 ? 1 : 0))) });
    }
    // The spatial model's label transfer: atlas labels warped to each unlabeled scan that has a label
    // map (given for this report only; never used in training) against that map.
    const transfer: { subject: string; dice: Map<number, number> }[] = [];
    for (let i = 0; i < this.phis.length; i++) {
      const u = this.data.unlabeled[i]!;
      if (!u.labels) continue;
      transfer.push({ subject: u.name, dice: diceByLabel(crop((await this.warpedLabels[i]!.data()) as Int32Array), crop(u.labels), this.data.labelSet) });
    }
    const sas = perMethod.find((r) => r.name === 'sas');
    for (const r of perMethod) {
      if (!sas) break;
      r.improvementOverSas = r.subjects.map((s, k) => meanOf(s.dice) - meanOf(sas.subjects[k]!.dice));
    }
    // Paired over test subjects (per-subject mean Dice): every method against sas, rand-aug, supervised.
    const comparisons: Comparison[] = [];
    const subjMeans = (r: MethodResult) => r.subjects.map((x) => meanOf(x.dice));
    for (const b of ['sas', 'sas-tt', 'rand-aug', 'supervised'] as const) {
      const rb = perMethod.find((r) => r.name === b);
      if (!rb) continue;
      for (const ra of perMethod) if (ra !== rb) comparisons.push(pairedComparison(ra.name, subjMeans(ra), b, subjMeans(rb)));
    }
    this.results = {
      methods: perMethod,
      comparisons,
      ...(Object.keys(this.validation).length ? { validation: await this.validationReport() } : {}),
      ...(transfer.length ? { labelTransfer: summarize('sas', transfer, this.data.labelSet) } : {}),
      ...(this.appearanceFit ? { appearanceFit: this.appearanceFit } : {}),
      labels: { source: this.data.labelSet.source, names: this.data.labelSet.names() },
      folding: { sas: folding, train: trainFolding },
      timings: { ...this.timings },
      losses: this.losses,
      data: {
        atlas: this.data.atlas.name, unlabeled: this.data.unlabeled.map((u) => u.name), tests: this.data.tests.map((t) => t.name),
        train: this.data.train.map((t) => t.name), ...(this.data.val?.length ? { val: this.data.val.map((t) => t.name) } : {}), shape: this.data.cropShape, dims: this.dims, notes: this.data.notes,
      },
    };
    await this.store.save('table.md', new TextEncoder().encode(diceTable(this.results)));
    await this.store.save('dice-per-label.svg', new TextEncoder().encode(perLabelSvg(this.results)));
  }

  /**
   * Every choice is made on the validation scans (--val): each segmenter's validation Dice curve and
   * the step kept, and the validation Dice of affine and amortised SAS beside them.
   */
  private async validationReport(): Promise<NonNullable<SynthResults['validation']>> {
    const val = this.data.val ?? [];
    const crop = <T extends Float32Array | Int32Array>(d: T) => cropVolume(d, this.data.shape, this.data.cropShape);
    const methods: NonNullable<SynthResults['validation']>['methods'] = {};
    for (const m of ['affine', 'sas'] as const) {
      if (m === 'sas' && !this.spatial) continue;
      let sum = 0;
      for (const v of val) sum += meanOf(diceByLabel(crop((await this.predict(m, v.image, { testTimeSteps: 0 })).labels), crop(v.labels!), this.data.labelSet));
      methods[m] = { dice_mean: sum / Math.max(1, val.length) };
    }
    for (const [m, r] of Object.entries(this.validation)) {
      methods[m] = { dice_mean: r.bestScore, best_step: r.bestStep, stopped_at: r.stoppedAt, curve: r.curve.map((p) => ({ step: p.step, dice: p.score })) };
    }
    return { subjects: val.map((v) => v.name), methods };
  }

  /** The atlas, a test scan or a prediction as a VolumeOut (cropped, with its affine). */
  volume(name: string, data: Float32Array | Int32Array): VolumeOut {
    const cropped = data.length === this.data.shape[0] * this.data.shape[1] * this.data.shape[2] ? cropVolume(data, this.data.shape, this.data.cropShape) : data;
    return { name, shape: this.data.cropShape, data: cropped, affine: [...this.data.geometry.srow, 0, 0, 0, 1] };
  }

  /** A synthesized example (i, j) as image and FreeSurfer label volumes. */
  async example(i: number, j: number): Promise<[VolumeOut, VolumeOut]> {
    if (this.psis.length === 0) throw new Error('synthesize: run the appearance stage first');
    const n = this.ys.length;
    if (!(i >= 0 && i < n && j >= 0 && j < n)) throw new Error(`example: i and j must be in 0..${n - 1}`);
    const ex = tidy(() => this.synthExample(i, j).image);
    const img = (await ex.data()) as Float32Array;
    ex.dispose();
    const lab = (await this.warpedLabels[i]!.data()) as Int32Array;
    return [this.volume(`example-${i}-${j}_image`, img), this.volume(`example-${i}-${j}_labels`, this.data.labelSet.toValues(cropVolume(lab, this.data.shape, this.data.cropShape)))];
  }

  /**
   * What the learned transforms do to unlabeled scan i (after the spatial stage; the appearance
   * change after the appearance stage): the atlas warped to the scan, its labels warped, the
   * Jacobian determinant of the deformation, its folding voxels (det <= 0, label 1) and psi_i.
   */
  async registration(i: number): Promise<{ warped: VolumeOut; warpedLabels: VolumeOut; jacobian: VolumeOut; folding: VolumeOut; foldingFraction: number; appearance: VolumeOut | null }> {
    if (this.phis.length === 0) throw new Error('registration: run the spatial stage first');
    if (!(i >= 0 && i < this.phis.length)) throw new Error(`registration: i must be in 0..${this.phis.length - 1}, got ${i}`);
    const crop = <T extends Float32Array | Int32Array>(d: T) => cropVolume(d, this.data.shape, this.data.cropShape);
    const w = warp(this.x, this.phis[i]!);
    const warped = crop((await w.data()) as Float32Array);
    w.dispose();
    const labels = crop((await this.warpedLabels[i]!.data()) as Int32Array);
    const u = crop3((await this.phis[i]!.data()) as Float32Array, this.data.shape, this.data.cropShape);
    const det = jacobianDeterminant(u, this.data.cropShape);
    const fold = new Int32Array(det.length);
    let folded = 0;
    for (let k = 0; k < det.length; k++) if (det[k]! <= 0) { fold[k] = 1; folded++; }
    const psi = this.psis[i] ? crop((await this.psis[i]!.data()) as Float32Array) : null;
    const name = this.data.unlabeled[i]!.name;
    return {
      warped: this.volume(`atlas-to-${name}_image`, warped),
      warpedLabels: this.volume(`atlas-to-${name}_labels`, this.data.labelSet.toValues(labels)),
      jacobian: this.volume(`atlas-to-${name}_jacobian`, det),
      folding: this.volume(`atlas-to-${name}_folding`, fold),
      foldingFraction: folded / det.length,
      appearance: psi ? this.volume(`appearance-${name}`, psi) : null,
    };
  }

  dispose(): void {
    for (const t of [this.x, this.lx, this.notBoundary, ...this.ys, ...this.phis, ...this.warpedLabels, ...this.psis, ...(this.refinedInAtlas ?? [])]) if (!t.isDisposed) t.dispose();
    this.spatial?.dispose();
    this.appearance?.dispose();
    for (const s of this.segmenters.values()) s.dispose();
  }
}

/** Crops a [D, H, W, 3] field. */
function crop3(u: Float32Array, shape: Shape3, to: Shape3): Float32Array {
  if (shape.every((s, i) => s === to[i])) return u;
  const out = new Float32Array(to[0] * to[1] * to[2] * 3);
  for (let z = 0; z < to[0]; z++) for (let y = 0; y < to[1]; y++) {
    const src = ((z * shape[1] + y) * shape[2]) * 3;
    out.set(u.subarray(src, src + to[2] * 3), ((z * to[1] + y) * to[2]) * 3);
  }
  return out;
}

/**
 * Dice per class index 1..n over the labels present in `truth` (a label the prediction misses scores
 * 0), keyed by the label id of `set`.
 */
export function diceByLabel(pred: Int32Array, truth: Int32Array, set: LabelSet = FREESURFER_30): Map<number, number> {
  const NUM_CLASSES = set.numClasses;
  const inter = new Float64Array(NUM_CLASSES), np = new Float64Array(NUM_CLASSES), nt = new Float64Array(NUM_CLASSES);
  for (let i = 0; i < truth.length; i++) {
    const p = pred[i]!, t = truth[i]!;
    np[p]!++; nt[t]!++;
    if (p === t) inter[p]!++;
  }
  const out = new Map<number, number>();
  for (let k = 1; k < NUM_CLASSES; k++) if (nt[k]! > 0) out.set(set.value(k), (2 * inter[k]!) / (np[k]! + nt[k]!));
  return out;
}

function meanOf(m: Map<number, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return m.size ? s / m.size : 0;
}

function summarize(name: MethodName, subjects: MethodResult['subjects'], set: LabelSet): MethodResult {
  const all = subjects.flatMap((s) => [...s.dice.values()]);
  const mean = all.reduce((a, b) => a + b, 0) / Math.max(1, all.length);
  const std = Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, all.length));
  const perLabel: Record<string, number> = {};
  for (const l of set.labels) {
    const v = subjects.map((s) => s.dice.get(l.value)).filter((x): x is number => x !== undefined);
    if (v.length) perLabel[String(l.value)] = v.reduce((a, b) => a + b, 0) / v.length;
  }
  const subj = subjects.map((s) => meanOf(s.dice));
  const sm = subj.reduce((a, b) => a + b, 0) / Math.max(1, subj.length);
  const diceStdSubjects = Math.sqrt(subj.reduce((a, b) => a + (b - sm) ** 2, 0) / Math.max(1, subj.length));
  return { name, dice_mean: mean, dice_std: std, dice_std_subjects: diceStdSubjects, per_label: perLabel, subjects };
}

