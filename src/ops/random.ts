// Seeded dropout.
import { composite, getBackend } from '../tensor/engine.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { expectF32, ShapeError } from './checks.js';
import type { Rng } from './create.js';
import { mul } from './elementwise.js';

/**
 * Inverted dropout: zeroes each value with probability `rate` and scales the rest by 1 / (1 - rate).
 * The mask comes from the next stream of `rng`, so a seeded run is reproducible.
 */
export function dropout(x: Tensor, rate: number, rng: Rng): Tensor {
  expectF32('dropout', 'x', x);
  if (!(rate >= 0 && rate < 1)) throw new ShapeError('dropout', `rate must be in [0, 1), got ${rate}`);
  if (rate === 0) return mul(x, 1);
  return composite(() => {
    const mask = emptyTensor(x.shape);
    getBackend().dropoutMask(mask.storage, mask.size, 1 - rate, rng.seed, rng.nextStream());
    return mul(x, mask);
  });
}
