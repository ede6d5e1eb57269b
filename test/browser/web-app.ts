// Builds the browser app (web/) once, serves it from a tiny static server on 127.0.0.1 with or
// without the cross-origin isolation headers, and drives Debian's Chromium (playwright-core, no
// browser download): WebGL through SwiftShader for niivue, WebGPU on SwiftShader.
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './run-chromium.js';

const root = join(import.meta.dirname, '..', '..');
const TYPES: Record<string, string> = {
  '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.wasm': 'application/wasm',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
};

/** vite build of web/ into `outDir` (needs dist/, i.e. npm run build). */
export async function buildSite(outDir: string): Promise<void> {
  if (!existsSync(join(root, 'dist', 'src', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const { build } = await import('vite');
  await build({ configFile: join(root, 'web', 'vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true } });
}

/** Serves `dir`; with `isolated`, every response carries COOP same-origin and COEP require-corp. */
export function serveSite(dir: string, isolated: boolean): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]!)).replace(/^[/\\]+/, '') || 'index.html';
    const file = join(dir, path);
    if (path.includes('..') || !existsSync(file) || !statSync(file).isFile()) { res.writeHead(404).end(); return; }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      ...(isolated ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {}),
    });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` })));
}

/** Chromium with WebGL (SwiftShader through ANGLE) and WebGPU (SwiftShader). */
export async function launch(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'] });
}

/** Waits until body[data-status] is "done" or starts with "error"; returns it with the page's console. */
export async function waitForStatus(page: Page, timeoutMs: number): Promise<string> {
  await page.waitForFunction(() => /^(done|error)/.test(document.body.dataset.status ?? ''), null, { timeout: timeoutMs, polling: 500 });
  return page.evaluate(() => document.body.dataset.status ?? '');
}

export interface PixelStats { width: number; height: number; mean: number; std: number; distinct: number; nonBackground: number }

/**
 * Pixel statistics of a screenshot of the niivue viewer (decoded by the page's own PNG decoder):
 * luminance mean and std, distinct colours, share of pixels unlike the background (the most frequent colour).
 */
export async function viewerStats(page: Page): Promise<PixelStats> {
  const png = await page.locator('[data-viewer="niivue"]').screenshot();
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let s = 0, s2 = 0, other = 0;
    const counts = new Map<number, number>();
    for (let i = 0; i < d.length; i += 4) {
      const y = 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
      s += y; s2 += y * y;
      const c = (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    // The background is the most frequent colour.
    let bg = 0, most = -1;
    for (const [c, n] of counts) if (n > most) { most = n; bg = c; }
    for (let i = 0; i < d.length; i += 4) {
      if (Math.abs(d[i]! - (bg >> 16)) + Math.abs(d[i + 1]! - ((bg >> 8) & 255)) + Math.abs(d[i + 2]! - (bg & 255)) > 24) other++;
    }
    const colours = counts;
    const n = d.length / 4, mean = s / n;
    return { width: c.width, height: c.height, mean, std: Math.sqrt(Math.max(0, s2 / n - mean * mean)), distinct: colours.size, nonBackground: other / n };
  }, png.toString('base64'));
}
