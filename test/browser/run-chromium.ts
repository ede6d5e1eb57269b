// Runs the parity subset (parity-checks.ts) in headless Chromium, in a page and in a dedicated worker:
// bundles it with vite, serves the bundle on localhost and drives Debian's /usr/bin/chromium through
// playwright-core (no browser download). Used by test/webgpu-runtimes.test.ts.
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { AddressInfo } from 'node:net';

export const CHROMIUM = '/usr/bin/chromium';
/** Headless flags from PLATFORM-NOTES; --enable-unsafe-webgpu gives a SwiftShader WebGPU adapter. */
export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu',
];

const here = import.meta.dirname;
const root = join(here, '..', '..');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json', '.wasm': 'application/wasm' };

async function bundle(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({
    root, logLevel: 'silent', configFile: false,
    build: {
      outDir, emptyOutDir: true, minify: false, target: 'es2022',
      lib: { entry: join(here, 'parity-checks.ts'), formats: ['es'], fileName: () => 'parity.js' },
    },
  });
  for (const f of ['page.html', 'worker.html', 'worker.js']) copyFileSync(join(here, f), join(outDir, f));
}

function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0]!.replace(/^\/+/, '') || 'page.html';
    const file = join(dir, name);
    if (name.includes('..') || !existsSync(file)) { res.writeHead(404).end(); return; }
    // Cross-origin isolation, so SharedArrayBuffer (a threaded wasm backend) is available too.
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export interface BrowserReport { where: string; error?: string; adapter?: unknown; checks?: { name: string; maxErr: number; n: number }[] }

/** The page's and the worker's reports. */
export async function runInChromium(timeoutMs = 30 * 60_000 /* a hang guard only: the work is sized, not timed */): Promise<BrowserReport[]> {
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'blendwarp-chromium-'));
  let server: Server | null = null;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    await bundle(dir);
    server = await serve(dir);
    const port = (server.address() as AddressInfo).port;
    const reports: BrowserReport[] = [];
    for (const page of ['page.html', 'worker.html']) {
      const tab = await browser.newPage();
      const logs: string[] = [];
      tab.on('console', (m) => logs.push(m.text()));
      tab.on('pageerror', (e) => logs.push(String(e)));
      await tab.goto(`http://127.0.0.1:${port}/${page}`);
      const report = await tab.waitForFunction(() => (window as unknown as { __report?: Promise<unknown> }).__report, null, { timeout: timeoutMs })
        .then(() => tab.evaluate(() => (window as unknown as { __report: Promise<BrowserReport> }).__report));
      if (report.error && logs.length) report.error += `\nconsole:\n${logs.join('\n')}`;
      reports.push(report);
      await tab.close();
    }
    return reports;
  } finally {
    await browser.close();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
