// The same package runs in Node (here), in Deno (the `deno` dev dependency) and from a vite bundle,
// on each backend of backendsUnderTest() (webgpu: Deno's own navigator.gpu; the bundle in Node loads
// the optional `webgpu` package, Dawn, at run time).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { logSpectrogramImage } from '../src/gblend/features.js';
import { downsampleImage } from '../src/synth/preprocess.js';
import { backendsUnderTest, expectClose, useBackend } from './harness.js';

const root = join(import.meta.dirname, '..');

async function reference() {
  const x = bw.tensor(Float32Array.from({ length: 2 * 6 * 5 * 3 }, (_, i) => Math.sin(i)), [1, 2, 6, 5, 3]);
  const w = bw.tensor(Float32Array.from({ length: 27 * 3 * 4 }, (_, i) => Math.cos(i) * 0.1), [3, 3, 3, 3, 4]);
  const flow = bw.full([1, 2, 6, 5, 3], 0.3);
  const { value, grads } = bw.valueAndGrads(() => bw.sum(bw.square(bw.conv3d(x, w))), [w]);
  return {
    conv: Array.from((await bw.conv3d(x, w).data()).slice(0, 8)),
    warp: Array.from((await bw.warp(x, flow).data()).slice(0, 8)),
    loss: (await value.data())[0]!,
    grad: Array.from((await grads[0]!.data()).slice(0, 8)),
  };
}

describe.each(backendsUnderTest())('runtimes on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('Deno 2 imports the built package and computes the same numbers as Node', async () => {
    const deno = join(root, 'node_modules', '.bin', 'deno');
    expect(existsSync(deno), 'the deno dev dependency is installed (npm ci)').toBe(true);
    expect(existsSync(join(root, 'dist', 'src', 'index.js')), 'dist/ is built (npm run build)').toBe(true);
    const out = execFileSync(deno, ['run', '--allow-read', '--allow-env', '--no-prompt', 'test/runtimes/deno-smoke.ts', backend], {
      cwd: root, encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    });
    const got = JSON.parse(out.trim().split('\n').pop()!);
    expect(got.runtime).toBe('deno');
    expect(got.backend).toBe(backend);
    const ref = await reference();
    if (backend === 'wasm') {
      // The same wasm kernels: bit for bit.
      expect(got.conv).toEqual(ref.conv);
      expect(got.warp).toEqual(ref.warp);
      expect(got.loss).toBe(ref.loss);
      expect(got.grad).toEqual(ref.grad);
    } else {
      // The same WGSL compiled by wgpu (Deno) and Dawn (Node): equal to f32 rounding.
      expectClose(got.conv, ref.conv, 1e-6, 1e-5, 'conv');
      expectClose(got.warp, ref.warp, 1e-6, 1e-5, 'warp');
      expectClose([got.loss], [ref.loss], 1e-6, 1e-5, 'loss');
      expectClose(got.grad, ref.grad, 1e-6, 1e-5, 'grad');
    }
    // The io kernels give Node's numbers in Deno too.
    expect(got.logmel).toEqual(Array.from(logSpectrogramImage(Float32Array.from({ length: 3000 }, (_, i) => Math.sin(0.1 * i)), 8000, { nMels: 8, frames: 4 }).data.slice(0, 8)));
    expect(got.down).toEqual(Array.from(downsampleImage(Float32Array.from({ length: 4 * 6 * 5 }, (_, i) => Math.cos(i)), [4, 6, 5], 2).data));
    expect(got.nifti).toEqual(Array.from({ length: 12 }, (_, i) => i * 1000 - 5000));
  });

  it('a vite bundle of the package runs (no Node built-ins, wasm embedded)', async () => {
    const { build } = await import('vite');
    // Inside the project, so that the bundle's run-time import of the optional `webgpu` package resolves.
    mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
    const outDir = mkdtempSync(join(root, 'node_modules', '.cache', 'blendwarp-bundle-'));
    try {
      await build({
        root, logLevel: 'silent', configFile: false,
        build: {
          outDir, emptyOutDir: true, minify: true,
          lib: { entry: join(root, 'test/runtimes/bundle-entry.ts'), formats: ['es'], fileName: 'blendwarp' },
          rollupOptions: { external: [] },
        },
      });
      const mod = await import(pathToFileURL(join(outDir, 'blendwarp.js')).href);
      const b = await mod.setBackend(backend);
      expect(b.name).toBe(backend);
      const x = mod.tensor([1, 2, 3, 4], [2, 2]);
      const y = mod.matmul(x, x);
      expect(Array.from(await y.data())).toEqual([7, 10, 15, 22]);
      b.dispose();
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
