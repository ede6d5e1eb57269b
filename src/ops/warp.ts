// The spatial transformer and its relatives: trilinear warp (gradients to image and field),
// nearest-neighbour warp for label maps, scaling-and-squaring integration, field resizing, box sums.
//
// Conventions (one place): a displacement field is [N, D, H, W, 3], components in (D, H, W) order,
// in voxels; output voxel p samples the input at p + u(p). Out-of-volume samples are ZERO, per
// trilinear corner (PyTorch voxelmorph / grid_sample padding 'zeros'): a sample half a voxel past
// the border gets half the border value. Nearest-neighbour rounds p + u(p) half up per axis.
// The component along an axis of size 1 (D of 2D data) is ignored: it gets neither a value nor a
// gradient, so 2D networks cannot dim the image by pushing samples off the single slice.
import { composite, getBackend, needsGrad, record } from '../tensor/engine.js';
import { emptyTensor, Tensor } from '../tensor/tensor.js';
import { expectF32, fmt, live, ShapeError } from './checks.js';
import { add, mul, mulScalar } from './elementwise.js';
import { tensor } from './create.js';
import { upsample } from './conv.js';

function checkPair(op: string, x: Tensor, flow: Tensor): [number, number, number, number, number] {
  live(op, x, flow);
  expectF32(op, 'flow', flow);
  if (x.rank !== 5) throw new ShapeError(op, `image must be [N, D, H, W, C], got ${fmt(x.shape)}`);
  const [n, d, h, w, c] = x.shape as [number, number, number, number, number];
  if (flow.rank !== 5 || flow.shape[0] !== n || flow.shape[1] !== d || flow.shape[2] !== h || flow.shape[3] !== w || flow.shape[4] !== 3) {
    throw new ShapeError(op, `flow must be [${n}, ${d}, ${h}, ${w}, 3] to match image ${fmt(x.shape)}, got ${fmt(flow.shape)}`);
  }
  return [n, d, h, w, c];
}

/** Zeroes the flow components along axes of size 1 (see the conventions above). */
function dropUnitAxes(flow: Tensor, d: number, h: number, w: number): Tensor {
  if (d > 1 && h > 1 && w > 1) return flow;
  return mul(flow, tensor([d > 1 ? 1 : 0, h > 1 ? 1 : 0, w > 1 ? 1 : 0], [3]));
}

/** Trilinear warp of x [N, D, H, W, C] by the displacement field flow [N, D, H, W, 3]. */
export function warp(x: Tensor, field: Tensor): Tensor {
  expectF32('warp', 'image', x);
  const [n, d, h, w, c] = checkPair('warp', x, field);
  return composite(() => {
    const flow = dropUnitAxes(field, d, h, w);
    const y = emptyTensor(x.shape);
    getBackend().warp(x.storage, flow.storage, y.storage, n, d, h, w, c);
    record(y, [x, flow], (dy) => {
      // The image's gradient is a scatter as costly as the rest: skipped when the image needs none
      // (a moving image that is data, the usual case in registration).
      const dx = needsGrad(x) ? emptyTensor(x.shape) : null, dflow = emptyTensor(flow.shape);
      getBackend().warpBackward(x.storage, flow.storage, dy.storage, dx ? dx.storage : null, dflow.storage, n, d, h, w, c);
      return [dx, needsGrad(flow) ? dflow : null];
    });
    return y;
  });
}

/** Nearest-neighbour warp for label maps (i32 or f32); out-of-volume samples get `outside` (default 0). */
export function warpNearest(labels: Tensor, field: Tensor, outside = 0): Tensor {
  const [n, d, h, w, c] = checkPair('warpNearest', labels, field);
  return composite(() => {
    const flow = dropUnitAxes(field, d, h, w);
    const y = emptyTensor(labels.shape, labels.dtype);
    getBackend().warpNearest(labels.storage, flow.storage, y.storage, n, d, h, w, c, labels.dtype, outside);
    return y;
  });
}

/**
 * Integrates a stationary velocity field by scaling and squaring (VoxelMorph's VecInt):
 * u = v / 2^steps, then `steps` times u <- u + u o (id + u). Differentiable.
 */
export function integrateVelocity(v: Tensor, steps = 7): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new ShapeError('integrateVelocity', `steps must be an integer >= 0, got ${steps}`);
  checkPair('integrateVelocity', v, v);
  return composite(() => {
    let u = mulScalar(v, 1 / 2 ** steps);
    for (let i = 0; i < steps; i++) u = add(u, warp(u, u));
    return u;
  });
}

/** Doubles a field's resolution (linear, on axes longer than 1) and its vectors with it. */
export function resizeField2x(flow: Tensor): Tensor {
  expectF32('resizeField2x', 'flow', flow);
  if (flow.rank !== 5 || flow.shape[4] !== 3) throw new ShapeError('resizeField2x', `flow must be [N, D, H, W, 3], got ${fmt(flow.shape)}`);
  return composite(() => mulScalar(upsample(flow, 'linear'), 2));
}

/**
 * Sum over a (2r+1)-wide window on each axis, zero-padded, per channel. Cost per voxel is
 * independent of the window size (running sums). The operator is symmetric, so it is its own adjoint.
 */
export function boxSum(x: Tensor, radius: readonly [number, number, number]): Tensor {
  expectF32('boxSum', 'x', x);
  if (x.rank !== 5) throw new ShapeError('boxSum', `x must be [N, D, H, W, C], got ${fmt(x.shape)}`);
  if (radius.some((r) => !Number.isInteger(r) || r < 0)) throw new ShapeError('boxSum', `radius must be integers >= 0, got ${fmt(radius)}`);
  const [n, d, h, w, c] = x.shape as [number, number, number, number, number];
  const y = emptyTensor(x.shape);
  getBackend().boxSum(x.storage, y.storage, n, d, h, w, c, radius[0], radius[1], radius[2]);
  record(y, [x], (dy) => [boxSum(dy, radius)]);
  return y;
}
