// blendwarp/workers: both pipelines as comlink services, runtime-neutral (no node:*, no DOM): expose
// them on any comlink endpoint, or use the ready entry modules
//   blendwarp/workers/synth-web-worker, blendwarp/workers/gblend-web-worker   (browsers, Deno)
//   blendwarp/workers/synth-node-worker, blendwarp/workers/gblend-node-worker (Node worker_threads)
// and, in Node, blendwarp/workers/node (startSynthWorker, startGBlendWorker, workerHeadRunner).
// Recipes: docs/install.md. In a browser or Deno, with my-worker.ts = `import 'blendwarp/workers/synth-web-worker';`:
//
//   import { wrap, proxy, type SynthService } from 'blendwarp/workers';
//   const worker = new Worker(new URL('./my-worker.ts', import.meta.url), { type: 'module' });
//   const synth = wrap<SynthService>(worker);
//   console.log(await synth.prepare({ input: 'default', steps: 10 }));
//   const { results } = await synth.runStage('run', proxy((p) => console.log(p.stage, p.step, p.total)));
//   console.log(results?.methods.map((m) => `${m.name} ${m.dice_mean}`));
export { SynthService, type PrepareRequest, type PrepareSummary } from './synth-service.js';
export {
  createGBlendService, type GBlendService, type TrainRequest, type EstimateRequest, type HeadRequest,
} from './gblend-service.js';
export { MemoryStore, type BlobStore } from '../io/checkpoint-store.js';
export type { StageProgress } from '../synth/train.js';
export type { ProgressEvent } from '../gblend/train.js';
export type { SynthResultsJson } from '../synth/report.js';
// comlink's client side, so that a page needs no second import of comlink (the same copy the services use).
export { wrap, proxy, transfer, releaseProxy, type Remote } from 'comlink';
