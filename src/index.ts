// blendwarp: a WebAssembly + WebGPU compute core for small neural networks, channels-last
// [N, D, H, W, C], with reverse-mode autograd, and the G-Blend and learned-transformation pipelines.
import type { Backend } from './backend/backend.js';
import { createBackend, type BackendName } from './backend/create.js';
import { engine, getBackend } from './tensor/engine.js';

export type { Backend, BackendInfo, MemoryStats, DType } from './backend/backend.js';
export { BACKEND_NAMES, type BackendName } from './backend/create.js';
export { Tensor, readAll, type Shape } from './tensor/tensor.js';
export { tidy, keep, getBackend } from './tensor/engine.js';
export { valueAndGrads, grads } from './tensor/autograd.js';
export * from './ops/create.js';
export * from './ops/elementwise.js';
export * from './ops/reduce.js';
export * from './ops/shape.js';
export * from './ops/linalg.js';
export * from './ops/conv.js';
export * from './ops/warp.js';
export * from './ops/loss.js';
export * from './ops/random.js';
export * from './ops/gradstats.js';
export { ShapeError } from './ops/checks.js';
export * from './nn/optim.js';

/** Starts a backend and makes it the active one (replacing and disposing any earlier one). */
export async function setBackend(name: BackendName | 'auto' = 'auto'): Promise<Backend> {
  const b = await createBackend(name);
  if (engine.backend) engine.backend.dispose();
  engine.backend = b;
  return b;
}

/** Starts the default backend once; later calls return the active one. */
export async function init(name: BackendName | 'auto' = 'auto'): Promise<Backend> {
  if (engine.backend) return engine.backend;
  return setBackend(name);
}

/** Memory held by the active backend (for leak checks). */
export function memory() {
  return getBackend().memory();
}
