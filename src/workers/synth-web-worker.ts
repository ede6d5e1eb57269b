// Web Worker / Deno worker entry of the synthesis service: comlink's default endpoint is the
// worker's global scope (self), so the service is exposed as is. In a page (vite):
//   new Worker(new URL('./my-worker.ts', import.meta.url), { type: 'module' }) where my-worker.ts is
//   `import 'blendwarp/workers/synth-web-worker';`, then Comlink.wrap<SynthService>(worker).
import * as Comlink from 'comlink';
import { SynthService } from './synth-service.js';

Comlink.expose(new SynthService());
