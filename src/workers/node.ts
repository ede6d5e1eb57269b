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
import { startServiceWorker, type ServiceWorker } from './service-worker-node.js';
import type { SynthService } from './synth-service.js';

export { startServiceWorker, type ServiceWorker } from './service-worker-node.js';
export { startGBlendWorker, workerHeadRunner, type GBlendWorker } from './gblend-node.js';

/** Starts the synthesis service (SynthService) on a worker thread. */
export function startSynthWorker(entry: URL = new URL('./synth-node-worker.js', import.meta.url)): ServiceWorker<SynthService> {
  return startServiceWorker<SynthService>(entry);
}
