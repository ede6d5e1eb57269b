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

export interface Platform {
  runtime: 'node' | 'deno' | 'browser' | 'other';
  /** Logical cores offered to this process. */
  cores: number;
  /** SharedArrayBuffer exists and can be posted to workers (cross-origin isolation in browsers). */
  sharedMemory: boolean;
  /** Creates workers; null where this runtime has none. */
  spawner: WorkerSpawner | null;
}

interface NodeWorker { unref(): void; terminate(): Promise<number>; postMessage(m: unknown): void; }
interface NodeWorkerThreads { Worker: new (src: string, opts: { eval: boolean }) => NodeWorker; }

const g = globalThis as {
  Deno?: unknown;
  process?: { versions?: { node?: string } };
  navigator?: { hardwareConcurrency?: number };
  crossOriginIsolated?: boolean;
  Worker?: new (url: string, opts: { type: 'module' }) => { postMessage(m: unknown): void; terminate(): void };
};

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
    try {
      const wt = await nodeImport<NodeWorkerThreads>('node:worker_threads');
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
    return { runtime: 'node', cores, sharedMemory, spawner };
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
  return { runtime: g.Deno !== undefined ? 'deno' : (typeof document === 'object' ? 'browser' : 'other'), cores, sharedMemory, spawner };
}
