// Run by test/package.test.ts with Deno in the temporary project (bare specifiers resolve through its
// package.json and node_modules): the core, info() here and in a dedicated worker, and the synthesis
// service in a Deno worker through the ready entry module. Prints "DENO OK" at the end.
import { init, info, Rng, randomNormal, conv3d, sum } from 'blendwarp';
import { wrap, proxy, type SynthService, type StageProgress } from 'blendwarp/workers';

const fail = (m: string): never => { throw new Error(m); };
await init('wasm');
const here = await info();
if (here.runtime !== 'deno' || here.context !== 'main') fail(`info() here: ${JSON.stringify(here)}`);
const y = sum(conv3d(randomNormal([1, 3, 4, 5, 2], new Rng(1)), randomNormal([3, 3, 3, 2, 2], new Rng(2)), null, { padding: 'same' }));
console.log(`conv3d sum ${(await y.data())[0]}`);

const infoWorker = new Worker(new URL('./deno-info-worker.ts', import.meta.url), { type: 'module' });
const inWorker = await new Promise<{ runtime: string; context: string }>((resolve) => { infoWorker.onmessage = (e) => resolve(e.data); });
infoWorker.terminate();
if (inWorker.runtime !== 'deno' || inWorker.context !== 'dedicated-worker') fail(`info() in a Deno worker: ${JSON.stringify(inWorker)}`);
console.log(`info() in a worker: ${inWorker.runtime} ${inWorker.context}`);

const worker = new Worker(new URL('./deno-synth-worker.ts', import.meta.url), { type: 'module' });
const synth = wrap<SynthService>(worker);
const summary = await synth.prepare({ backend: 'wasm', input: 'default', dims: 2, phantomShape: [1, 40, 36], steps: 4 });
let steps = 0;
await synth.runStage('spatial', proxy((p: StageProgress) => { steps = p.step; }));
if (steps < 1) fail('no progress from the spatial stage');
console.log(`SynthService in a Deno worker: grid ${summary.shape.join(' x ')}, spatial stage ran ${steps} steps`);
await synth.dispose();
worker.terminate();
console.log('DENO OK');
