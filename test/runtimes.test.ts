// The same package runs in Node (here), in Deno (the `deno` dev dependency) and from a vite bundle.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as bw from '../src/index.js';
import { logSpectrogramImage } from '../src/gblend/features.js';
import { downsampleImage } from '../src/synth/preprocess.js';
import { useBackend } from './harness.js';

const root = join(import.meta.dirname, '..');

function reference() {
  const x = bw.tensor(Float32Array.from({ length: 2 * 6 * 5 * 3 }, (_, i) => Math.sin(i)), [1, 2, 6, 5, 3]);
  const w = bw.tensor(Float32Array.from({ length: 27 * 3 * 4 }, (_, i) => Math.cos(i) * 0.1), [3, 3, 3, 3, 4]);
  const flow = bw.full([1, 2, 6, 5, 3], 0.3);
  const { value, grads } = bw.valueAndGrads(() => bw.sum(bw.square(bw.conv3d(x, w))), [w]);
  return {
    conv: Array.from(bw.conv3d(x, w).dataSync().slice(0, 8)),
    warp: Array.from(bw.warp(x, flow).dataSync().slice(0, 8)),
    loss: value.dataSync()[0],
    grad: Array.from(grads[0]!.dataSync().slice(0, 8)),
  };
}

describe('runtimes', () => {
  beforeAll(() => useBackend('wasm'));

  it('Deno 2 imports the built package and computes the same numbers as Node', () => {
    const deno = join(root, 'node_modules', '.bin', 'deno');
    expect(existsSync(deno), 'the deno dev dependency is installed (npm ci)').toBe(true);
    expect(existsSync(join(root, 'dist', 'src', 'index.js')), 'dist/ is built (npm run build)').toBe(true);
    const out = execFileSync(deno, ['run', '--allow-read', '--no-prompt', 'test/runtimes/deno-smoke.ts'], {
      cwd: root, encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    });
    const got = JSON.parse(out.trim().split('\n').pop()!);
    expect(got.runtime).toBe('deno');
    const ref = reference();
    expect(got.conv).toEqual(ref.conv);
    expect(got.warp).toEqual(ref.warp);
    expect(got.loss).toBe(ref.loss);
    expect(got.grad).toEqual(ref.grad);
    // The io kernels give Node's numbers in Deno too.
    expect(got.logmel).toEqual(Array.from(logSpectrogramImage(Float32Array.from({ length: 3000 }, (_, i) => Math.sin(0.1 * i)), 8000, { nMels: 8, frames: 4 }).data.slice(0, 8)));
    expect(got.down).toEqual(Array.from(downsampleImage(Float32Array.from({ length: 4 * 6 * 5 }, (_, i) => Math.cos(i)), [4, 6, 5], 2).data));
    expect(got.nifti).toEqual(Array.from({ length: 12 }, (_, i) => i * 1000 - 5000));
  });

  it('a vite bundle of the package runs (no Node built-ins, wasm embedded)', async () => {
    const { build } = await import('vite');
    const outDir = mkdtempSync(join(tmpdir(), 'blendwarp-bundle-'));
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
      const b = await mod.setBackend('wasm');
      expect(b.name).toBe('wasm');
      const x = mod.tensor([1, 2, 3, 4], [2, 2]);
      const y = mod.matmul(x, x);
      expect(Array.from(y.dataSync())).toEqual([7, 10, 15, 22]);
      b.dispose();
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
