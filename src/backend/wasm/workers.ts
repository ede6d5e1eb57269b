// The one runtime-specific module of the wasm backend: how this runtime creates a worker thread,
// how many cores it offers, whether it can share memory, and (Node 20) how to turn relaxed SIMD on.
// Everything else (threads.ts, backend.ts, the kernels) is runtime-neutral.
//
// - Node: worker_threads with the worker's code passed as an eval'd script (CommonJS), unref'd so
//   idle workers never keep the process alive. `node:` modules are imported dynamically through a
//   variable specifier, so bundlers leave them alone and browser bundles never load them.
// - Deno and browsers: Web Workers (module type, from a Blob URL, so no extra file has to be
//   served or bundled). A browser gives SharedArrayBuffer only to cross-origin-isolated pages
//   (HTTP headers `Cross-Origin-Opener-Policy: same-origin` and
//   `Cross-Origin-Embedder-Policy: require-corp`); elsewhere the backend runs on one thread.

export interface WorkerHandle {
  terminate(): void;
}

export interface WorkerSpawner {
  /** Starts a worker running `prelude + body` and posts `init` to it. */
  spawn(body: string, init: unknown): WorkerHandle;
}

export type RuntimeName = 'node' | 'deno' | 'browser' | 'other';
/** Where in the runtime this code runs: a page, a kind of worker, or a runtime's main thread. */
export type RuntimeContext = 'window' | 'dedicated-worker' | 'shared-worker' | 'service-worker' | 'worker' | 'main' | 'worker-thread' | 'unknown';

export interface Platform {
  /** 'browser' in a page and in dedicated, shared and service workers alike; `context` says which. */
  runtime: RuntimeName;
  context: RuntimeContext;
  /** BLENDWARP_THREADS (Node, Deno with --allow-env), or undefined when unset. */
  envThreads?: number;
  /** BLENDWARP_CONV (Node, Deno with --allow-env): the wasm convolution algorithm, or undefined when unset. */
  envConv?: ConvAlgorithm;
  /** Logical cores offered to this process. */
  cores: number;
  /** SharedArrayBuffer exists and can be posted to workers (cross-origin isolation in browsers). */
  sharedMemory: boolean;
  /** Creates workers; null where this runtime has none. */
  spawner: WorkerSpawner | null;
}

interface NodeWorker { unref(): void; terminate(): Promise<number>; postMessage(m: unknown): void; }
interface NodeWorkerThreads { Worker: new (src: string, opts: { eval: boolean }) => NodeWorker; isMainThread: boolean }

const g = globalThis as {
  Deno?: { env?: { get(name: string): string | undefined } };
  process?: { versions?: { node?: string }; env?: Record<string, string | undefined> };
  navigator?: { hardwareConcurrency?: number };
  crossOriginIsolated?: boolean;
  Worker?: new (url: string, opts: { type: 'module' }) => { postMessage(m: unknown): void; terminate(): void };
};

type Ctor = abstract new (...args: never[]) => unknown;
const scopeCtor = (name: string): Ctor | undefined => {
  const c = (globalThis as Record<string, unknown>)[name];
  return typeof c === 'function' ? (c as Ctor) : undefined;
};
const isScope = (name: string): boolean => {
  const c = scopeCtor(name);
  return c !== undefined && globalThis instanceof c;
};

/** The kind of global scope: a page, a dedicated/shared/service worker, another worker, or unknown. */
function webContext(): RuntimeContext {
  if (isScope('DedicatedWorkerGlobalScope')) return 'dedicated-worker';
  if (isScope('SharedWorkerGlobalScope')) return 'shared-worker';
  if (isScope('ServiceWorkerGlobalScope')) return 'service-worker';
  if (isScope('WorkerGlobalScope')) return 'worker';
  if (typeof (globalThis as { document?: unknown }).document === 'object') return 'window';
  return 'unknown';
}

/** BLENDWARP_THREADS as a thread count; a value that is not an integer >= 1 is an error naming it. */
export function parseThreads(value: string | undefined, source = 'BLENDWARP_THREADS'): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${source}: expected an integer >= 1 (threads for the wasm kernels), got "${value}"`);
  return n;
}

/** How the wasm backend runs 3x3 stride-1 convolutions: 'auto' (Winograd where it pays), 'direct', 'winograd'. */
export type ConvAlgorithm = 'auto' | 'direct' | 'winograd';

/** BLENDWARP_CONV as a convolution algorithm; any other value is an error naming it. */
export function parseConvAlgorithm(value: string | undefined, source = 'BLENDWARP_CONV'): ConvAlgorithm | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (v === 'auto' || v === 'direct' || v === 'winograd') return v;
  throw new Error(`${source}: expected auto, direct or winograd (the wasm convolution algorithm), got "${value}"`);
}

function envVar(name: string): string | undefined {
  if (g.Deno !== undefined) {
    try { return g.Deno.env?.get(name); } catch { return undefined; } // no --allow-env: unset
  }
  return g.process?.env?.[name];
}

function envThreads(): number | undefined {
  return parseThreads(envVar('BLENDWARP_THREADS'));
}

function isNode(): boolean {
  return g.Deno === undefined && typeof g.process?.versions?.node === 'string';
}

async function nodeImport<T>(name: string): Promise<T> {
  return (await import(/* @vite-ignore */ name)) as T;
}

/**
 * Node 20 validates relaxed-SIMD modules only with --experimental-wasm-relaxed-simd (Node 22+ and
 * Deno have it on by default). V8 reads the flag at validation time, so setting it here, before the
 * backend validates and compiles, is enough. Only called after a failed validation, and only in Node.
 */
export async function enableRelaxedSimd(): Promise<boolean> {
  if (!isNode()) return false;
  try {
    const v8 = await nodeImport<{ setFlagsFromString(f: string): void }>('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    return true;
  } catch {
    return false;
  }
}

export async function detectPlatform(): Promise<Platform> {
  const sharedMemory = typeof SharedArrayBuffer === 'function' && g.crossOriginIsolated !== false;
  if (isNode()) {
    const os = await nodeImport<{ availableParallelism?: () => number; cpus(): unknown[] }>('node:os');
    const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
    let spawner: WorkerSpawner | null = null;
    let context: RuntimeContext = 'unknown';
    try {
      const wt = await nodeImport<NodeWorkerThreads>('node:worker_threads');
      context = wt.isMainThread ? 'main' : 'worker-thread';
      spawner = {
        spawn(body, init) {
          const prelude = "const { parentPort } = require('node:worker_threads'); const onMessage = (f) => parentPort.on('message', f);";
          const w = new wt.Worker(prelude + body, { eval: true });
          w.unref();
          w.postMessage(init);
          return { terminate: () => void w.terminate() };
        },
      };
    } catch {
      spawner = null;
    }
    return { runtime: 'node', context, envThreads: envThreads(), envConv: parseConvAlgorithm(envVar('BLENDWARP_CONV')), cores, sharedMemory, spawner };
  }
  const cores = g.navigator?.hardwareConcurrency ?? 1;
  const W = g.Worker;
  const spawner: WorkerSpawner | null = W && typeof Blob === 'function' && typeof URL.createObjectURL === 'function'
    ? {
      spawn(body, init) {
        const prelude = 'const onMessage = (f) => { self.onmessage = (e) => f(e.data); };';
        const url = URL.createObjectURL(new Blob([prelude + body], { type: 'text/javascript' }));
        const w = new W(url, { type: 'module' });
        w.postMessage(init);
        return { terminate: () => { w.terminate(); URL.revokeObjectURL(url); } };
      },
    }
    : null;
  const context = webContext();
  if (g.Deno !== undefined) return { runtime: 'deno', context: context === 'unknown' || context === 'window' ? 'main' : context, envThreads: envThreads(), envConv: parseConvAlgorithm(envVar('BLENDWARP_CONV')), cores, sharedMemory, spawner };
  return { runtime: context === 'unknown' ? 'other' : 'browser', context, cores, sharedMemory, spawner };
}
