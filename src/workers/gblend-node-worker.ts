// Node worker_threads entry of the G-Blend service (comlink over the worker's parentPort).
import { parentPort } from 'node:worker_threads';
import '../cli/node-inflate.js';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { createGBlendService } from './gblend-service.js';

if (!parentPort) throw new Error('gblend-node-worker: must run in a worker thread');
Comlink.expose(createGBlendService(), nodeEndpoint(parentPort));
