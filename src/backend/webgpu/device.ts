// The one place that knows how each runtime exposes WebGPU: `navigator.gpu` in browsers, workers
// and Deno; in Node the `webgpu` package (Dawn), imported lazily through a specifier bundlers do
// not follow, so browser bundles never pull in the native addon.

/** An adapter and the runtime object it came from. */
export interface GpuAdapterHandle {
  gpu: GPU;
  adapter: GPUAdapter;
  /** Where the adapter came from, for `info()`. */
  source: 'navigator.gpu' | 'webgpu (Dawn for Node)';
}

// TRAP (PLATFORM-NOTES): the object returned by Dawn's create() must stay referenced for as long as
// any device made from it lives; dropping it crashed the process. It is created once and kept here.
let nodeGpu: GPU | null = null;

const SETUP_HINT =
  'install a Vulkan driver for WebGPU: on Debian 12 run `sudo bash scripts/setup-webgpu.sh` (lavapipe from ' +
  'bookworm-backports, a CPU implementation), or use a browser/Deno with WebGPU enabled';

async function runtimeGpu(): Promise<{ gpu: GPU; source: GpuAdapterHandle['source'] } | null> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, source: 'navigator.gpu' };
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (!proc?.versions?.node) return null;
  if (!nodeGpu) {
    // A variable specifier: vite/rollup leave it alone, so the Node-only addon stays out of bundles.
    const specifier = 'webgpu';
    let mod: { create(opts: string[]): GPU; globals: object };
    try {
      mod = (await import(/* @vite-ignore */ specifier)) as typeof mod;
    } catch (e) {
      const missing = /Cannot find (package|module)|ERR_MODULE_NOT_FOUND/.test(String((e as Error).message ?? e));
      throw new Error(missing
        ? 'webgpu backend: WebGPU in Node needs the package "webgpu" (Dawn), an optional dependency of blendwarp that is not ' +
          'installed here (npm skips it with --omit=optional or where it has no prebuilt binary): run `npm install webgpu`, ' +
          'or use the wasm backend (--backend wasm)'
        : `webgpu backend: the Node package "webgpu" (Dawn) could not be loaded: ${(e as Error).message}`);
    }
    // The GPU* constants (GPUBufferUsage, ...) that WebGPU code expects as globals.
    for (const [k, v] of Object.entries(mod.globals)) {
      if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    }
    nodeGpu = mod.create([]);
  }
  return { gpu: nodeGpu, source: 'webgpu (Dawn for Node)' };
}

/** The runtime's WebGPU adapter, or null when the runtime has no WebGPU or no adapter. */
export async function findAdapter(): Promise<GpuAdapterHandle | null> {
  const rt = await runtimeGpu();
  if (!rt) return null;
  const adapter = await rt.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  return { gpu: rt.gpu, adapter, source: rt.source };
}

/** Like findAdapter, but a missing adapter is an error that says how to get one. */
export async function requireAdapter(): Promise<GpuAdapterHandle> {
  const found = await findAdapter();
  if (!found) throw new Error(`backend "webgpu": no WebGPU adapter is available in this runtime; ${SETUP_HINT}`);
  return found;
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  /** A CPU implementation (lavapipe/llvmpipe, SwiftShader, WARP) or the runtime's fallback adapter. */
  software: boolean;
}

export function describeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  const fallback = Boolean((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter
    ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter);
  const s = {
    vendor: String(info?.vendor ?? ''),
    architecture: String(info?.architecture ?? ''),
    device: String(info?.device ?? ''),
    description: String(info?.description ?? ''),
  };
  const text = `${s.vendor} ${s.architecture} ${s.device} ${s.description}`.toLowerCase();
  const software = fallback || /llvmpipe|lavapipe|swiftshader|software|\bcpu\b|microsoft basic render|\bwarp\b/.test(text);
  return { ...s, isFallbackAdapter: fallback, software };
}

/**
 * Whether the environment asks for the kernel profile (BLENDWARP_WEBGPU_PROFILE=1 in Node or Deno;
 * docs/webgpu-kernels.md). Browsers pass `profile: true` to WebGPUBackend.create instead.
 */
export function profileRequested(): boolean {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> }; Deno?: { env?: { get(k: string): string | undefined } } };
  let v: string | undefined;
  try { v = g.process?.env?.BLENDWARP_WEBGPU_PROFILE ?? g.Deno?.env?.get('BLENDWARP_WEBGPU_PROFILE'); } catch { v = undefined; }
  return v !== undefined && v !== '' && v !== '0';
}

/** Runs `fn` when the process exits, or is interrupted (SIGINT/SIGTERM) in Node; Deno: on unload. */
export function atExit(fn: () => void): void {
  const g = globalThis as { process?: { once?(ev: string, f: () => void): void; exit?(c: number): void }; addEventListener?(ev: string, f: () => void): void; Deno?: unknown };
  if (g.process?.once) {
    let done = false;
    const once = (): void => { if (!done) { done = true; fn(); } };
    g.process.once('exit', once);
    for (const sig of ['SIGINT', 'SIGTERM']) g.process.once(sig, () => { once(); g.process!.exit!(130); });
  }
  else if (g.Deno && g.addEventListener) g.addEventListener('unload', fn);
}
