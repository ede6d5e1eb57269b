// Backend creation: the one place that knows which backends exist and how to start them.
import type { Backend } from './backend.js';
import { WasmBackend } from './wasm/backend.js';

export type BackendName = 'wasm' | 'webgpu';
export const BACKEND_NAMES: readonly BackendName[] = ['wasm', 'webgpu'];

export async function createBackend(name: BackendName | 'auto'): Promise<Backend> {
  switch (name) {
    case 'auto':
    case 'wasm':
      return WasmBackend.create();
    case 'webgpu':
      throw new Error('backend "webgpu": the WebGPU backend is not part of this version yet; use "wasm" (or "auto")');
    default:
      throw new Error(`unknown backend "${String(name)}": expected one of ${BACKEND_NAMES.join(', ')}, or "auto"`);
  }
}
