// The browser app (npm run web / npm run build:web). It imports blendwarp only through the package's
// public entry points: `blendwarp`, `blendwarp/<entry>` resolve through package.json "exports" to the
// built dist/ (npm run build), exactly what an installed package gives an app; anything not exported
// fails the build.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string | { default: string }> };

function blendwarpEntryPoints(): Plugin {
  return {
    name: 'blendwarp-public-entry-points',
    enforce: 'pre',
    resolveId(id) {
      if (id !== 'blendwarp' && !id.startsWith('blendwarp/')) return null;
      const sub = id === 'blendwarp' ? '.' : `./${id.slice('blendwarp/'.length)}`;
      const e = pkg.exports[sub];
      if (!e) this.error(`"${id}" is not a public entry point of blendwarp (package.json "exports": ${Object.keys(pkg.exports).join(', ')})`);
      const file = join(root, typeof e === 'string' ? e : e.default);
      if (!existsSync(file)) this.error(`"${id}" -> ${file} is missing: run \`npm run build\` first`);
      return file;
    },
  };
}

/** Cross-origin isolation: SharedArrayBuffer, so the wasm backend runs on several threads. */
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [blendwarpEntryPoints()],
  worker: { format: 'es', plugins: () => [blendwarpEntryPoints()] },
  server: { headers: isolation, fs: { allow: [root] } },
  preview: { headers: isolation },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 40_000, reportCompressedSize: false },
});
