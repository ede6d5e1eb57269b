// Backend creation: the one place that knows which backends exist and how to start them.
import type { Backend } from './backend.js';
import { WasmBackend, type WasmBackendOptions } from './wasm/backend.js';
import { describeAdapter, findAdapter } from './webgpu/device.js';
import { WebGPUBackend, type WebGPUOptions } from './webgpu/backend.js';

export type BackendName = 'wasm' | 'webgpu';
export const BACKEND_NAMES: readonly BackendName[] = ['wasm', 'webgpu'];

/**
 * Options of the WebGPU backend: webgpu/backend.ts's WebGPUOptions, restated here so that the public
 * declarations reach no file that needs the GPU types (@webgpu/types stays a devDependency; a user's
 * `tsc --strict` with skipLibCheck false then needs nothing but blendwarp). `sameOptions` below fails
 * to compile if the two drift apart.
 */
export interface WebGPUBackendOptions {
  /** Binding limit to plan launches with, in bytes (default: the adapter's maxStorageBufferBindingSize). */
  maxBindingBytes?: number;
  /** Tiled matmul (workgroup memory, barriers): default on hardware adapters, off on CPU adapters. */
  tiledMatmul?: boolean;
}
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? ([keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false) : false) : false;
const sameOptions: Same<WebGPUBackendOptions, WebGPUOptions> = true;
void sameOptions;

export interface BackendOptions {
  /** Options of the WebGPU backend (ignored by wasm). */
  webgpu?: WebGPUBackendOptions;
  /** Options of the WebAssembly backend (thread count, relaxed SIMD; ignored by webgpu). */
  wasm?: WasmBackendOptions;
}

/**
 * Starts a backend. 'auto' picks WebGPU only when the adapter is a real GPU: a CPU implementation
 * (lavapipe, SwiftShader, a fallback adapter) runs these kernels several times slower than the
 * WebAssembly SIMD backend on the same cores (PLATFORM-NOTES: 512^3 matmul 0.4-0.7 s on lavapipe,
 * conv3d slower than wasm), so 'auto' then picks wasm. Ask for 'webgpu' by name to use one anyway.
 */
export async function createBackend(name: BackendName | 'auto', opts: BackendOptions = {}): Promise<Backend> {
  switch (name) {
    case 'auto': {
      const found = await findAdapter().catch(() => null);
      if (found && !describeAdapter(found.adapter).software) return WebGPUBackend.create(opts.webgpu);
      return WasmBackend.create(opts.wasm);
    }
    case 'wasm':
      return WasmBackend.create(opts.wasm);
    case 'webgpu':
      return WebGPUBackend.create(opts.webgpu);
    default:
      throw new Error(`unknown backend "${String(name)}": expected one of ${BACKEND_NAMES.join(', ')}, or "auto"`);
  }
}
