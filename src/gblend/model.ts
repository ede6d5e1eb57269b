// The multi-modal network of G-Blend: one encoder per modality, k unimodal linear heads and a fused
// head on the concatenated features (SPEC.md Part A: concat -> dropout -> FC(d -> d/2) -> ReLU ->
// FC(d/2 -> d/2) -> ReLU -> FC(-> classes)), plus the fusion variants the paper compares.
// Parameter names are stable safetensors keys: enc.<modality>.*, head.<modality>.*, fused.*, mid.*,
// se.*, lmf.*.
import { ParamStore, heNormal, zeros } from '../nn/init.js';
import { Rng, ones, randomNormal } from '../ops/create.js';
import { conv3d, maxPool } from '../ops/conv.js';
import { add, mul, relu, sigmoid } from '../ops/elementwise.js';
import { linear } from '../ops/linalg.js';
import { dropout } from '../ops/random.js';
import { sum } from '../ops/reduce.js';
import { concat, reshape } from '../ops/shape.js';
import { readAll, type Tensor } from '../tensor/tensor.js';

export type EncoderSpec =
  | { kind: 'mlp'; hidden: number[] }
  /** LeNet-style: per stage conv kxk (same) -> ReLU -> maxPool 2, then FC -> ReLU to `out` features. */
  | { kind: 'cnn'; channels: number[]; kernel?: number; out: number };

/**
 * How the modalities meet:
 * - 'concat': late concatenation of the encoders' features (the G-Blend model, naive joint training);
 * - 'mid-concat': concatenation after each encoder's first stage (MLP: first hidden layer; CNN: the
 *   conv stack), then a shared FC -> ReLU layer before the fused head;
 * - 'se-gate': squeeze-excitation gate on the concatenation, z * sigmoid(FC(ReLU(FC(z))));
 * - 'lmf': low-rank multimodal fusion (Liu et al. 2018): prod_m ([z_m, 1] W_m) summed over rank.
 * Early fusion is a single-modality model on the concatenated inputs (see methods.ts).
 */
export type Fusion = 'concat' | 'mid-concat' | 'se-gate' | 'lmf';

export interface ModalitySpec { name: string; shape: number[]; encoder: EncoderSpec }

export interface ModelConfig {
  modalities: ModalitySpec[];
  classes: number;
  fusion?: Fusion;
  /** Dropout at the concatenation (fused head). */
  fusedDropout?: number;
  lmfRank?: number;
}

export interface ForwardOptions {
  /** Dropout on (training) with this generator; off when absent. */
  rng?: Rng;
  /** Which heads to compute: indices 0..k-1 (unimodal), k (fused). Default all. */
  heads?: readonly number[];
}

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

export class BlendModel {
  readonly params = new ParamStore();
  readonly k: number;
  readonly fusion: Fusion;
  private readonly featDims: number[] = [];
  private readonly midDims: number[] = [];

  constructor(readonly config: ModelConfig, rng: Rng) {
    this.k = config.modalities.length;
    this.fusion = config.fusion ?? 'concat';
    const P = this.params;
    const dense = (name: string, i: number, o: number) => {
      P.add(`${name}.weight`, heNormal([i, o], i, rng));
      P.add(`${name}.bias`, zeros([o]));
    };
    for (const m of config.modalities) {
      const e = m.encoder, pre = `enc.${m.name}`;
      if (e.kind === 'mlp') {
        let d = prod(m.shape);
        e.hidden.forEach((h, i) => { dense(`${pre}.fc${i}`, d, h); d = h; if (i === 0) this.midDims.push(h); });
        if (e.hidden.length === 0) this.midDims.push(d);
        this.featDims.push(d);
      } else {
        if (m.shape.length !== 2) throw new Error(`BlendModel: the CNN encoder of "${m.name}" needs a 2D shape [H, W], got [${m.shape.join(', ')}]`);
        const kz = e.kernel ?? 5;
        let [h, w] = m.shape as [number, number], c = 1;
        e.channels.forEach((co, i) => {
          P.add(`${pre}.conv${i}.weight`, heNormal([1, kz, kz, c, co], kz * kz * c, rng));
          P.add(`${pre}.conv${i}.bias`, zeros([co]));
          c = co; h = Math.floor(h / 2); w = Math.floor(w / 2);
          if (h < 1 || w < 1) throw new Error(`BlendModel: "${m.name}" of shape [${m.shape.join(', ')}] is too small for ${e.channels.length} pooling stages`);
        });
        this.midDims.push(h * w * c);
        dense(`${pre}.proj`, h * w * c, e.out);
        this.featDims.push(e.out);
      }
      dense(`head.${m.name}`, this.featDims[this.featDims.length - 1]!, config.classes);
    }
    let d = this.featDims.reduce((a, b) => a + b, 0);
    if (this.fusion === 'mid-concat') {
      const dm = this.midDims.reduce((a, b) => a + b, 0);
      dense('mid.fc', dm, d);
    } else if (this.fusion === 'se-gate') {
      dense('se.fc0', d, Math.max(1, Math.floor(d / 4)));
      dense('se.fc1', Math.max(1, Math.floor(d / 4)), d);
    } else if (this.fusion === 'lmf') {
      const r = config.lmfRank ?? 4, o = Math.max(1, Math.floor(d / 2));
      config.modalities.forEach((m, i) => P.add(`lmf.${m.name}.factor`, randomNormal([this.featDims[i]! + 1, r * o], rng, 0, 1 / Math.sqrt(this.featDims[i]! + 1))));
      P.add('lmf.bias', zeros([o]));
      dense('fused.out', o, config.classes);
      return;
    }
    const h = Math.max(1, Math.floor(d / 2));
    dense('fused.fc0', d, h);
    dense('fused.fc1', h, h);
    dense('fused.out', h, config.classes);
  }

  /** The feature width of each encoder. */
  featureDims(): number[] { return [...this.featDims]; }

  /** Parameters that head `i` depends on (i = k: the fused head). */
  paramsOfHead(i: number): Tensor[] {
    const names = this.params.names();
    if (i < this.k) {
      const m = this.config.modalities[i]!.name;
      return names.filter((n) => n.startsWith(`enc.${m}.`) || n.startsWith(`head.${m}.`)).map((n) => this.params.get(n));
    }
    return names.filter((n) => !n.startsWith('head.')).map((n) => this.params.get(n));
  }

  /** Parameters of every head with a non-zero weight (the blended loss's dependencies). */
  paramsOfHeads(heads: readonly number[]): Tensor[] {
    const set = new Set<Tensor>();
    for (const h of heads) for (const p of this.paramsOfHead(h)) set.add(p);
    return this.params.list().filter((p) => set.has(p));
  }

  private encode(i: number, x: Tensor, stopAtMid: boolean): Tensor {
    const m = this.config.modalities[i]!, e = m.encoder, pre = `enc.${m.name}`, P = this.params;
    const n = x.shape[0]!;
    if (e.kind === 'mlp') {
      let h = reshape(x, [n, prod(m.shape)]);
      for (let l = 0; l < e.hidden.length; l++) {
        h = relu(linear(h, P.get(`${pre}.fc${l}.weight`), P.get(`${pre}.fc${l}.bias`)));
        if (stopAtMid && l === 0) return h;
      }
      return h;
    }
    let h = reshape(x, [n, 1, m.shape[0]!, m.shape[1]!, 1]);
    for (let l = 0; l < e.channels.length; l++) {
      h = maxPool(relu(conv3d(h, P.get(`${pre}.conv${l}.weight`), P.get(`${pre}.conv${l}.bias`), { padding: 'same' })));
    }
    h = reshape(h, [n, prod(h.shape.slice(1))]);
    if (stopAtMid) return h;
    return relu(linear(h, P.get(`${pre}.proj.weight`), P.get(`${pre}.proj.bias`)));
  }

  /** Logits per head (null for heads not asked for). xs[i] is [N, ...shape of modality i]. */
  forward(xs: readonly Tensor[], opts: ForwardOptions = {}): (Tensor | null)[] {
    const heads = opts.heads ?? Array.from({ length: this.k + 1 }, (_, i) => i);
    const wantFused = heads.includes(this.k);
    const P = this.params;
    const out: (Tensor | null)[] = new Array(this.k + 1).fill(null);
    const needEnc = (i: number) => heads.includes(i) || (wantFused && this.fusion !== 'mid-concat');
    const feats: (Tensor | null)[] = xs.map((x, i) => (needEnc(i) ? this.encode(i, x, false) : null));
    for (const i of heads) {
      if (i >= this.k) continue;
      const m = this.config.modalities[i]!.name;
      out[i] = linear(feats[i]!, P.get(`head.${m}.weight`), P.get(`head.${m}.bias`));
    }
    if (!wantFused) return out;
    const drop = (z: Tensor) => (opts.rng && (this.config.fusedDropout ?? 0) > 0 ? dropout(z, this.config.fusedDropout!, opts.rng) : z);
    const n = xs[0]!.shape[0]!;
    if (this.fusion === 'lmf') {
      const r = this.config.lmfRank ?? 4, o = P.get('lmf.bias').shape[0]!;
      const one = ones([n, 1]);
      let acc: Tensor | null = null;
      this.config.modalities.forEach((m, i) => {
        const z = reshape(linear(concat([drop(feats[i]!), one], -1), P.get(`lmf.${m.name}.factor`)), [n, r, o]);
        acc = acc ? mul(acc, z) : z;
      });
      const fusedFeat = relu(add(sum(acc!, 1), P.get('lmf.bias')));
      out[this.k] = linear(fusedFeat, P.get('fused.out.weight'), P.get('fused.out.bias'));
      return out;
    }
    let z: Tensor;
    if (this.fusion === 'mid-concat') {
      const mids = xs.map((x, i) => this.encode(i, x, true));
      z = relu(linear(drop(concat(mids, -1)), P.get('mid.fc.weight'), P.get('mid.fc.bias')));
    } else {
      z = this.k === 1 ? feats[0]! : concat(feats as Tensor[], -1);
      if (this.fusion === 'se-gate') {
        const g = sigmoid(linear(relu(linear(z, P.get('se.fc0.weight'), P.get('se.fc0.bias'))), P.get('se.fc1.weight'), P.get('se.fc1.bias')));
        z = mul(z, g);
      }
      z = drop(z);
    }
    const h1 = relu(linear(z, P.get('fused.fc0.weight'), P.get('fused.fc0.bias')));
    const h2 = relu(linear(h1, P.get('fused.fc1.weight'), P.get('fused.fc1.bias')));
    out[this.k] = linear(h2, P.get('fused.out.weight'), P.get('fused.out.bias'));
    return out;
  }

  /** Parameter values on the host (a snapshot to restart estimations from). */
  async snapshot(): Promise<Map<string, Float32Array>> {
    const entries = [...this.params.byName];
    const values = await readAll(entries.map(([, t]) => t));
    return new Map(entries.map(([name], i) => [name, Float32Array.from(values[i] as Float32Array)]));
  }

  dispose(): void { this.params.dispose(); }
}
