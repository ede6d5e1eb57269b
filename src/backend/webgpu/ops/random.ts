// Random op family: randomUniform, randomNormal, dropoutMask from PCG32 streams identical to the wasm
// kernels' (shaders/random.wgsl: a jump table lets each thread start its stream at its own index).
import type { Storage } from '../../backend.js';
import { fb, USAGE_STORAGE, type Bind, type GpuRuntime } from '../runtime.js';

export const PROGRAMS = ['random'];

/** Seeded PCG32 state and jump table (see shaders/random.wgsl) in a fresh buffer. */
function pcgTable(rt: GpuRuntime, seed: number, stream: number): GPUBuffer {
  const M = (1n << 64n) - 1n;
  const MULT = 6364136223846793005n;
  const inc = ((BigInt(stream >>> 0) << 1n) | 1n) & M;
  let state = 0n;
  const step = () => { state = (state * MULT + inc) & M; };
  step();
  state = (state + BigInt(seed >>> 0)) & M;
  step();
  const words = new Uint32Array(4 + 4 * 32);
  const put = (at: number, v: bigint) => { words[at] = Number(v & 0xffffffffn); words[at + 1] = Number(v >> 32n); };
  put(0, state);
  put(2, inc);
  let cm = MULT, cp = inc;
  for (let k = 0; k < 32; k++) {
    put(4 + 4 * k, cm);
    put(6 + 4 * k, cp);
    cp = ((cm + 1n) * cp) & M;
    cm = (cm * cm) & M;
  }
  const buf = rt.device.createBuffer({ size: words.byteLength, usage: USAGE_STORAGE, mappedAtCreation: true });
  new Uint32Array(buf.getMappedRange()).set(words);
  buf.unmap();
  return buf;
}

function random(rt: GpuRuntime, op: number, out: Storage, n: number, seed: number, stream: number, p0: number, p1: number): void {
  const table = pcgTable(rt, seed, stream);
  const tb: Bind = { buffer: table, offset: 0, size: table.size };
  for (let t0 = 0; t0 < n; t0 += rt.chunk) {
    const cnt = Math.min(rt.chunk, n - t0);
    rt.threads('random', { OP: op }, { t0, n: cnt, p0, p1 }, [rt.win(out, t0, cnt), tb], op === 1 ? Math.ceil(cnt / 2) : cnt);
  }
  rt.retire(table);
}

export function randomUniform(rt: GpuRuntime, out: Storage, n: number, seed: number, stream: number, lo: number, hi: number): void { random(rt, 0, out, n, seed, stream, lo, hi); }

export function randomNormal(rt: GpuRuntime, out: Storage, n: number, seed: number, stream: number, mean: number, std: number): void { random(rt, 1, out, n, seed, stream, mean, std); }

export function dropoutMask(rt: GpuRuntime, out: Storage, n: number, keep: number, seed: number, stream: number): void { random(rt, 2, out, n, seed, stream, keep, 0); }
