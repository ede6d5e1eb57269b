// The browser app (web/) end to end in headless Chromium: the site is built once (vite, through the
// package's public entry points), served on 127.0.0.1 with and without the cross-origin isolation
// headers; both ?demo= hooks run to "done" on wasm and on WebGPU (SwiftShader), with and without
// isolation; the niivue canvas is not blank (pixel statistics of a screenshot); a NIfTI set through
// the file input is shown; a run interrupted by a reload resumes from its checkpoints; the G-Blend lab runs on a manifest
// folder set through the folder input; the lab's cross-validation (&folds=2) runs on the threaded wasm case. Sizes are cut down through the demo's URL parameters (a few steps, two
// or three methods) so the suite stays small on 2 cores. BLENDWARP_SCREENSHOTS=1 writes the
// screenshots of docs/ (docs/web-*.png).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from './browser/run-chromium.js';
import { buildSite, launch, serveSite, viewerStats, waitForStatus } from './browser/web-app.js';
import { encodeNifti } from '../src/io/nifti.js';
import { encodeNpy } from '../src/io/npy.js';
import type { GBlendResultsJson } from '../src/gblend/results.js';

const root = join(import.meta.dirname, '..');
const ci = process.env.CI === 'true';
const shots = process.env.BLENDWARP_SCREENSHOTS === '1';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && ci) throw new Error(`CI=true but ${CHROMIUM} is missing: run \`npm run setup\` first`);
if (!haveChromium) console.warn(`skipping the web app tests: ${CHROMIUM} is missing (npm run setup installs it)`);

/**
 * Demo sizes for the tests (the page's defaults are the quick configuration); with
 * BLENDWARP_SCREENSHOTS=1 the wasm, isolated runs are larger, for the pictures in docs/.
 */
const DEMO_QUERY = {
  synth: 'demo=synth&steps=4&size=1,32,32&methods=affine,sas,ours-indep',
  gblend: 'demo=gblend&epochs=3&methods=uni:left,naive,gblend-offline&perClass=40',
} as const;
/** WebGPU here is SwiftShader, a CPU implementation several times slower than wasm: smaller still. */
const GPU_QUERY = {
  synth: 'demo=synth&steps=4&size=1,32,32&methods=affine,sas',
  gblend: 'demo=gblend&epochs=2&methods=uni:left,gblend-offline&perClass=40',
} as const;
const SHOT_QUERY = {
  synth: 'demo=synth&steps=40&methods=affine,sas,ours-indep',
  gblend: 'demo=gblend&epochs=8&methods=uni:left,naive,gblend-offline,gblend-online',
} as const;

interface BackendReport { name: string; isolated: boolean; reason: string; info: { threads?: number } }

describe.skipIf(!haveChromium)('web app in headless Chromium', () => {
  let dir = '';
  let browser: Browser;
  const servers: Record<'isolated' | 'plain', { server: Server; url: string }> = {} as never;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'blendwarp-web-'));
    await buildSite(dir);
    servers.isolated = await serveSite(dir, true);
    servers.plain = await serveSite(dir, false);
    browser = await launch();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    for (const s of Object.values(servers)) s.server.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(query: string, isolated: boolean): Promise<{ page: Page; logs: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    const logs: string[] = [];
    page.on('console', (m) => logs.push(m.text()));
    page.on('pageerror', (e) => logs.push(String(e)));
    await page.goto(`${servers[isolated ? 'isolated' : 'plain'].url}index.html?${query}`, { waitUntil: 'domcontentloaded', timeout: 300_000 });
    return { page, logs };
  }

  for (const demo of ['synth', 'gblend'] as const) {
    for (const backend of ['wasm', 'webgpu'] as const) {
      for (const isolated of [true, false]) {
        it(`?demo=${demo} runs to done on ${backend}, ${isolated ? '' : 'not '}cross-origin isolated`, async () => {
          const shot = shots && isolated && backend === 'wasm';
          // The G-Blend lab's cross-validation (&folds=K, as `blendwarp gblend --folds K`) on the threaded wasm run.
          const folds = demo === 'gblend' && backend === 'wasm' && isolated && !shot ? 2 : 0;
          const query = (shot ? SHOT_QUERY : backend === 'webgpu' ? GPU_QUERY : DEMO_QUERY)[demo] + (folds ? `&folds=${folds}` : '');
          const methods = new URLSearchParams(query).get('methods')!.split(',');
          const { page, logs } = await open(`${query}&backend=${backend}`, isolated);
          try {
            const status = await waitForStatus(page, 900_000);
            expect(status, `page status; console:\n${logs.slice(-20).join('\n')}`).toBe('done');
            const b = await page.evaluate(() => (window as unknown as { blendwarpBackend: BackendReport }).blendwarpBackend);
            expect(b.name).toBe(backend);
            expect(b.isolated).toBe(isolated);
            const line = await page.locator('#backend').textContent();
            expect(line).toContain(`backend: ${backend}`);
            if (!isolated) expect(line).toContain('one thread');
            if (backend === 'wasm' && !isolated) expect(b.info.threads).toBe(1);
            const results = await page.evaluate(() => (window as unknown as { blendwarpResults: { methods: Record<string, unknown>[] } }).blendwarpResults);
            if (demo === 'synth') {
              expect(results.methods.map((m) => m.name)).toEqual(methods);
              expect(results.methods[0]!.dice_mean as number).toBeGreaterThan(0.2); // affine: the atlas labels overlap the test phantom
              for (const m of results.methods) { expect(m.dice_mean as number).toBeGreaterThanOrEqual(0); expect(m.dice_mean as number).toBeLessThanOrEqual(1); }
              // The niivue canvas shows an image with labels, not a blank canvas.
              const px = await viewerStats(page);
              expect(px.width).toBeGreaterThan(100);
              expect(px.std, JSON.stringify(px)).toBeGreaterThan(10);
              expect(px.nonBackground, JSON.stringify(px)).toBeGreaterThan(0.05);
              expect(px.distinct, JSON.stringify(px)).toBeGreaterThan(16);
              const outputs = await page.locator('#s-downloads a').evaluateAll((as) => as.map((a) => (a as HTMLElement).dataset.output));
              for (const f of ['results.json', 'checkpoints/spatial.safetensors', 'inputs/atlas_phantom-atlas_labels.nii.gz', 'synth/montage.png']) expect(outputs).toContain(f);
            } else {
              expect(results.methods.map((m) => m.name)).toEqual(methods);
              for (const m of results.methods) expect(m.top1 as number).toBeGreaterThan(0.1); // 10 classes: above chance
              for (const m of results.methods.filter((x) => String(x.name).startsWith('gblend'))) {
                const w = m.weights as Record<string, number>;
                expect(Object.keys(w)).toEqual(['left', 'right', 'fused']);
                expect(Object.values(w).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
              }
              expect(await page.locator('#g-table tr').count()).toBe(methods.length + 1);
              // results.json's statistics, as the command line writes them; with folds per (seed, fold) unit.
              const full = results as unknown as GBlendResultsJson;
              expect(full.comparisons.length).toBeGreaterThan(0);
              // The regime line needs naive and a single modality among the methods run.
              if (methods.includes('naive')) expect(full.regime).toMatch(/^naive joint training .* the best single modality uni:left/);
              else expect(full.regime).toBeNull();
              expect(await page.locator('#g-stats table[data-table="comparisons"] tr').count()).toBe(full.comparisons.length + 1);
              if (folds) {
                expect(full.folds!.k).toBe(folds);
                expect(full.folds!.by).toBe('stratified');
                // Every pooled example is tested in exactly one fold: 10 classes x (40 + 20) images.
                expect(full.folds!.folds.reduce((a, f) => a + f.test, 0)).toBe(600);
                expect(full.runs.map((r) => `${r.name}/f${r.fold}`).sort()).toEqual(methods.flatMap((m) => [`${m}/f1`, `${m}/f2`]).sort());
                expect(full.per_fold!.length).toBe(methods.length * folds);
                expect(full.comparisons.every((c) => c.n === folds)).toBe(true);
                expect(full.folds!.regime.map((r) => r.fold)).toEqual([1, 2]);
                expect(await page.locator('#g-stats table[data-table="per-fold"] tr').count()).toBe(methods.length + 1);
              } else {
                expect(full.folds).toBeNull();
                expect(full.runs.every((r) => r.fold === undefined)).toBe(true);
              }
              expect(await page.locator('#g-weights polyline').count()).toBe(3); // one weight line per head
            }
            if (shot) await page.screenshot({ path: join(root, 'docs', `web-${demo}.png`), fullPage: true, clip: { x: 0, y: 0, width: 1300, height: demo === 'synth' ? 1160 : 1240 } });
          } finally {
            await page.close();
          }
        }, 960_000);
      }
    }
  }

  it('a synthesis run interrupted by a page reload resumes from its IndexedDB checkpoints', async () => {
    const { page, logs } = await open('demo=synth&steps=40&size=1,32,32&methods=affine,sas&backend=wasm', true);
    try {
      // Past step 20 of 40 the spatial stage has saved a checkpoint in IndexedDB.
      await page.waitForFunction(() => /^spatial: (2[1-9]|3\d) \//.test(document.getElementById('s-stage')?.textContent ?? ''), null, { timeout: 600_000, polling: 50 });
      await page.goto(`${servers.isolated.url}index.html`, { waitUntil: 'domcontentloaded', timeout: 300_000 });
      const resume = page.locator('#s-resume');
      await resume.waitFor({ state: 'visible', timeout: 60_000 });
      expect(await resume.textContent()).toMatch(/^Resume run [0-9a-f]{12} \(stopped in spatial\)$/);
      await resume.click();
      expect(await waitForStatus(page, 900_000), logs.slice(-20).join('\n')).toBe('done');
      const resumed = logs.map((l) => /^synth: spatial: resumed at step (\d+)$/.exec(l)?.[1]).filter((v) => v !== undefined).map(Number);
      expect(resumed, logs.join('\n')).toHaveLength(1);
      expect(resumed[0]).toBeGreaterThan(0); // from a checkpoint saved before the reload, not from scratch
      expect(resumed[0]).toBeLessThan(40);
      const results = await page.evaluate(() => (window as unknown as { blendwarpResults: { methods: { name: string }[] } }).blendwarpResults);
      expect(results.methods.map((m) => m.name)).toEqual(['affine', 'sas']);
    } finally {
      await page.close();
    }
  }, 960_000);

  it('the G-Blend lab runs on a manifest folder chosen in the folder input, on its split and with folds over its groups', async () => {
    // The format of docs/gblend-guide.md: per-example .npy files for one modality, one array for the other.
    const data = mkdtempSync(join(tmpdir(), 'blendwarp-manifest-'));
    const folder = join(data, 'mydata');
    mkdirSync(join(folder, 'a'), { recursive: true });
    const n = 90, b = new Float32Array(n * 3), examples = [];
    let seed = 7;
    const r = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    for (let i = 0; i < n; i++) {
      const y = i % 3;
      writeFileSync(join(folder, 'a', `${i}.npy`), encodeNpy(Float32Array.from({ length: 4 }, (_, k) => (k === y ? 1.5 : 0) + r() - 0.5), [4]));
      for (let k = 0; k < 3; k++) b[i * 3 + k] = (k === y ? 0.8 : 0) + r() - 0.5;
      examples.push({ a: `a/${i}.npy`, label: ['x', 'y', 'z'][y], split: i >= 75 ? 'test' : 'train', group: `site${Math.floor(i / 3) % 6}` });
    }
    writeFileSync(join(folder, 'b.npy'), encodeNpy(b, [n, 3]));
    writeFileSync(join(folder, 'manifest.json'), JSON.stringify({ classes: ['x', 'y', 'z'], modalities: [{ name: 'a', format: 'npy' }, { name: 'b', format: 'npy', file: 'b.npy' }], examples }));
    const { page, logs } = await open('backend=wasm', true);
    try {
      await page.click('nav button[data-tab="gblend"]');
      await page.setInputFiles('#g-folder', folder);
      expect(await page.locator('#g-data').inputValue()).toBe('folder');
      await page.fill('#g-epochs', '2');
      for (const box of await page.locator('#g-methods input').all()) {
        if (['uni:left', 'naive', 'gblend-offline'].includes(await box.getAttribute('value') ?? '')) await box.check(); else await box.uncheck();
      }
      await page.click('#g-run');
      expect(await waitForStatus(page, 900_000), logs.slice(-20).join('\n')).toBe('done');
      const results = await page.evaluate(() => (window as unknown as { blendwarpResults: { methods: { name: string; weights: Record<string, number> | null }[]; data: { train: number; test: number } } }).blendwarpResults);
      expect(results.methods.map((m) => m.name)).toEqual(['uni:a', 'uni:b', 'naive', 'gblend-offline']);
      expect([results.data.train, results.data.test]).toEqual([75, 15]);
      expect(Object.keys(results.methods[3]!.weights!)).toEqual(['a', 'b', 'fused']);
      // The same folder with 3 folds from the form: whole groups held out, the manifest's split unused.
      await page.fill('#g-folds', '3');
      await page.click('#g-run');
      expect(await waitForStatus(page, 900_000), logs.slice(-20).join('\n')).toBe('done');
      const cv = await page.evaluate(() => (window as unknown as { blendwarpResults: unknown }).blendwarpResults) as GBlendResultsJson;
      expect(cv.folds!.k).toBe(3);
      expect(cv.folds!.by).toBe('groups');
      expect(cv.folds!.folds.flatMap((f) => f.test_groups!).sort()).toEqual(['site0', 'site1', 'site2', 'site3', 'site4', 'site5']);
      expect(cv.folds!.folds.map((f) => [f.train, f.test])).toEqual([[60, 30], [60, 30], [60, 30]]);
      expect([cv.data.train, cv.data.test]).toEqual([90, 90]);
      expect(cv.runs.filter((r) => r.name === 'naive').map((r) => r.fold)).toEqual([1, 2, 3]);
      expect(cv.comparisons.find((c) => c.a === 'gblend-offline' && c.b === 'naive')!.n).toBe(3);
    } finally {
      await page.close();
      rmSync(data, { recursive: true, force: true });
    }
  }, 960_000);

  it('a NIfTI set through the file input is shown in niivue', async () => {
    const { page, logs } = await open('', true);
    try {
      await page.waitForFunction(() => document.querySelector('[data-viewer="niivue"] canvas') !== null);
      const before = await viewerStats(page);
      // A 3D volume: a bright ellipsoid with an off-centre dark blob, 1.5 mm voxels, oblique-free sform.
      const [ni, nj, nk] = [40, 48, 36];
      const data = new Float32Array(ni * nj * nk);
      for (let k = 0; k < nk; k++) for (let j = 0; j < nj; j++) for (let i = 0; i < ni; i++) {
        const r = ((i - 20) / 16) ** 2 + ((j - 24) / 20) ** 2 + ((k - 18) / 14) ** 2;
        const blob = ((i - 26) / 5) ** 2 + ((j - 20) / 5) ** 2 + ((k - 18) / 5) ** 2;
        data[(k * nj + j) * ni + i] = r < 1 ? (blob < 1 ? 200 : 600 + 300 * (1 - r)) : 0;
      }
      const g = { pixdim: [1.5, 1.5, 1.5] as [number, number, number], qformCode: 0, sformCode: 2, quatern: [0, 0, 0, 0, 0, 0] as [number, number, number, number, number, number], qfac: 1, srow: [1.5, 0, 0, -30, 0, 1.5, 0, -36, 0, 0, 1.5, -27], xyztUnits: 2 };
      const bytes = encodeNifti({ dims: [ni, nj, nk], data, datatype: 'float32', geometry: g });
      await page.setInputFiles('#f-atlas', { name: 'my_scan.nii', mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
      await page.waitForFunction(() => [...document.querySelectorAll('#s-scene option')].some((o) => o.textContent === 'dropped: my_scan.nii'), null, { timeout: 60_000 });
      expect(await page.locator('#s-scene-note').textContent()).toBe('40 x 48 x 36 voxels');
      let after = await viewerStats(page);
      for (let tries = 0; tries < 20 && after.nonBackground < 0.15; tries++) { await page.waitForTimeout(500); after = await viewerStats(page); }
      expect(before.nonBackground, `empty viewer ${JSON.stringify(before)}`).toBeLessThan(0.05);
      expect(after.nonBackground, `after the drop ${JSON.stringify(after)}; console:\n${logs.join('\n')}`).toBeGreaterThan(0.15);
      expect(after.std).toBeGreaterThan(10);
      if (shots) await page.locator('[data-viewer="niivue"]').screenshot({ path: join(root, 'docs', 'web-dropped-nifti.png') });
    } finally {
      await page.close();
    }
  }, 300_000);
});
