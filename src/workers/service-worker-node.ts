// A comlink service on a Node worker thread, with a promise that rejects when the worker dies: the one
// starter both pipelines' Node clients use.
import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';

export interface ServiceWorker<T> {
  /** The service, every method async (comlink). */
  service: Comlink.Remote<T>;
  /** Rejects if the worker fails to start or dies (a comlink call to a dead worker never settles). */
  crashed: Promise<never>;
  /** Releases the proxy and stops the worker. */
  terminate(): Promise<void>;
}

/** Starts a worker thread running `entry` (a module that exposes a comlink service on its parentPort). */
export function startServiceWorker<T>(entry: URL): ServiceWorker<T> {
  const worker = new Worker(entry);
  const service = Comlink.wrap<T>(nodeEndpoint(worker));
  let stopping = false;
  const crashed = new Promise<never>((_, reject) => {
    worker.on('error', (e) => reject(new Error(`worker ${entry.href} failed: ${e.message}`)));
    worker.on('exit', (code) => { if (!stopping) reject(new Error(`worker ${entry.href} exited with code ${code}`)); });
  });
  crashed.catch(() => {}); // observed by whoever races it; never an unhandled rejection
  return {
    service,
    crashed,
    async terminate() {
      stopping = true;
      service[Comlink.releaseProxy]();
      await worker.terminate();
    },
  };
}
