// Backend creation: the one place that knows which backends exist and how to start them.
import type { Backend, BackendInfo } from './backend.js';
import { selfTest } from './self-test.js';
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
  /** Per-kernel GPU times (timestamp queries) printed at exit; default: BLENDWARP_WEBGPU_PROFILE=1. */
  profile?: boolean;
  /** GEMM core of conv and matmul: 'tiled' (GPUs) or 'direct' (CPU adapters); default: the adapter decides. */
  gemmCore?: 'tiled' | 'direct';
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

/** Why `auto` picked the backend it returned: `info().auto` of that backend. */
export interface AutoChoice {
  name: BackendName;
  reason: string;
}

/** Makes `info()` of a backend chosen by `auto` carry the choice and its reason. */
function chosen<B extends Backend>(b: B, choice: AutoChoice): B {
  const base = b.info.bind(b);
  b.info = (): BackendInfo => ({ ...base(), auto: choice });
  return b;
}

/**
 * What `auto` picks here and why, without keeping a backend: WebGPU only on a hardware adapter whose
 * kernels pass the self-test (src/backend/self-test.ts) against the WebAssembly kernels; otherwise
 * wasm. A CPU implementation (lavapipe, SwiftShader, a fallback adapter) runs these kernels several
 * times slower than the WebAssembly SIMD backend on the same cores (PLATFORM-NOTES: 512^3 matmul
 * 0.4-0.7 s on lavapipe, conv3d slower than wasm), so 'auto' then picks wasm. Ask for 'webgpu' by
 * name to use one anyway.
 */
async function autoBackend(opts: BackendOptions): Promise<Backend> {
  const wasm = (reason: string) => WasmBackend.create(opts.wasm).then((b) => chosen(b, { name: 'wasm', reason }));
  let found;
  try {
    found = await findAdapter();
  } catch (e) {
    return wasm(`WebGPU is not usable in this runtime: ${(e as Error).message}`);
  }
  if (!found) return wasm('no WebGPU adapter');
  const a = describeAdapter(found.adapter);
  if (a.software) return wasm(`the WebGPU adapter (${a.description || a.device || a.vendor}) is a CPU implementation, slower than wasm here`);
  let gpu: WebGPUBackend;
  try {
    gpu = await WebGPUBackend.create(opts.webgpu);
  } catch (e) {
    return wasm(`the WebGPU device on ${a.description || a.vendor} could not be created: ${(e as Error).message}`);
  }
  const ref = await WasmBackend.create({ ...opts.wasm, threads: 1 });
  let failure: string | null;
  try {
    failure = await selfTest(gpu, ref);
  } catch (e) {
    failure = `the self-test threw: ${(e as Error).message}`;
  } finally {
    ref.dispose();
  }
  if (failure) {
    gpu.dispose();
    return wasm(`the WebGPU adapter (${a.description || a.vendor}) failed the kernel self-test: ${failure}`);
  }
  return chosen(gpu, { name: 'webgpu', reason: `a hardware WebGPU adapter (${a.description || a.vendor}) that passed the kernel self-test` });
}

/**
 * Starts a backend. 'auto' picks WebGPU only on a hardware adapter whose kernels pass a short
 * self-test against the WebAssembly kernels, otherwise wasm; `info().auto` says which and why.
 */
export async function createBackend(name: BackendName | 'auto', opts: BackendOptions = {}): Promise<Backend> {
  switch (name) {
    case 'auto':
      return autoBackend(opts);
    case 'wasm':
      return WasmBackend.create(opts.wasm);
    case 'webgpu':
      return WebGPUBackend.create(opts.webgpu);
    default:
      throw new Error(`unknown backend "${String(name)}": expected one of ${BACKEND_NAMES.join(', ')}, or "auto"`);
  }
}

/** Runs the self-test of `candidate` against a fresh single-threaded wasm backend (tests, `info`). */
export async function selfTestBackend(candidate: Backend): Promise<string | null> {
  const ref = await WasmBackend.create({ threads: 1 });
  try { return await selfTest(candidate, ref); } finally { ref.dispose(); }
}
