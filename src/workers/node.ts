// blendwarp/workers/node: start the pipeline services on Node worker_threads (the ready entry modules
// synth-node-worker.js and gblend-node-worker.js next to this file) and talk to them through comlink.
//
//   import { startSynthWorker } from 'blendwarp/workers/node';
//   import { proxy } from 'blendwarp/workers';
//   const w = startSynthWorker();
//   console.log(await w.service.prepare({ input: 'default', steps: 10 }));
//   const { results } = await w.service.runStage('run', proxy((p) => console.log(p.stage, p.step)));
//   console.log(results?.methods.map((m) => `${m.name} ${m.dice_mean}`));
//   await w.terminate();
import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { SynthService } from './synth-service.js';

export { startGBlendWorker, workerHeadRunner, type GBlendWorker } from './gblend-node.js';

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

/** Starts the synthesis service (SynthService) on a worker thread. */
export function startSynthWorker(entry: URL = new URL('./synth-node-worker.js', import.meta.url)): ServiceWorker<SynthService> {
  return startServiceWorker<SynthService>(entry);
}
