// Node entry of the synthesis service: `new Worker(new URL('./synth-node-worker.js', import.meta.url))`
// then `Comlink.wrap<SynthService>(nodeEndpoint(worker))` on the caller's side.
import { parentPort } from 'node:worker_threads';
import '../cli/node-inflate.js';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { SynthService } from './synth-service.js';

if (!parentPort) throw new Error('synth-node-worker: run me as a worker_threads Worker');
Comlink.expose(new SynthService(), nodeEndpoint(parentPort));
