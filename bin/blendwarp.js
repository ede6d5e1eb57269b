#!/usr/bin/env node
// Entry point of the `blendwarp` command; the code lives in dist/ (built by `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('blendwarp: dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const { main } = await import(entry.href);
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  console.error(`blendwarp: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
