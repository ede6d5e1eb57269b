// WebGPU-specific checks (the shared parity suites run on webgpu with BLENDWARP_TEST_BACKENDS=wasm,webgpu):
// every shader compiles, the embedded sources are current, the PCG32 streams match the wasm ones,
// the chunked launches (tensors beyond the binding limit) give the same results as single launches,
// one real tensor above lavapipe's 128 MiB limit, and backend choice ('auto', errors, info).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import type { Backend, ConvGeometry, Storage } from '../src/backend/backend.js';
import { createBackend } from '../src/backend/create.js';
import { WasmBackend } from '../src/backend/wasm/backend.js';
import { WEBGPU_PROGRAMS, WebGPUBackend } from '../src/backend/webgpu/backend.js';
import { programSource } from '../src/backend/webgpu/runtime.js';
import { packParams, paramLayout } from '../src/backend/webgpu/uniforms.js';
import { findAdapter, requireAdapter } from '../src/backend/webgpu/device.js';
import { SHADER_KERNELS } from '../src/backend/webgpu/shader-sources.js';
import { expectClose, hostRng, randData } from './harness.js';

const root = join(import.meta.dirname, '..');
const found = await findAdapter().catch(() => null);
if (!found && process.env.CI === 'true') {
  throw new Error('CI=true but no WebGPU adapter is available: run `bash scripts/setup-webgpu.sh` (lavapipe) before the tests');
}
if (!found) console.warn('skipping the WebGPU tests: no adapter (run `sudo bash scripts/setup-webgpu.sh`)');

it('the embedded shader sources are current (node shaders/embed.mjs)', async () => {
  const { render } = await import(join(root, 'shaders', 'embed.mjs'));
  expect(readFileSync(join(root, 'src/backend/webgpu/shader-sources.ts'), 'utf8')).toBe(render());
});

it('asking for webgpu without an adapter says how to get one', async () => {
  const nav = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: { requestAdapter: async () => null } }, configurable: true });
  try {
    await expect(requireAdapter()).rejects.toThrow(/no WebGPU adapter .*scripts\/setup-webgpu\.sh/);
  } finally {
    if (nav) Object.defineProperty(globalThis, 'navigator', nav);
    else delete (globalThis as { navigator?: unknown }).navigator;
  }
});

type Data = Float32Array | Int32Array;

describe.skipIf(!found)('webgpu backend', () => {
  let gpu: WebGPUBackend;
  /** The same adapter planned with a 64 KiB binding limit: the launches below are split into chunks. */
  let small: WebGPUBackend;
  /**
   * Both GEMM cores on this adapter whatever it is (the adapter picks one by default: ops/gemm.ts),
   * plain and with the 64 KiB binding limit: conv and matmul are checked on each.
   */
  const cores: Record<'tiled' | 'direct', { gpu: WebGPUBackend; small: WebGPUBackend }> = {} as never;
  let wasm: WasmBackend;
  beforeAll(async () => {
    gpu = await WebGPUBackend.create();
    small = await WebGPUBackend.create({ maxBindingBytes: 64 * 1024 });
    for (const core of ['tiled', 'direct'] as const) {
      cores[core] = { gpu: await WebGPUBackend.create({ gemmCore: core }), small: await WebGPUBackend.create({ gemmCore: core, maxBindingBytes: 64 * 1024 }) };
    }
    wasm = await WasmBackend.create();
  });
  afterAll(() => {
    gpu?.dispose(); small?.dispose(); wasm?.dispose();
    for (const c of Object.values(cores)) { c.gpu.dispose(); c.small.dispose(); }
  });

  function put(b: Backend, data: Data): Storage {
    const s = b.alloc(Math.max(4, 4 * data.length));
    b.write(s, data);
    return s;
  }
  async function get(b: Backend, s: Storage, n: number, dtype: 'f32' | 'i32' = 'f32'): Promise<Data> {
    const out = await b.read(s, dtype, n);
    b.free(s);
    return out;
  }
  const f32 = (n: number, seed: number, lo = -1, hi = 1) => Float32Array.from(randData([n], seed, lo, hi));

  it('every program each op module launches compiles, and every kernel file belongs to one', async () => {
    const errors: string[] = [];
    const used = new Set<string>();
    for (const [family, programs] of Object.entries(WEBGPU_PROGRAMS)) {
      for (const program of programs) {
        for (const part of program.split('+')) used.add(part);
        const code = programSource(program);
        const m = gpu.device.createShaderModule({ code });
        for (const msg of (await m.getCompilationInfo()).messages) {
          if (msg.type === 'error') errors.push(`${family}: ${program}: line ${msg.lineNum} (${code.split('\n')[msg.lineNum - 1]?.trim()}): ${msg.message}`);
        }
      }
    }
    expect(errors).toEqual([]);
    expect(Object.keys(SHADER_KERNELS).filter((k) => !used.has(k))).toEqual([]);
  });

  it('named parameters: a missing or unknown field is an error naming the kernel and the field', () => {
    const fields = paramLayout('test', 'struct Params { t0: u32, scale: f32, off: i32 }')!;
    expect(fields.map((f) => f.name)).toEqual(['t0', 'scale', 'off']);
    const out = new Uint32Array(4);
    packParams('test', fields, { t0: 7, scale: 0.5, off: -2 }, out, 1);
    expect([out[1], new Float32Array(out.buffer)[2], new Int32Array(out.buffer)[3]]).toEqual([7, 0.5, -2]);
    expect(() => packParams('test', fields, { t0: 1, scale: 1 }, out, 0)).toThrow(/"test": parameter "off" is missing/);
    expect(() => packParams('test', fields, { t0: 1, scale: 1, off: 0, extra: 1 }, out, 0)).toThrow(/unknown parameter "extra"/);
    // array<vec4<T>, K> fields (rank-6 shapes) start at a 16-byte boundary, as WGSL's uniform layout puts them
    const vf = paramLayout('test-vec', 'struct Params { t0: u32, n: u32, add: u32, shape: array<vec4<u32>, 2>, s: f32 }')!;
    expect(vf.map((f) => [f.name, f.offset])).toEqual([['t0', 0], ['n', 1], ['add', 2], ['shape', 4], ['s', 12]]);
    const w = new Uint32Array(16);
    packParams('test-vec', vf, { t0: 1, n: 2, add: 3, shape: [4, 5, 6, 7, 8, 9], s: 1 }, w, 0);
    expect(Array.from(w.subarray(0, 12))).toEqual([1, 2, 3, 0, 4, 5, 6, 7, 8, 9, 0, 0]);
    expect(() => packParams('test-vec', vf, { t0: 1, n: 2, add: 3, shape: [1, 2, 3, 4, 5, 6, 7, 8, 9], s: 1 }, w, 0)).toThrow(/"shape" has 9 values \(at most 8\)/);
    expect(() => packParams('test-vec', vf, { t0: 1, n: 2, add: 3, shape: 4, s: 1 }, w, 0)).toThrow(/"shape" is an array/);
  });

  it('info reports the adapter, the limits used and the features; nothing optional is required', () => {
    const info = gpu.info() as { adapter: { vendor: string; isFallbackAdapter: boolean }; limits: Record<string, number>; features: string[]; featuresUsed: string[] };
    expect(info.adapter).toHaveProperty('architecture');
    expect(info.adapter).toHaveProperty('description');
    expect(typeof info.adapter.isFallbackAdapter).toBe('boolean');
    expect(info.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(Array.isArray(info.features)).toBe(true);
    expect(info.featuresUsed).toEqual([]);
  });

  it('blendwarp info lists the webgpu backend with its adapter and what auto picks', async () => {
    const { collectInfo, formatInfo } = await import('../src/cli/info.js');
    const report = await collectInfo();
    const web = report.backends.find((b) => b.name === 'webgpu') as { adapter: { description: string; architecture: string; isFallbackAdapter: boolean; software: boolean }; limits: object; features: string[] } | undefined;
    expect(web, JSON.stringify(report.unavailable)).toBeDefined();
    expect(web!.adapter.description.length).toBeGreaterThan(0);
    expect(web!.limits).toHaveProperty('maxStorageBufferBindingSize');
    expect(report.auto.name).toBe(web!.adapter.software ? 'wasm' : 'webgpu');
    expect(formatInfo(report)).toMatch(/webgpu\n\s+runtime: .*\n\s+adapter: /);
  });

  it('a kernel the device rejects makes the next read fail instead of returning stale data', async () => {
    const b = await WebGPUBackend.create();
    const s = b.alloc(16);
    // a launch without its storage binding: a validation error on the device
    (b as unknown as { launch(k: string, c: object, p: object, binds: unknown[], g: number): void }).launch('fill', {}, { t0: 0, n: 4, bits: 0 }, [], 1);
    await expect(b.read(s, 'f32', 4)).rejects.toThrow(/webgpu backend: a kernel failed on the device/);
    b.dispose();
  });

  it("'auto' picks WebGPU only on a hardware adapter (a CPU adapter is slower than wasm)", async () => {
    const b = await createBackend('auto');
    const software = (gpu.info() as { adapter: { software: boolean } }).adapter.software;
    expect(b.name).toBe(software ? 'wasm' : 'webgpu');
    b.dispose();
  });

  it('PCG32 streams: uniform draws and dropout masks equal the wasm ones bit for bit, normals to f32 accuracy', async () => {
    for (const b of [gpu, small]) {
      const n = 40_001;
      for (const [seed, stream] of [[7, 0], [123456789, 5], [0xffffffff, 77]] as const) {
        const [a, w] = [b, wasm].map((be) => { const s = be.alloc(4 * n); be.randomUniform(s, n, seed, stream, -2, 3); return s; });
        expect(Array.from(await get(b, a!, n))).toEqual(Array.from(await get(wasm, w!, n)));
        const [ma, mw] = [b, wasm].map((be) => { const s = be.alloc(4 * n); be.dropoutMask(s, n, 0.7, seed, stream); return s; });
        expect(Array.from(await get(b, ma!, n))).toEqual(Array.from(await get(wasm, mw!, n)));
        const [na, nw] = [b, wasm].map((be) => { const s = be.alloc(4 * n); be.randomNormal(s, n, seed, stream, 1, 2); return s; });
        expectClose(await get(b, na!, n), await get(wasm, nw!, n), 2e-6, 2e-6, `normal ${seed}/${stream}`);
      }
    }
  });

  /** Runs `run` on the chunking backend and on wasm with the same inputs; compares the outputs. */
  const sameOn = (...a: Parameters<typeof same>): Promise<void> => same(...a);
  async function same(inputs: Data[], outs: [number, 'f32' | 'i32'][], run: (b: Backend, ins: Storage[], outs: Storage[]) => void, atol = 1e-5, rtol = 1e-5, what = 'values', on: Backend = small) {
    const results: Data[][] = [];
    for (const b of [on, wasm]) {
      const ins = inputs.map((d) => put(b, d));
      const os = outs.map(([n, dt]) => { const s = b.alloc(Math.max(4, 4 * n)); b.fill(s, n, 0, dt); return s; });
      run(b, ins, os);
      const got: Data[] = [];
      for (const [i, s] of os.entries()) got.push(await get(b, s, outs[i]![0], outs[i]![1]));
      for (const s of ins) b.free(s);
      results.push(got);
    }
    results[0]!.forEach((g, i) => expectClose(g, results[1]![i]!, atol, rtol, `${what} #${i}`));
  }

  it.each(['tiled', 'direct'] as const)('the GEMM core (%s): conv3d and its gradients match wasm at tile edges, odd sizes, channels not multiple of 4, 2D and 3D', async (core) => {
    const gpu = cores[core].gpu;
    // [n, d, h, w, cin, cout, k, stride]: tiles of 256/128/64 rows and 16/32/64 columns, partial tiles,
    // scalar (cin 3, cout 5) and vec4 (8, 12) paths, N above one tile (70), 2D (d = 1)
    const cases = [[1, 1, 17, 19, 3, 5, 3, 1], [2, 3, 9, 11, 8, 12, 3, 1], [1, 4, 10, 7, 4, 33, 3, 2], [1, 1, 13, 9, 5, 70, 3, 1], [1, 3, 5, 6, 12, 1, 1, 1]];
    for (const [n, d, h, w, cin, cout, k, s] of cases as [number, number, number, number, number, number, number, number][]) {
      const kd = d > 1 ? k : 1, pad = (k - 1) >> 1, pd = d > 1 ? pad : 0;
      const od = Math.floor((d + 2 * pd - kd) / s) + 1, oh = Math.floor((h + 2 * pad - k) / s) + 1, ow = Math.floor((w + 2 * pad - k) / s) + 1;
      const g: ConvGeometry = { n, d, h, w, cin, kd, kh: k, kw: k, cout, sd: s, sh: s, sw: s, pd, ph: pad, pw: pad, od, oh, ow };
      const x = f32(n * d * h * w * cin, 50 + cin), wt = f32(kd * k * k * cin * cout, 51 + cout), bias = f32(cout, 52), dy = f32(n * od * oh * ow * cout, 53);
      const what = `conv ${[n, d, h, w, cin, cout, k, s].join(',')}`;
      await same([x, wt, bias], [[dy.length, 'f32']], (b, [xx, ww, bb], [y]) => b.conv3d(xx!, ww!, bb!, y!, g), 1e-4, 1e-4, what, gpu);
      await same([dy, wt], [[x.length, 'f32']], (b, [gg, ww], [dx]) => b.conv3dBackwardInput(gg!, ww!, dx!, g), 1e-4, 1e-4, `${what} dx`, gpu);
      await same([x, dy], [[wt.length, 'f32']], (b, [xx, gg], [dw]) => b.conv3dBackwardWeight(xx!, gg!, dw!, g), 1e-3, 1e-4, `${what} dw`, gpu);
    }
  });

  it.each(['tiled', 'direct'] as const)('the GEMM core (%s): matmul with vec4 and scalar operands, partial tiles and batches matches wasm', async (core) => {
    const gpu = cores[core].gpu;
    for (const [batch, m, k, n] of [[1, 70, 9, 130], [2, 64, 64, 64], [1, 300, 12, 8], [3, 5, 21, 3]]) {
      for (const [ta, tb] of [[false, false], [true, true]]) {
        const a = f32(batch * m * k, 60 + m), bb = f32(batch * k * n, 61 + n);
        await same([a, bb], [[batch * m * n, 'f32']], (be, [sa, sb], [so]) => be.matmul(sa!, sb!, so!, batch, m, k, n, ta!, tb!, m * k, k * n),
          1e-5, 1e-4, `matmul ${batch}x${m}x${k}x${n} ${ta} ${tb}`, gpu);
      }
    }
  });

  it('boxSum by running sums: windows wider than the line, long lines, both chunked and whole, match wasm', async () => {
    for (const [shape, r] of [[[1, 6, 7, 90, 2], [2, 20, 40]], [[2, 3, 5, 9, 1], [5, 9, 30]]] as [number[], number[]][]) {
      const [n, d, h, w, c] = shape as [number, number, number, number, number];
      // values around 1000: a plain f32 running sum would drift over the line
      const x = f32(n * d * h * w * c, 70, 990, 1010);
      for (const on of [gpu as Backend, small]) {
        await same([x], [[x.length, 'f32']], (b, [xx], [y]) => b.boxSum(xx!, y!, n, d, h, w, c, r[0]!, r[1]!, r[2]!), 0, 2e-6, `boxSum ${shape} r ${r}`, on);
      }
    }
  });

  it('dotAcc sums with compensation: cancelling large products leave the small ones exact', async () => {
    const n = 50_000, big = 2 ** 26;
    const a = new Float32Array(n), b = new Float32Array(n).fill(1);
    const rnd = hostRng(80);
    let ref = 0;
    for (let i = 0; i < n; i += 2) {
      a[i] = (rnd() < 0.5 ? -1 : 1) * big; // cancelled by the next big value of opposite sign
      a[i + 1] = Math.fround(rnd());
    }
    // pair up the big values so they cancel: a[4j] = -a[4j + 2]
    for (let i = 0; i + 2 < n; i += 4) a[i + 2] = -a[i]!;
    if ((n / 2) % 2 === 1) a[n - 2] = 0;
    for (let i = 0; i < n; i++) ref += a[i]!;
    for (const on of [gpu as Backend, small]) {
      const sa = put(on, a), sb = put(on, b), out = on.alloc(8);
      on.fill(out, 2, 0, 'f32');
      on.dotAcc(sa, sb, n, out, 1);
      const got = await get(on, out, 2);
      expect(Math.abs(got[1]! - ref)).toBeLessThan(1e-6 * Math.abs(ref));
      on.free(sa); on.free(sb);
    }
  });

  it('warp image gradient as a fixed-point scatter: deterministic, all samples on one voxel, dx skipped when null', async () => {
    const [n, d, h, w, c] = [1, 4, 6, 5, 3];
    const x = f32(n * d * h * w * c, 90), dy = f32(n * d * h * w * c, 91);
    // every voxel samples near the same point (the largest fan-in a target can get)
    const flow = new Float32Array(n * d * h * w * 3);
    for (let v = 0; v < d * h * w; v++) {
      const xx = v % w, yy = Math.floor(v / w) % h, z = Math.floor(v / (w * h));
      flow[3 * v] = 1.25 - z; flow[3 * v + 1] = 2.5 - yy; flow[3 * v + 2] = 3.75 - xx;
    }
    await same([x, flow, dy], [[x.length, 'f32'], [flow.length, 'f32']],
      (b, [xx, ff, gg], [dx, df]) => b.warpBackward(xx!, ff!, gg!, dx!, df!, n, d, h, w, c), 1e-5, 1e-5, 'fan-in', gpu);
    // bit-identical on repeated runs (integer accumulation does not depend on thread order)
    const runs: Data[] = [];
    for (let i = 0; i < 2; i++) {
      const sx = put(gpu, x), sf = put(gpu, f32(flow.length, 92, -6, 6)), sg = put(gpu, dy), dx = gpu.alloc(4 * x.length), df = gpu.alloc(4 * flow.length);
      gpu.warpBackward(sx, sf, sg, dx, df, n, d, h, w, c);
      runs.push(await get(gpu, dx, x.length));
      for (const s of [sx, sf, sg, df]) gpu.free(s);
    }
    expect(Array.from(runs[0]!)).toEqual(Array.from(runs[1]!));
    // no image gradient asked for: the field's gradient is unchanged on both backends
    for (const be of [gpu as Backend, wasm]) {
      const sx = put(be, x), sf = put(be, flow), sg = put(be, dy), dx = be.alloc(4 * x.length), d1 = be.alloc(4 * flow.length), d2 = be.alloc(4 * flow.length);
      be.warpBackward(sx, sf, sg, dx, d1, n, d, h, w, c);
      be.warpBackward(sx, sf, sg, null, d2, n, d, h, w, c);
      expect(Array.from(await get(be, d2, flow.length))).toEqual(Array.from(await get(be, d1, flow.length)));
      for (const s of [sx, sf, sg, dx]) be.free(s);
    }
    // a non-finite dy makes the whole image gradient NaN (documented), the field's gradient still computed
    const bad = Float32Array.from(dy); bad[7] = Infinity;
    const sx = put(gpu, x), sf = put(gpu, flow), sg = put(gpu, bad), dx = gpu.alloc(4 * x.length), df = gpu.alloc(4 * flow.length);
    gpu.warpBackward(sx, sf, sg, dx, df, n, d, h, w, c);
    expect((await get(gpu, dx, x.length)).every((v) => Number.isNaN(v))).toBe(true);
    for (const s of [sx, sf, sg, df]) gpu.free(s);
  });

  it('chunked elementwise launches (fill, copy, casts, unary, unaryGrad, select, optimizers) match wasm', async () => {
    const n = 50_000; // 64 KiB windows hold 15360 elements: 4 chunks
    const x = f32(n, 1, 0.1, 2), y = f32(n, 2), g = f32(n, 3);
    await same([x], [[n, 'f32']], (b, [a], [o]) => b.unary('sqrt', a!, o!, n, 0, 0));
    await same([x, y, g], [[n, 'f32']], (b, [a, yy, gg], [o]) => b.unaryGrad('log', a!, yy!, gg!, o!, n, 0, 0));
    const cond = Float32Array.from(y, (v) => (v > 0 ? v : 0));
    await same([cond, x, g], [[n, 'f32']], (b, [c, a, bb], [o]) => b.select(c!, a!, bb!, o!, n));
    await same([x], [[n, 'f32']], (b, [a], [o]) => { b.fill(o!, n, 0.5, 'f32'); b.copy(a!, 3, o!, 17, n - 20); });
    await same([x], [[n, 'i32'], [n, 'f32']], (b, [a], [i, o]) => { b.castF32ToI32(a!, i!, n); b.castI32ToF32(i!, o!, n); });
    await same([x, g, y, x], [[n, 'f32']], (b, [p, gg, m, v], [o]) => {
      b.adamUpdate(p!, gg!, m!, v!, n, 0.01, 0.9, 0.999, 1e-8, 0.01, 0.001);
      b.sgdUpdate(p!, gg!, m!, n, 0.1, 0.9, 0.01, true);
      b.adagradUpdate(p!, gg!, v!, n, 0.1, 1e-10, 0.01);
      b.copy(p!, 0, o!, 0, n);
    }, 1e-5, 1e-4, 'optimizers');
  });

  it('the one-thread-per-output matmul (tiledMatmul: false) matches wasm for every transpose and awkward sizes', async () => {
    const tiled = await WebGPUBackend.create({ tiledMatmul: false });
    try {
      for (const [batch, m, k, n] of [[1, 1, 1, 1], [2, 17, 33, 15], [3, 40, 7, 50], [1, 64, 64, 64]]) {
        for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
          const a = f32(batch * m * k, 30 + m), bb = f32(batch * k * n, 40 + n);
          const outs: Data[] = [];
          for (const be of [tiled as Backend, wasm]) {
            const sa = put(be, a), sb = put(be, bb), so = be.alloc(4 * batch * m * n);
            be.matmul(sa, sb, so, batch, m, k, n, ta, tb, m * k, k * n);
            outs.push(await get(be, so, batch * m * n));
            be.free(sa); be.free(sb);
          }
          expectClose(outs[0]!, outs[1]!, 1e-5, 1e-4, `matmul ${batch}x${m}x${k}x${n} ${ta} ${tb}`);
        }
      }
    } finally {
      tiled.dispose();
    }
  });

  it('chunked binary launches with broadcasting match wasm', async () => {
    const shape = [3, 7, 1000, 4];
    const n = 3 * 7 * 1000 * 4;
    const a = f32(n, 4), bias = f32(4, 5), row = f32(7 * 1000, 6);
    await same([a, bias], [[n, 'f32']], (b, [x, c], [o]) => b.binary('add', x!, [28000, 4000, 4, 1], c!, [0, 0, 0, 1], o!, shape));
    await same([row, a], [[n, 'f32']], (b, [r, x], [o]) => b.binary('sub', r!, [0, 1000, 1, 0], x!, [28000, 4000, 4, 1], o!, shape));
  });

  it('chunked reductions (long rows, slabs above the window, inner axes) and dotAcc match wasm', async () => {
    const x = f32(3 * 30_000, 7);
    for (const op of ['sum', 'max', 'min'] as const) {
      await same([x], [[3, 'f32']], (b, [a], [o]) => b.reduce(op, a!, o!, 3, 30_000, 1), 2e-4, 1e-5, `${op} rows`);
      await same([x], [[3 * 5, 'f32']], (b, [a], [o]) => b.reduce(op, a!, o!, 3, 6000, 5), 2e-4, 1e-5, `${op} inner 5`);
      await same([x], [[30_000, 'f32']], (b, [a], [o]) => b.reduce(op, a!, o!, 1, 3, 30_000), 1e-5, 1e-5, `${op} outer`);
    }
    const y = f32(3 * 30_000, 8);
    await same([x, y], [[2, 'f32']], (b, [a, c], [o]) => { b.dotAcc(a!, c!, 90_000, o!, 1); b.dotAcc(a!, a!, 90_000, o!, 1); }, 1e-3, 1e-5, 'dotAcc');
  });

  it.each(['tiled', 'direct'] as const)('conv3d split along D (halo planes, stride 2, batches) matches wasm (%s core)', async (core) => {
    const same = (ins: Data[], outs: [number, 'f32' | 'i32'][], run: (b: Backend, i: Storage[], o: Storage[]) => void, atol: number, rtol: number, what: string) =>
      sameOn(ins, outs, run, atol, rtol, what, cores[core].small);
    for (const [sd, pd, kd] of [[1, 1, 3], [2, 0, 3], [1, 2, 5]]) {
      const [n, d, h, w, cin, cout] = [2, 9, 17, 19, 3, 4];
      const od = Math.floor((d + 2 * pd - kd) / sd) + 1;
      const g: ConvGeometry = { n, d, h, w, cin, kd, kh: 3, kw: 3, cout, sd, sh: 1, sw: 1, pd, ph: 1, pw: 1, od, oh: h, ow: w };
      const x = f32(n * d * h * w * cin, 9), wt = f32(kd * 9 * cin * cout, 10), bias = f32(cout, 11);
      await same([x, wt, bias], [[n * od * h * w * cout, 'f32']], (b, [xx, ww, bb], [y]) => b.conv3d(xx!, ww!, bb!, y!, g), 1e-4, 1e-4, `conv sd ${sd}`);
    }
  });

  it.each(['tiled', 'direct'] as const)('conv3d gradients (input split along D, weight accumulated over chunks) match wasm (%s core)', async (core) => {
    const same = (ins: Data[], outs: [number, 'f32' | 'i32'][], run: (b: Backend, i: Storage[], o: Storage[]) => void, atol: number, rtol: number, what: string) =>
      sameOn(ins, outs, run, atol, rtol, what, cores[core].small);
    for (const [sd, pd, kd] of [[1, 1, 3], [2, 1, 3]]) {
      const [n, d, h, w, cin, cout] = [2, 10, 15, 17, 4, 5]; // x 20400 elements: above the 15360-element windows
      const od = Math.floor((d + 2 * pd - kd) / sd) + 1, oh = Math.floor((h + 2 - 3) / sd) + 1, ow = Math.floor((w + 2 - 3) / sd) + 1;
      const g: ConvGeometry = { n, d, h, w, cin, kd, kh: 3, kw: 3, cout, sd, sh: sd, sw: sd, pd, ph: 1, pw: 1, od, oh, ow };
      const x = f32(n * d * h * w * cin, 17), wt = f32(kd * 9 * cin * cout, 18), dy = f32(n * od * oh * ow * cout, 19);
      await same([dy, wt], [[x.length, 'f32']], (b, [gg, ww], [dx]) => b.conv3dBackwardInput(gg!, ww!, dx!, g), 1e-4, 1e-4, `conv dx sd ${sd}`);
      await same([x, dy], [[wt.length, 'f32']], (b, [xx, gg], [dw]) => b.conv3dBackwardWeight(xx!, gg!, dw!, g), 2e-3, 1e-4, `conv dw sd ${sd}`);
    }
  });

  it('pooling, upsampling and their adjoints in D slabs match wasm', async () => {
    for (const shape of [[2, 20, 8, 9, 6], [1, 43, 6, 7, 9]]) { // x above the 15360-element windows
      const [n, d, h, w, c] = shape as [number, number, number, number, number];
      const [fd, fh, fw] = [d > 1 ? 2 : 1, 2, 2];
      const pg = { n, d, h, w, c, fd, fh, fw, od: Math.floor(d / fd), oh: Math.floor(h / fh), ow: Math.floor(w / fw) };
      const ug = { n, d, h, w, c, fd, fh, fw, od: d * fd, oh: h * fh, ow: w * fw };
      const x = f32(n * d * h * w * c, 23), dyP = f32(n * pg.od * pg.oh * pg.ow * c, 24), dyU = f32(n * ug.od * ug.oh * ug.ow * c, 25);
      for (const op of ['max', 'avg'] as const) {
        await same([x], [[dyP.length, 'f32']], (b, [xx], [y]) => b.pool(op, xx!, y!, pg), 1e-6, 1e-6, `${op} pool ${shape}`);
        await same([x, dyP], [[x.length, 'f32']], (b, [xx, gg], [dx]) => b.poolBackward(op, xx!, gg!, dx!, pg), 1e-6, 1e-6, `${op} pool backward ${shape}`);
      }
      for (const mode of ['nearest', 'linear'] as const) {
        await same([x], [[dyU.length, 'f32']], (b, [xx], [y]) => b.upsample(mode, xx!, y!, ug), 1e-6, 1e-6, `${mode} upsample ${shape}`);
        await same([dyU], [[x.length, 'f32']], (b, [gg], [dx]) => b.upsampleBackward(mode, gg!, dx!, ug), 1e-5, 1e-5, `${mode} upsample backward ${shape}`);
      }
      await same([x], [[x.length, 'f32']], (b, [xx], [y]) => b.boxSum(xx!, y!, n, d, h, w, c, 1, 2, 3), 1e-5, 1e-5, `boxSum ${shape}`);
    }
  });

  it('slice, paste and warpNearest on tensors above the window match wasm', async () => {
    const shape = [2, 5, 40, 41, 3];
    const n = 2 * 5 * 40 * 41 * 3;
    const x = f32(n, 26);
    await same([x], [[2 * 3 * 30 * 41 * 2, 'f32']], (b, [xx], [o]) => b.slice(xx!, shape, [0, 1, 5, 0, 1], o!, [2, 3, 30, 41, 2], 'f32'));
    const src = f32(2 * 3 * 30 * 41 * 2, 27);
    await same([src, x], [[n, 'f32']], (b, [ss, xx], [o]) => { b.copy(xx!, 0, o!, 0, n); b.paste(ss!, [2, 3, 30, 41, 2], o!, shape, [0, 2, 7, 0, 1], true, 'f32'); });
    const labels = Int32Array.from(randData([n], 28, 0, 9), Math.floor);
    const flow = f32(2 * 5 * 40 * 41 * 3, 29, -3, 3);
    await same([labels, flow], [[n, 'i32']], (b, [ll, ff], [o]) => b.warpNearest(ll!, ff!, o!, 2, 5, 40, 41, 3, 'i32', -1), 0, 0, 'warpNearest');
  });

  it('warp with the image bound as several windows and the output in chunks matches wasm', async () => {
    const [n, d, h, w, c] = [2, 6, 30, 31, 5]; // image 55800 elements: four 15360-element windows
    const x = f32(n * d * h * w * c, 12), flow = f32(n * d * h * w * 3, 13, -4, 4);
    await same([x, flow], [[n * d * h * w * c, 'f32']], (b, [xx, ff], [y]) => b.warp(xx!, ff!, y!, n, d, h, w, c), 1e-5, 1e-5, 'warp');
  });

  it('warpBackward in chunks, field and gradient bound as several windows, matches wasm', async () => {
    const [n, d, h, w, c] = [2, 6, 20, 22, 4]; // image 21120 elements, field 15840: two windows each
    const x = f32(n * d * h * w * c, 20), dy = f32(n * d * h * w * c, 21), flow = f32(n * d * h * w * 3, 22, -3, 3);
    await same([x, flow, dy], [[x.length, 'f32'], [flow.length, 'f32']],
      (b, [xx, ff, gg], [dx, df]) => b.warpBackward(xx!, ff!, gg!, dx!, df!, n, d, h, w, c), 1e-5, 1e-5, 'warpBackward chunked');
  });

  it('warpBackward (the scatter form of the image gradient) matches wasm with large displacements and NaNs', async () => {
    const [n, d, h, w, c] = [1, 5, 9, 8, 3];
    const x = f32(n * d * h * w * c, 14), dy = f32(n * d * h * w * c, 15);
    const flow = f32(n * d * h * w * 3, 16, -7, 7);
    flow[5] = NaN; flow[9] = Infinity;
    await same([x, flow, dy], [[x.length, 'f32'], [flow.length, 'f32']],
      (b, [xx, ff, gg], [dx, df]) => b.warpBackward(xx!, ff!, gg!, dx!, df!, n, d, h, w, c), 1e-5, 1e-5, 'warpBackward');
  });
});

// One tensor above lavapipe's 128 MiB maxStorageBufferBindingSize: [1, 33, 512, 512, 4] f32 is 138 MB
// (34.6M elements), the smallest such volume with 4 channels and 512^2 planes. Checked at sampled
// voxels against host references.
describe.skipIf(!found)('webgpu on a tensor above the binding limit', () => {
  let gpu: WebGPUBackend;
  beforeAll(async () => { gpu = await bw.setBackend('webgpu') as WebGPUBackend; });
  afterAll(async () => { await bw.setBackend('wasm'); });

  it('elementwise ops, a reduction, conv3d and warp on a 138 MB image', async () => {
    const shape = [1, 33, 512, 512, 4];
    const [, D, H, W, C] = shape as [number, number, number, number, number];
    const n = D * H * W * C;
    expect(4 * n).toBeGreaterThan((gpu.info() as { limits: { maxStorageBufferBindingSize: number } }).limits.maxStorageBufferBindingSize);
    const host = new Float32Array(n);
    const r = hostRng(1);
    for (let i = 0; i < n; i++) host[i] = Math.fround(r() * 2 - 1);
    const x = bw.tensor(host, shape);
    const rnd = hostRng(2);
    const samples = Array.from({ length: 400 }, () => Math.floor(rnd() * n)).concat([0, n - 1]);

    const bias = bw.tensor([0.5, -1, 2, 0], [4]);
    const y = bw.tidy(() => bw.mul(bw.add(bw.square(x), bias), bw.scalar(2)));
    let got = await y.data();
    for (const i of samples) expect(got[i]).toBeCloseTo(2 * (host[i]! * host[i]! + [0.5, -1, 2, 0][i % 4]!), 4);
    y.dispose();

    const s = bw.sum(x);
    let ref = 0;
    for (let i = 0; i < n; i++) ref += host[i]!;
    expect(Math.abs((await s.data())[0]! - ref)).toBeLessThan(0.5);
    s.dispose();

    const wt = randData([3, 3, 3, 4, 4], 3, -0.3, 0.3);
    const tw = bw.tensor(Float32Array.from(wt), [3, 3, 3, 4, 4]);
    const conv = bw.conv3d(x, tw);
    got = await conv.data();
    for (const i of samples.slice(0, 100)) {
      const co = i % 4, v = Math.floor(i / 4), ox = v % W, oy = Math.floor(v / W) % H, oz = Math.floor(v / (W * H));
      let acc = 0;
      for (let kz = 0; kz < 3; kz++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
        const iz = oz + kz - 1, iy = oy + ky - 1, ix = ox + kx - 1;
        if (iz < 0 || iz >= D || iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
        for (let ci = 0; ci < 4; ci++) acc += host[((iz * H + iy) * W + ix) * 4 + ci]! * wt[(((kz * 3 + ky) * 3 + kx) * 4 + ci) * 4 + co]!;
      }
      expect(Math.abs(got[i]! - acc)).toBeLessThan(1e-4);
    }
    conv.dispose();

    // A smooth field moving up to ~6 voxels, so samples cross the D chunks of the output.
    const voxels = D * H * W;
    const fhost = new Float32Array(3 * voxels);
    for (let v = 0; v < voxels; v++) {
      const xx = v % W, yy = Math.floor(v / W) % H, z = Math.floor(v / (W * H));
      fhost[3 * v] = Math.fround(6 * Math.sin(xx / 40 + yy / 70));
      fhost[3 * v + 1] = Math.fround(3 * Math.cos(z / 5 + xx / 50));
      fhost[3 * v + 2] = Math.fround(-2.5 + yy / 100);
    }
    const flow = bw.tensor(fhost, [1, D, H, W, 3]);
    const warped = bw.warp(x, flow);
    got = await warped.data();
    const at = (z: number, yy: number, xx: number, ch: number) =>
      (z < 0 || z >= D || yy < 0 || yy >= H || xx < 0 || xx >= W) ? 0 : host[((z * H + yy) * W + xx) * 4 + ch]!;
    for (const i of samples) {
      const ch = i % 4, v = Math.floor(i / 4), xx = v % W, yy = Math.floor(v / W) % H, z = Math.floor(v / (W * H));
      const pz = z + fhost[3 * v]!, py = yy + fhost[3 * v + 1]!, px = xx + fhost[3 * v + 2]!;
      const z0 = Math.floor(pz), y0 = Math.floor(py), x0 = Math.floor(px);
      let acc = 0;
      for (const [a, wz] of [[0, 1 - (pz - z0)], [1, pz - z0]] as const) for (const [q, wy] of [[0, 1 - (py - y0)], [1, py - y0]] as const)
        for (const [e, wx] of [[0, 1 - (px - x0)], [1, px - x0]] as const) acc += wz * wy * wx * at(z0 + a, y0 + q, x0 + e, ch);
      expect(Math.abs(got[i]! - acc)).toBeLessThan(1e-4);
    }
    for (const t of [x, bias, tw, flow, warped]) t.dispose();
    expect(bw.memory().liveBuffers).toBe(0);
  });
});
