// Optimizers as fused in-place kernels (PyTorch semantics), each holding its per-parameter state.
import { getBackend, keep as keepOut } from '../tensor/engine.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { fmt, ShapeError } from '../ops/checks.js';

export interface Optimizer {
  /** Applies one update to `params` from `grads` (same order and shapes). */
  step(params: readonly Tensor[], grads: readonly Tensor[]): void;
  /** The optimizer's state tensors, for checkpoints (same order on every call). */
  state(): Tensor[];
  /**
   * Restores the state saved by state(), for `params` in the order they are stepped; `slot(i)` gives
   * the i-th saved state tensor's values.
   */
  restoreState(slot: (i: number) => Float32Array | Int32Array | null, stepCount: number, params: readonly Tensor[]): void;
  /** Frees the state. */
  dispose(): void;
  stepCount: number;
  lr: number;
}

abstract class Base implements Optimizer {
  protected slots = new Map<Tensor, Tensor[]>();
  stepCount = 0;
  constructor(public lr: number, private readonly slotCount: number, protected readonly name: string) {
    if (!(lr > 0)) throw new Error(`${name}: learning rate must be > 0, got ${lr}`);
  }
  protected slotsOf(p: Tensor): Tensor[] {
    let s = this.slots.get(p);
    if (!s) {
      s = Array.from({ length: this.slotCount }, () => {
        const t = emptyTensor(p.shape);
        getBackend().fill(t.storage, t.size, 0, 'f32');
        return t;
      });
      // Optimizer state outlives any tidy scope.
      for (const t of s) keepOut(t);
      this.slots.set(p, s);
    }
    return s;
  }
  step(params: readonly Tensor[], grads: readonly Tensor[]): void {
    if (params.length !== grads.length) throw new ShapeError(this.name, `${params.length} parameters but ${grads.length} gradients`);
    this.stepCount++;
    params.forEach((p, i) => {
      const g = grads[i]!;
      if (p.size !== g.size) throw new ShapeError(this.name, `parameter ${i} is ${fmt(p.shape)} but its gradient is ${fmt(g.shape)}`);
      this.update(p, g, this.slotsOf(p));
    });
  }
  protected abstract update(p: Tensor, g: Tensor, slots: Tensor[]): void;
  state(): Tensor[] {
    return [...this.slots.values()].flat();
  }
  restoreState(slot: (i: number) => Float32Array | Int32Array | null, stepCount: number, params: readonly Tensor[]): void {
    let i = 0;
    for (const p of params) {
      for (const t of this.slotsOf(p)) {
        const data = slot(i++);
        if (!data || data.length !== t.size) throw new Error(`${this.name}: saved state ${i - 1} is missing or does not match parameter ${fmt(p.shape)}`);
        getBackend().write(t.storage, data);
      }
    }
    this.stepCount = stepCount;
  }
  dispose(): void {
    for (const s of this.slots.values()) for (const t of s) t.dispose();
    this.slots.clear();
  }
}



export interface SgdOptions { lr: number; momentum?: number; weightDecay?: number; nesterov?: boolean; }
export class SGD extends Base {
  constructor(readonly opts: SgdOptions) { super(opts.lr, 1, 'SGD'); }
  protected update(p: Tensor, g: Tensor, [v]: Tensor[]): void {
    getBackend().sgdUpdate(p.storage, g.storage, v!.storage, p.size, this.lr, this.opts.momentum ?? 0, this.opts.weightDecay ?? 0, this.opts.nesterov ?? false);
  }
}

export interface AdamOptions { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; decoupledWeightDecay?: boolean; }
export class Adam extends Base {
  constructor(readonly opts: AdamOptions) { super(opts.lr, 2, 'Adam'); }
  protected update(p: Tensor, g: Tensor, [m, v]: Tensor[]): void {
    const b1 = this.opts.beta1 ?? 0.9, b2 = this.opts.beta2 ?? 0.999, eps = this.opts.eps ?? 1e-8;
    const t = this.stepCount;
    const c2 = Math.sqrt(1 - b2 ** t);
    const lrT = (this.lr * c2) / (1 - b1 ** t);
    const wd = this.opts.weightDecay ?? 0;
    const decoupled = this.opts.decoupledWeightDecay ?? false;
    getBackend().adamUpdate(p.storage, g.storage, m!.storage, v!.storage, p.size, lrT, b1, b2, eps * c2,
      decoupled ? 0 : wd, decoupled ? this.lr * wd : 0);
  }
}

export interface AdagradOptions { lr: number; eps?: number; weightDecay?: number; }
export class AdaGrad extends Base {
  constructor(readonly opts: AdagradOptions) { super(opts.lr, 1, 'AdaGrad'); }
  protected update(p: Tensor, g: Tensor, [acc]: Tensor[]): void {
    getBackend().adagradUpdate(p.storage, g.storage, acc!.storage, p.size, this.lr, this.opts.eps ?? 1e-10, this.opts.weightDecay ?? 0);
  }
}
