// The WebGPU parity subset (test/browser/parity-checks.ts: conv, warp, resampling, random draws, a
// training step, G-Blend end to end, each on wasm and webgpu of the same runtime; and the io kernels
// against their reference) in Deno and in headless Chromium (a page and a dedicated worker). Under
// CI=true a runtime that cannot run fails instead of skipping.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, runInChromium, type BrowserReport } from './browser/run-chromium.js';

const root = join(import.meta.dirname, '..');
const ci = process.env.CI === 'true';
const deno = join(root, 'node_modules', '.bin', 'deno');
const TOLERANCE = 1e-4;

function expectParity(report: BrowserReport, where: string): void {
  expect(report.error, `${where}: ${report.error}`).toBeUndefined();
  expect(report.checks?.length, `${where}: checks ran`).toBe(7);
  for (const c of report.checks!) {
    expect(c.maxErr, `${where}: ${c.name} (${c.n} values)`).toBeLessThanOrEqual(TOLERANCE);
  }
}

function available(what: string, ok: boolean): boolean {
  if (!ok && ci) throw new Error(`CI=true but ${what} is missing: run \`bash scripts/setup-webgpu.sh\` (and npm ci) first`);
  if (!ok) console.warn(`skipping: ${what} is missing (scripts/setup-webgpu.sh installs it)`);
  return ok;
}

describe('WebGPU in other runtimes', () => {
  it.skipIf(!available('node_modules/.bin/deno', existsSync(deno)))('Deno: the parity subset on its navigator.gpu', () => {
    const out = execFileSync(deno, ['run', '--allow-read', '--allow-env', '--unstable-sloppy-imports', '--no-prompt', 'test/runtimes/deno-webgpu.ts'], {
      cwd: root, encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, timeout: 30 * 60_000, // a hang guard only (the global testTimeout cannot stop a synchronous child)
    });
    const report = JSON.parse(out.trim().split('\n').pop()!);
    expect(report.runtime).toBe('deno');
    expect(report.adapter, 'Deno found a WebGPU adapter').toBeTruthy();
    expectParity(report, 'deno');
  });

  it.skipIf(!available(CHROMIUM, existsSync(CHROMIUM)))('Chromium: the parity subset in a page and in a dedicated worker', async () => {
    const reports = await runInChromium();
    expect(reports.map((r) => r.where)).toEqual(['page', 'worker']);
    for (const r of reports) {
      expect(r.adapter, `${r.where}: Chromium offered a WebGPU adapter`).toBeTruthy();
      expectParity(r, `chromium ${r.where}`);
    }
  });
});
