// The thread count from outside: `--threads N` on every command (taken out of argv and passed on as
// BLENDWARP_THREADS) and BLENDWARP_THREADS for the library; bad values are errors naming their source.
// And info(): the runtime and its context.
import { afterEach, expect, it } from 'vitest';
import { takeThreads } from '../src/cli/main.js';
import { WasmBackend } from '../src/backend/wasm/backend.js';
import { info } from '../src/index.js';

const saved = process.env.BLENDWARP_THREADS;
afterEach(() => {
  if (saved === undefined) delete process.env.BLENDWARP_THREADS;
  else process.env.BLENDWARP_THREADS = saved;
});

it('--threads N / --threads=N is taken out of any command line and becomes BLENDWARP_THREADS', () => {
  delete process.env.BLENDWARP_THREADS;
  expect(takeThreads(['synth', 'run', '--threads', '3', '--quick'])).toEqual(['synth', 'run', '--quick']);
  expect(process.env.BLENDWARP_THREADS).toBe('3');
  expect(takeThreads(['info', '--threads=1', '--json'])).toEqual(['info', '--json']);
  expect(process.env.BLENDWARP_THREADS).toBe('1');
  expect(takeThreads(['gblend', '--out', 'x'])).toEqual(['gblend', '--out', 'x']);
  expect(() => takeThreads(['run', '--threads', '0'])).toThrow('--threads: expected an integer >= 1 (threads for the wasm kernels), got "0"');
  expect(() => takeThreads(['run', '--threads'])).toThrow('--threads: expected a value');
  process.env.BLENDWARP_THREADS = 'many';
  expect(() => takeThreads(['info'])).toThrow('BLENDWARP_THREADS: expected an integer >= 1 (threads for the wasm kernels), got "many"');
});

it('BLENDWARP_THREADS sets the wasm backend\'s threads unless the caller passes a count; a bad value is refused', async () => {
  process.env.BLENDWARP_THREADS = '2';
  const two = await WasmBackend.create();
  const one = await WasmBackend.create({ threads: 1 });
  try {
    expect(two.info().threads).toBe(2);
    expect(one.info().threads).toBe(1);
  } finally { two.dispose(); one.dispose(); }
  process.env.BLENDWARP_THREADS = '1.5';
  await expect(WasmBackend.create()).rejects.toThrow('BLENDWARP_THREADS: expected an integer >= 1 (threads for the wasm kernels), got "1.5"');
});

it('info() names the runtime and the context', async () => {
  delete process.env.BLENDWARP_THREADS;
  const r = await info();
  expect(r.runtime).toBe('node');
  expect(r.context).toBe('main');
  expect(r.workers).toBe(true);
  expect(r.cores).toBeGreaterThanOrEqual(1);
});
