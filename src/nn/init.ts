// Parameter initialisers (seeded) and a named parameter store, the unit of checkpoints.
import { keep } from '../tensor/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import { randomNormal, randomUniform, zeros, type Rng } from '../ops/create.js';

/** Named parameters in creation order; names are stable across runs (safetensors keys). */
export class ParamStore {
  readonly byName = new Map<string, Tensor>();
  add(name: string, t: Tensor): Tensor {
    if (this.byName.has(name)) throw new Error(`ParamStore: duplicate parameter name "${name}"`);
    this.byName.set(name, keep(t));
    return t;
  }
  get(name: string): Tensor {
    const t = this.byName.get(name);
    if (!t) throw new Error(`ParamStore: no parameter "${name}"`);
    return t;
  }
  list(): Tensor[] { return [...this.byName.values()]; }
  names(): string[] { return [...this.byName.keys()]; }
  dispose(): void {
    for (const t of this.byName.values()) t.dispose();
    this.byName.clear();
  }
}

/** He (Kaiming) normal for ReLU-family layers: std = sqrt(2 / fanIn). */
export function heNormal(shape: readonly number[], fanIn: number, rng: Rng): Tensor {
  return randomNormal(shape, rng, 0, Math.sqrt(2 / fanIn));
}

/** Glorot (Xavier) uniform: limit sqrt(6 / (fanIn + fanOut)). */
export function glorotUniform(shape: readonly number[], fanIn: number, fanOut: number, rng: Rng): Tensor {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return randomUniform(shape, rng, -limit, limit);
}

export { zeros };
