// VoxelMorph's U-Net, channels-last, for 2D (D = 1) and 3D inputs of any size:
// encoder levels of conv + LeakyReLU(0.2) then max-pool x2; decoder levels of conv + LeakyReLU,
// upsample x2 and concatenation with the matching encoder output; extra full-resolution convs;
// then an output conv. Odd sizes are handled by zero-padding the upsampled map to its skip.
// convsPerLevel > 1 is VoxelMorph's nb_conv_per_level: the encoder and decoder lists are flat lists of
// convs, grouped convsPerLevel to a level (encoder [32, 32, 64, 64, 128, 128] with 2 = three levels of
// two convs); the decoder's entries beyond encoder.length are single full-resolution convs.
import type { Tensor } from '../tensor/tensor.js';
import { concat, pad } from '../ops/shape.js';
import { conv3d } from '../ops/conv.js';
import { leakyRelu } from '../ops/elementwise.js';
import { maxPool, upsample } from '../ops/conv.js';
import { randomNormal, zeros, type Rng } from '../ops/create.js';
import { heNormal, ParamStore } from './init.js';

export interface UNetConfig {
  inChannels: number;
  /** Encoder features per level, e.g. VoxelMorph [16, 32, 32, 32]. */
  encoder: readonly number[];
  /** Decoder features: the first encoder.length are the upsampling levels, the rest full-resolution convs. */
  decoder: readonly number[];
  outChannels: number;
  /** 2 for 2D (kernel 1 x 3 x 3), 3 for 3D. */
  dims: 2 | 3;
  /** Std of the output conv's N(0, std) init (VoxelMorph's flow layer: 1e-5). */
  outInitStd?: number;
  kernel?: number;
  /** Convs per encoder/decoder level (VoxelMorph nb_conv_per_level, default 1). */
  convsPerLevel?: number;
}

export class UNet {
  readonly params = new ParamStore();
  private readonly convs: { name: string; cin: number; cout: number }[] = [];

  constructor(readonly config: UNetConfig, rng: Rng) {
    const { inChannels, encoder, decoder, outChannels } = config;
    if (decoder.length < encoder.length) {
      throw new Error(`UNet: decoder needs at least encoder.length (${encoder.length}) entries, got ${decoder.length}`);
    }
    const k = config.kernel ?? 3;
    const kd = config.dims === 2 ? 1 : k;
    const add = (name: string, cin: number, cout: number, std?: number) => {
      const w = std === undefined ? heNormal([kd, k, k, cin, cout], kd * k * k * cin, rng) : randomNormal([kd, k, k, cin, cout], rng, 0, std);
      this.params.add(`${name}.weight`, w);
      this.params.add(`${name}.bias`, zeros([cout]));
      this.convs.push({ name, cin, cout });
    };
    const cpl = config.convsPerLevel ?? 1;
    if (!Number.isInteger(cpl) || cpl < 1 || encoder.length % cpl !== 0) {
      throw new Error(`UNet: convsPerLevel must be an integer >= 1 dividing the encoder's ${encoder.length} entries, got ${cpl}`);
    }
    // Level l's conv k: "encoder.l" with one conv per level (the names VoxelMorph import/export know),
    // "encoder.l.k" with several.
    const nm = (part: 'encoder' | 'decoder', l: number, k: number) => (cpl === 1 ? `${part}.${l}` : `${part}.${l}.${k}`);
    const levels = encoder.length / cpl;
    let c = inChannels;
    const skips: number[] = [];
    for (let l = 0; l < levels; l++) {
      for (let j = 0; j < cpl; j++) { const f = encoder[l * cpl + j]!; add(nm('encoder', l, j), c, f); c = f; }
      skips.push(c);
    }
    skips.reverse();
    for (let l = 0; l < levels; l++) {
      for (let j = 0; j < cpl; j++) { const f = decoder[l * cpl + j]!; add(nm('decoder', l, j), c, f); c = f; }
      c += skips[l]!;
    }
    for (let i = encoder.length; i < decoder.length; i++) { add(cpl === 1 ? `decoder.${i}` : `decoder.${levels + i - encoder.length}`, c, decoder[i]!); c = decoder[i]!; }
    add('out', c, outChannels, config.outInitStd ?? 1e-5);
  }

  private conv(name: string, x: Tensor): Tensor {
    return conv3d(x, this.params.get(`${name}.weight`), this.params.get(`${name}.bias`));
  }

  /** x [N, D, H, W, inChannels] -> [N, D, H, W, outChannels]. */
  forward(x: Tensor): Tensor {
    const { encoder, decoder } = this.config;
    const cpl = this.config.convsPerLevel ?? 1;
    const levels = encoder.length / cpl;
    const nm = (part: 'encoder' | 'decoder', l: number, k: number) => (cpl === 1 ? `${part}.${l}` : `${part}.${l}.${k}`);
    const history: Tensor[] = [];
    let h = x;
    for (let l = 0; l < levels; l++) {
      for (let k = 0; k < cpl; k++) h = leakyRelu(this.conv(nm('encoder', l, k), h), 0.2);
      history.push(h);
      h = maxPool(h);
    }
    for (let l = 0; l < levels; l++) {
      for (let k = 0; k < cpl; k++) h = leakyRelu(this.conv(nm('decoder', l, k), h), 0.2);
      const skip = history.pop()!;
      h = upsample(h, 'nearest');
      const pads = skip.shape.map((s, a) => [0, a >= 1 && a <= 3 ? s - h.shape[a]! : 0] as [number, number]);
      if (pads.some((p) => p[1] > 0)) h = pad(h, pads);
      h = concat([h, skip], -1);
    }
    for (let i = encoder.length; i < decoder.length; i++) {
      h = leakyRelu(this.conv(cpl === 1 ? `decoder.${i}` : `decoder.${levels + i - encoder.length}`, h), 0.2);
    }
    return this.conv('out', h);
  }

  dispose(): void { this.params.dispose(); }
}
