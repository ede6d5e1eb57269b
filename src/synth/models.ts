// The three networks of the method: the spatial model g_s (VoxelMorph), the appearance model h_a and
// the segmenter, each a U-Net from src/nn/unet.ts with its loss. Tensors are [1, D, H, W, C].
import type { Tensor } from '../tensor/tensor.js';
import { add, mulScalar, neg } from '../ops/elementwise.js';
import { concat } from '../ops/shape.js';
import { avgPool } from '../ops/conv.js';
import { integrateVelocity, resizeField2x, warp } from '../ops/warp.js';
import { mse, nccLoss, smoothness, softmaxCrossEntropy } from '../ops/loss.js';
import { reshape } from '../ops/shape.js';
import type { Rng } from '../ops/create.js';
import { UNet } from '../nn/unet.js';
import { ParamStore } from '../nn/init.js';

export interface NetSizes {
  encoder: number[];
  decoder: number[];
  /** Convs per U-Net level (VoxelMorph nb_conv_per_level; the lists are flat lists of convs). Default 1. */
  convsPerLevel?: number;
}

export interface SpatialConfig {
  net: NetSizes;
  /** Integrate a stationary velocity field (scaling and squaring); the inverse is the negated velocity. */
  diffeomorphic: boolean;
  intSteps: number;
  /** Integrate at half resolution, then upsample (VoxelMorph int_downsize = 2). */
  halfRes: boolean;
  /** Weight of the L2 smoothness of the network output (velocity, or displacement). */
  lambda: number;
  /** NCC window. */
  win: number;
  lr: number;
  steps: number;
  /**
   * SAS only: steps of instance-specific optimisation (VoxelMorph's test-time fine-tuning of the
   * network on the one (atlas, test scan) pair, unsupervised, no labels) before predicting. 0 = the
   * trained network as is (amortised registration).
   */
  testTimeSteps?: number;
  /**
   * Steps of the same unsupervised optimisation on each unlabeled scan before its field phi_i is
   * taken for synthesis (the amortised field refined per scan); 0 = the amortised fields.
   */
  refineSteps?: number;
}

export interface AppearanceConfig {
  net: NetSizes;
  /** Weight of || (x + psi) o phi - y ||^2 (reference 50). */
  reconWeight: number;
  /** Weight of (1 - c_x) |grad psi| (reference 1). */
  smoothWeight: number;
  /** c_x: voxels within this many voxels of an atlas label boundary (default 1, the reference's). */
  boundaryRadius?: number;
  lr: number;
  steps: number;
}

export interface SegmenterConfig {
  net: NetSizes;
  lr: number;
  /** The most training steps (training may stop earlier on the validation Dice: `patience`). */
  steps: number;
  /** Examples (2D: slices) per training step, each drawn independently (default 1). */
  batch?: number;
  /** With validation scans: steps between validation Dice evaluations (default steps / 20). */
  validateEvery?: number;
  /** With validation scans: stop after this many validations without a better Dice (default: never). */
  patience?: number;
}

/**
 * g_s(x, y): the displacement phi - id warping the atlas x onto subject y, and its inverse. Without
 * the diffeomorphic option a second (backward) network g_s'(y, x) gives the inverse, as in the
 * reference code.
 */
export class SpatialModel {
  readonly params = new ParamStore();
  readonly fwd: UNet;
  readonly bwd: UNet | null;

  constructor(readonly config: SpatialConfig, readonly dims: 2 | 3, rng: Rng) {
    const mk = () => new UNet({ inChannels: 2, ...config.net, outChannels: 3, dims, outInitStd: 1e-5 }, rng);
    this.fwd = mk();
    this.bwd = config.diffeomorphic ? null : mk();
    // One store over both networks, for the optimizer and the checkpoint (tensors are shared, not copied).
    for (const [n, t] of this.fwd.params.byName) this.params.byName.set(`fwd.${n}`, t);
    if (this.bwd) for (const [n, t] of this.bwd.params.byName) this.params.byName.set(`bwd.${n}`, t);
  }

  private integrate(v: Tensor): Tensor {
    const { intSteps, halfRes } = this.config;
    if (!halfRes) return integrateVelocity(v, intSteps);
    // VoxelMorph's ResizeTransform: the vectors shrink with the grid, then grow back with it.
    return resizeField2x(integrateVelocity(mulScalar(avgPool(v), 0.5), intSteps));
  }

  /** The network output for (moving x, fixed y): a velocity (diffeomorphic) or a displacement. */
  raw(x: Tensor, y: Tensor): Tensor {
    return this.fwd.forward(concat([x, y], -1));
  }

  /** Displacement u with x o (id + u) ~ y (atlas -> subject). */
  forwardField(x: Tensor, y: Tensor): Tensor {
    const r = this.raw(x, y);
    return this.config.diffeomorphic ? this.integrate(r) : r;
  }

  /** Displacement u' with y o (id + u') ~ x (subject -> atlas). */
  inverseField(x: Tensor, y: Tensor): Tensor {
    if (this.config.diffeomorphic) return this.integrate(neg(this.raw(x, y)));
    return this.bwd!.forward(concat([y, x], -1));
  }

  /** -NCC(x o phi, y) + lambda * grad-L2 (both directions for the two-network model). */
  loss(x: Tensor, y: Tensor): Tensor {
    const { lambda, win } = this.config;
    const r = this.raw(x, y);
    const u = this.config.diffeomorphic ? this.integrate(r) : r;
    let l = add(nccLoss(warp(x, u), y, win), mulScalar(smoothness(r), lambda));
    if (this.bwd) {
      const ub = this.bwd.forward(concat([y, x], -1));
      l = add(l, add(nccLoss(warp(y, ub), x, win), mulScalar(smoothness(ub), lambda)));
    }
    return l;
  }

  dispose(): void { this.fwd.dispose(); this.bwd?.dispose(); }
}

/** h_a(x, y o phi^-1): psi, the additive intensity change in atlas space. */
export class AppearanceModel {
  readonly net: UNet;
  get params(): ParamStore { return this.net.params; }

  constructor(readonly config: AppearanceConfig, readonly dims: 2 | 3, rng: Rng) {
    this.net = new UNet({ inChannels: 2, ...config.net, outChannels: 1, dims, outInitStd: 1e-5 }, rng);
  }

  psi(x: Tensor, yInAtlas: Tensor): Tensor {
    return this.net.forward(concat([x, yInAtlas], -1));
  }

  /**
   * reconWeight * || (x + psi) o phi - y ||^2 (mean, in subject space) + smoothWeight * (1 - c_x) |grad psi|.
   * `phi` is the forward displacement, `notBoundary` = 1 - c_x [1, D, H, W, 1].
   */
  loss(x: Tensor, yInAtlas: Tensor, phi: Tensor, y: Tensor, notBoundary: Tensor): Tensor {
    const p = this.psi(x, yInAtlas);
    const recon = mse(warp(add(x, p), phi), y);
    const smooth = smoothness(p, { penalty: 'l1', weight: notBoundary });
    return add(mulScalar(recon, this.config.reconWeight), mulScalar(smooth, this.config.smoothWeight));
  }

  dispose(): void { this.net.dispose(); }
}

/** The segmentation U-Net: logits over background + the 30 labels. */
export class Segmenter {
  readonly net: UNet;
  get params(): ParamStore { return this.net.params; }

  constructor(readonly config: SegmenterConfig, readonly dims: 2 | 3, classes: number, rng: Rng) {
    // A small but non-negligible output init: the reference's softmax layer is not a flow layer.
    this.net = new UNet({ inChannels: 1, ...config.net, outChannels: classes, dims, outInitStd: 0.02 }, rng);
  }

  logits(x: Tensor): Tensor { return this.net.forward(x); }

  /** Mean per-voxel cross-entropy; `labels` i32 [1, D, H, W, 1]. */
  loss(x: Tensor, labels: Tensor): Tensor {
    const lg = this.logits(x);
    return softmaxCrossEntropy(lg, reshape(labels, labels.shape.slice(0, 4)));
  }

  dispose(): void { this.net.dispose(); }
}


