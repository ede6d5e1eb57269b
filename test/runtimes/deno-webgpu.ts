// Run by test/webgpu-runtimes.test.ts under Deno (its own navigator.gpu): the parity subset of
// test/browser/parity-checks.ts (conv, warp, resampling, random draws, a training step), each on
// wasm and webgpu in this process. Prints one JSON line: { runtime, version, adapter, checks }.
import { runParity } from '../browser/parity-checks.ts';

const report = await runParity();
console.log(JSON.stringify({ runtime: 'deno', version: Deno.version.deno, ...report }));
