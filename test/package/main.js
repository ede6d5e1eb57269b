// The browser recipe, bundled by vite from the installed package (test/package.test.ts): the core in
// the page, info() in the page, in a dedicated and in a shared worker, and the synthesis service in a module worker.
// The page must be cross-origin isolated (COOP/COEP headers) for threads; the report lands on window.__report.
import { init, info, Rng, randomNormal, conv3d, sum } from 'blendwarp';
import { wrap, proxy } from 'blendwarp/workers';

async function run() {
  await init('wasm');
  const page = await info();
  const y = sum(conv3d(randomNormal([1, 3, 4, 5, 2], new Rng(1)), randomNormal([3, 3, 3, 2, 2], new Rng(2)), null, { padding: 'same' }));
  const conv = (await y.data())[0];

  const infoWorker = new Worker(new URL('./info-worker.js', import.meta.url), { type: 'module' });
  const inWorker = await new Promise((resolve) => { infoWorker.onmessage = (e) => resolve(e.data); });
  infoWorker.terminate();
  const shared = new SharedWorker(new URL('./shared-info-worker.js', import.meta.url), { type: 'module' });
  const inShared = await new Promise((resolve) => { shared.port.onmessage = (e) => resolve(e.data); shared.port.start(); });

  const worker = new Worker(new URL('./synth-worker.js', import.meta.url), { type: 'module' });
  const synth = wrap(worker);
  const summary = await synth.prepare({ backend: 'wasm', input: 'default', dims: 2, phantomShape: [1, 40, 36], steps: 4 });
  let steps = 0;
  await synth.runStage('spatial', proxy((p) => { steps = p.step; }));
  await synth.dispose();
  worker.terminate();
  return { page: { runtime: page.runtime, context: page.context, threads: page.backend?.threads, sharedMemory: page.sharedMemory }, worker: inWorker, sharedWorker: inShared, conv, synth: { shape: summary.shape, steps } };
}

window.__report = run().catch((e) => ({ error: String(e && e.stack || e) }));
window.__report.then((r) => { document.getElementById('out').textContent = JSON.stringify(r, null, 2); });
