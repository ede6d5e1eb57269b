// blendwarp: a WebAssembly + WebGPU compute core for small neural networks, channels-last
// [N, D, H, W, C], with reverse-mode autograd, and the G-Blend and learned-transformation pipelines.
import type { Backend, BackendInfo } from './backend/backend.js';
import { createBackend, type BackendName, type BackendOptions } from './backend/create.js';
import { engine, getBackend } from './tensor/engine.js';
import { detectPlatform, type RuntimeContext, type RuntimeName } from './backend/wasm/workers.js';

export type { Backend, BackendInfo, MemoryStats, DType } from './backend/backend.js';
export { DeviceLostError } from './backend/backend.js';
export { BACKEND_NAMES, createBackend, type BackendName, type BackendOptions, type WebGPUBackendOptions } from './backend/create.js';
export type { WasmBackendOptions } from './backend/wasm/backend.js';
export type { RuntimeName, RuntimeContext } from './backend/wasm/workers.js';
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

/**
 * Starts a backend and makes it the active one (replacing and disposing any earlier one). The wasm
 * backend's thread count: `opts.wasm.threads`, else BLENDWARP_THREADS, else every core.
 */
export async function setBackend(name: BackendName | 'auto' = 'auto', opts: BackendOptions = {}): Promise<Backend> {
  const b = await createBackend(name, opts);
  if (engine.backend) engine.backend.dispose();
  engine.backend = b;
  return b;
}

/** Starts the default backend once; later calls return the active one. */
export async function init(name: BackendName | 'auto' = 'auto', opts: BackendOptions = {}): Promise<Backend> {
  if (engine.backend) return engine.backend;
  return setBackend(name, opts);
}

/** Memory held by the active backend (for leak checks). */
export function memory() {
  return getBackend().memory();
}

export interface RuntimeInfo {
  /** node, deno, browser (a page or any kind of browser worker), or other. */
  runtime: RuntimeName;
  /** window, dedicated-worker, shared-worker, service-worker, worker; main or worker-thread in Node and Deno. */
  context: RuntimeContext;
  /** Logical cores this runtime offers. */
  cores: number;
  /** SharedArrayBuffer usable (browsers: only on cross-origin-isolated pages), needed for threads. */
  sharedMemory: boolean;
  /** Whether this runtime can start worker threads for the wasm kernels. */
  workers: boolean;
  /** BLENDWARP_THREADS, when set (Node; Deno with --allow-env). */
  envThreads?: number;
  /** The active backend's details (name, threads, adapter, ...), or null before init(). */
  backend: BackendInfo | null;
}

/** Where this code runs and what the active backend is (`blendwarp info` in the command line). */
export async function info(): Promise<RuntimeInfo> {
  const p = await detectPlatform();
  return {
    runtime: p.runtime, context: p.context, cores: p.cores, sharedMemory: p.sharedMemory, workers: p.spawner !== null,
    ...(p.envThreads !== undefined ? { envThreads: p.envThreads } : {}),
    backend: engine.backend ? engine.backend.info() : null,
  };
}
