// Synthesis studio: NIfTI files (or generated phantoms) in, the learned-transformation pipeline in a
// worker (progress, live loss curves, cancel, resume from IndexedDB checkpoints), niivue views of
// every stage's volumes, the Dice table and downloads of every output.
import * as Comlink from 'comlink';
import { createStore, get, set } from 'idb-keyval';
import { readNifti } from 'blendwarp/io';
import type { PrepareRequest, StageProgress } from 'blendwarp/workers';
import { freeSurferColormap, type Volume } from 'blendwarp/niivue';
import type { WebSynth } from './synth.worker';
import type { BackendReport } from './backend';
import { FOLDING_TABLE, Viewer, type Scene } from './viewer';
import { lineChart, thin } from './plot';

const STAGES = ['spatial', 'appearance', 'synthesize', 'segment', 'evaluate'] as const;
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const LAST_RUN = 'blendwarp.synth.lastRun';
const uploads = () => createStore('blendwarp-uploads', 'files');

export interface SynthConfig {
  data: 'default' | 'files';
  dims: 2 | 3;
  preset: 'quick' | 'paper';
  steps?: number;
  downsample: number;
  /** Methods to compare (default: all of the preset). */
  methods?: string[];
  synthCount?: number;
  /** Grid of the generated phantoms [D, H, W] (default 2D 1 x 96 x 80, 3D 48 x 56 x 48). */
  phantomShape?: [number, number, number];
}

interface Picked { atlas: File | null; atlasSeg: File | null; unlabeled: File[]; tests: File[] }
type Json = Record<string, unknown> & { methods: { name: string; dice_mean: number; dice_std: number; per_label: Record<string, number> }[]; labels: Record<string, string> };

const isLabels = (name: string) => /(seg|label|aseg)/i.test(name);

async function hashOf(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(d.slice(0, 6), (b) => b.toString(16).padStart(2, '0')).join('');
}

export class SynthStudio {
  private worker: Worker | null = null;
  private svc: Comlink.Remote<WebSynth> | null = null;
  private backend: BackendReport | null = null;
  private readonly viewer: Viewer;
  private scenes: Scene[] = [];
  private picked: Picked = { atlas: null, atlasSeg: null, unlabeled: [], tests: [] };
  private losses = new Map<string, [number, number][]>();
  private lastDraw = 0;
  running = false;

  constructor(private readonly backendChoice: 'auto' | 'wasm' | 'webgpu', private readonly onBackend: (r: BackendReport) => void) {
    this.viewer = new Viewer($<HTMLCanvasElement>('s-canvas'));
    $<HTMLSelectElement>('s-scene').addEventListener('change', (e) => this.showScene(Number((e.target as HTMLSelectElement).value)));
    const bind = (id: string, f: (files: File[]) => void) => $<HTMLInputElement>(id).addEventListener('change', (e) => { f([...((e.target as HTMLInputElement).files ?? [])]); this.filesChanged(); });
    bind('f-atlas', (f) => { this.picked.atlas = f[0] ?? null; });
    bind('f-atlas-seg', (f) => { this.picked.atlasSeg = f[0] ?? null; });
    bind('f-unlabeled', (f) => { this.picked.unlabeled = f; });
    bind('f-tests', (f) => { this.picked.tests = f; });
    const drop = $('synth-drop');
    drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); this.assign([...(e.dataTransfer?.files ?? [])]); });
    $('s-run').addEventListener('click', () => { void this.run(this.formConfig()).catch(() => {}); });
    $('s-cancel').addEventListener('click', () => { void this.svc?.cancel(); });
    $('s-resume').addEventListener('click', () => { void this.resume().catch(() => {}); });
    const last = localStorage.getItem(LAST_RUN);
    if (last) {
      const r = JSON.parse(last) as { runId: string; cfg: SynthConfig; finished: boolean; stage?: string };
      if (!r.finished) { $('s-resume').hidden = false; $('s-resume').textContent = `Resume run ${r.runId} (stopped in ${r.stage ?? 'spatial'})`; }
    }
  }

  /** Files dropped on the zone: label maps by name, the atlas by name or first. */
  assign(files: File[]): void {
    const nii = files.filter((f) => /\.nii(\.gz)?$/i.test(f.name));
    const imgs = nii.filter((f) => !isLabels(f.name)), segs = nii.filter((f) => isLabels(f.name));
    const atlas = imgs.find((f) => /atlas/i.test(f.name)) ?? imgs[0] ?? null;
    const atlasSeg = atlas ? segs.find((f) => f.name.replace(/(seg|label|aseg)/i, '') .startsWith(atlas.name.replace(/\.nii(\.gz)?$/i, '').replace(/_?vol$/i, ''))) ?? segs[0] ?? null : null;
    const others = imgs.filter((f) => f !== atlas);
    const testSegs = segs.filter((f) => f !== atlasSeg);
    // An image with a label map of the same stem is a test scan; the rest are unlabeled.
    const stem = (n: string) => n.replace(/\.nii(\.gz)?$/i, '').replace(/_?(vol|image|img|seg|labels?|aseg)$/i, '');
    const tests = others.filter((f) => testSegs.some((s) => stem(s.name) === stem(f.name)));
    this.picked = { atlas, atlasSeg, unlabeled: others.filter((f) => !tests.includes(f)), tests: [...tests, ...testSegs] };
    this.filesChanged();
  }

  private async filesChanged(): Promise<void> {
    const p = this.picked;
    $('synth-files').textContent = `atlas: ${p.atlas?.name ?? '-'}; labels: ${p.atlasSeg?.name ?? '-'}; unlabeled: ${p.unlabeled.map((f) => f.name).join(', ') || '-'}; test: ${p.tests.map((f) => f.name).join(', ') || '-'}`;
    if (p.atlas || p.unlabeled.length) $<HTMLSelectElement>('s-data').value = 'files';
    // Show what was just chosen: the atlas with its labels, else the last image.
    const show = p.atlas ?? p.unlabeled[p.unlabeled.length - 1] ?? p.tests.find((f) => !isLabels(f.name));
    if (!show) return;
    try {
      const base = await this.fileVolume(show);
      const layers: Scene['layers'] = [{ vol: base, kind: 'image' }];
      if (show === p.atlas && p.atlasSeg) {
        const seg = await this.fileVolume(p.atlasSeg, true);
        if (seg.data.length === base.data.length) layers.push({ vol: seg, kind: 'labels' });
      }
      this.addScene({ title: `dropped: ${show.name}`, note: `${base.shape.slice().reverse().join(' x ')} voxels`, layers }, true);
    } catch (e) {
      $('s-scene-note').textContent = `cannot show ${show.name}: ${(e as Error).message}`;
    }
  }

  private async fileVolume(f: File, labels = false): Promise<Volume> {
    const v = await readNifti(new Uint8Array(await f.arrayBuffer()), f.name);
    return { name: f.name, shape: [v.dims[2], v.dims[1], v.dims[0]], data: labels ? Int32Array.from(v.data, Math.round) : v.data, affine: v.affine };
  }

  private formConfig(): SynthConfig {
    const steps = Number($<HTMLInputElement>('s-steps').value);
    return {
      data: $<HTMLSelectElement>('s-data').value as 'default' | 'files',
      dims: Number($<HTMLSelectElement>('s-dims').value) as 2 | 3,
      preset: $<HTMLSelectElement>('s-preset').value as 'quick' | 'paper',
      steps: steps > 0 ? steps : undefined,
      downsample: Math.max(1, Number($<HTMLInputElement>('s-down').value) || 1),
    };
  }

  private addScene(s: Scene, show = false): void {
    const sel = $<HTMLSelectElement>('s-scene');
    const same = this.scenes.findIndex((x) => x.title === s.title);
    if (same >= 0) this.scenes[same] = s;
    else {
      this.scenes.push(s);
      const o = document.createElement('option');
      o.value = String(this.scenes.length - 1); o.textContent = s.title;
      sel.append(o);
    }
    if (show) { const i = this.scenes.findIndex((x) => x.title === s.title); sel.value = String(i); void this.showScene(i); }
  }

  private async showScene(i: number): Promise<void> {
    const s = this.scenes[i];
    if (!s) return;
    $('s-scene-note').textContent = s.note ?? '';
    const labels = s.layers.find((l) => l.kind === 'labels');
    $('s-legend').innerHTML = labels ? this.legend(labels.vol) : '';
    await this.viewer.show(s);
  }

  private legend(vol: Volume): string {
    const present = [...new Set(Array.from(vol.data as ArrayLike<number>))].filter((v) => v > 0).sort((a, b) => a - b);
    if (vol.name.endsWith('folding')) return present.length ? '<span class="legend-swatch" style="background:#f00"></span>folding (det J <= 0)' : 'no folding voxels';
    const cm = freeSurferColormap(present);
    return present.slice(0, 40).map((v, k) => `<span class="legend-swatch" style="background:rgb(${cm.R[k]},${cm.G[k]},${cm.B[k]})"></span>${cm.labels[k]}`).join(' ');
  }

  private async ensureWorker(): Promise<Comlink.Remote<WebSynth>> {
    if (this.svc) return this.svc;
    this.worker = new Worker(new URL('./synth.worker.ts', import.meta.url), { type: 'module' });
    this.svc = Comlink.wrap<WebSynth>(this.worker);
    this.backend = await this.svc.start(this.backendChoice);
    this.onBackend(this.backend);
    return this.svc;
  }

  private progress = (p: StageProgress): void => {
    if (p.message) console.info(`synth: ${p.stage}: ${p.message}`);
    $('s-stage').textContent = `${p.stage}: ${p.step} / ${p.total}${p.loss !== undefined ? `, loss ${p.loss.toFixed(4)}` : ''}${p.message ? ` (${p.message})` : ''}`;
    const bar = $<HTMLProgressElement>('s-progress');
    bar.max = Math.max(1, p.total); bar.value = p.step;
    if (p.loss !== undefined) {
      const s = this.losses.get(p.stage) ?? [];
      s.push([p.step, p.loss]);
      this.losses.set(p.stage, s);
    }
    const now = performance.now();
    if (now - this.lastDraw > 250 || p.step === p.total) { this.lastDraw = now; this.drawLosses(); }
  };

  private drawLosses(): void {
    const lines = [...this.losses.entries()].map(([name, pts]) => ({ name, points: thin(pts) }));
    // Losses of different networks have different scales: the spatial/appearance ones and the segmenters in two charts.
    const reg = lines.filter((l) => !l.name.startsWith('segment')), seg = lines.filter((l) => l.name.startsWith('segment'));
    $('s-loss').innerHTML = lineChart('registration / appearance loss', reg, { xLabel: 'step' }) + (seg.length ? lineChart('segmenter loss (cross-entropy)', seg.map((l) => ({ ...l, name: l.name.replace('segment ', '') })), { xLabel: 'step', log: true }) : '');
  }

  private async inputFiles(runId: string, fresh: boolean): Promise<PrepareRequest['input']> {
    const st = uploads();
    if (!fresh) {
      const saved = await get<PrepareRequest['input']>(`synth/${runId}`, st);
      if (!saved) throw new Error(`run ${runId}: its uploaded files are no longer in IndexedDB; start a new run`);
      return saved;
    }
    const p = this.picked;
    if (!p.atlas || !p.atlasSeg) throw new Error('my files: choose an atlas image and its label map');
    if (p.unlabeled.length === 0) throw new Error('my files: choose at least one unlabeled scan');
    const ref = async (f: File) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
    const testImgs = p.tests.filter((f) => !isLabels(f.name)), testSegs = p.tests.filter((f) => isLabels(f.name));
    if (testImgs.length !== testSegs.length) throw new Error(`my files: test scans need one label map each (${testImgs.length} images, ${testSegs.length} label maps; label maps have seg, label or aseg in their names)`);
    const byName = (a: File, b: File) => a.name.localeCompare(b.name);
    testImgs.sort(byName); testSegs.sort(byName);
    const input = {
      atlas: { vol: await ref(p.atlas), seg: await ref(p.atlasSeg) },
      unlabeled: await Promise.all(p.unlabeled.map(ref)),
      tests: await Promise.all(testImgs.map(async (f, i) => ({ vol: await ref(f), seg: await ref(testSegs[i]!) }))),
    };
    await set(`synth/${runId}`, input, st);
    return input;
  }

  async resume(): Promise<Json | null> {
    const r = JSON.parse(localStorage.getItem(LAST_RUN) ?? 'null') as { runId: string; cfg: SynthConfig } | null;
    if (!r) return null;
    return this.run(r.cfg, r.runId);
  }

  /** Runs every stage; returns results.json's object. */
  async run(cfg: SynthConfig, resumeId?: string): Promise<Json | null> {
    if (this.running) throw new Error('a run is in progress');
    this.running = true;
    $<HTMLButtonElement>('s-run').disabled = true; $<HTMLButtonElement>('s-cancel').disabled = false; $('s-resume').hidden = true;
    document.body.dataset.status = 'running';
    this.losses.clear();
    if (cfg.steps) $<HTMLInputElement>('s-steps').value = String(cfg.steps);
    let runId = resumeId ?? '';
    try {
      const svc = await this.ensureWorker();
      if (!runId) {
        const p = this.picked;
        const names = cfg.data === 'files' ? [p.atlas, p.atlasSeg, ...p.unlabeled, ...p.tests].map((f) => f && `${f.name}:${f.size}:${f.lastModified}`) : [];
        runId = await hashOf(JSON.stringify({ cfg, names, backend: this.backend?.name }));
      }
      const input = cfg.data === 'default' ? 'default' as const : await this.inputFiles(runId, !resumeId);
      const save = (stage: string, finished = false) => localStorage.setItem(LAST_RUN, JSON.stringify({ runId, cfg, finished, stage }));
      save('spatial');
      $('s-stage').textContent = 'preparing the data...';
      const summary = await svc.prepareRun({ input, preset: cfg.preset, steps: cfg.steps, dims: cfg.dims, downsample: cfg.downsample, methods: cfg.methods as PrepareRequest['methods'], synthCount: cfg.synthCount, phantomShape: cfg.phantomShape }, runId);
      $('s-scene-note').textContent = summary.notes.join('; ');
      const [atlas, atlasLabels] = await svc.atlas();
      this.addScene({ title: 'atlas with its labels', note: `${summary.atlas}; grid ${summary.shape.join(' x ')} (${summary.dims}D)`, layers: [{ vol: atlas, kind: 'image' }, { vol: atlasLabels, kind: 'labels' }] }, true);
      for (let i = 0; i < summary.unlabeled.length; i++) this.addScene({ title: `unlabeled ${i}: ${summary.unlabeled[i]}`, layers: [{ vol: await svc.unlabeled(i), kind: 'image' }] });
      let results: Json | null = null;
      for (const stage of STAGES) {
        save(stage);
        console.info(`synth: stage ${stage} (run ${runId}, backend ${this.backend?.name})`);
        const r = await svc.runStage(stage, Comlink.proxy(this.progress));
        if (stage === 'spatial' || stage === 'appearance') {
          for (let i = 0; i < summary.unlabeled.length; i++) {
            const g = await svc.registration(i);
            const u = summary.unlabeled[i];
            if (stage === 'spatial') {
              this.addScene({ title: `atlas warped to unlabeled ${i}`, note: 'x o phi_i with the warped atlas labels', layers: [{ vol: g.warped, kind: 'image' }, { vol: g.warpedLabels, kind: 'labels' }] }, i === 0);
              this.addScene({ title: `deformation ${i}: Jacobian determinant`, note: `det J of id + u, colour 0 (blue) .. 2 (red); folding voxels (det <= 0) in red: ${(100 * g.foldingFraction).toFixed(2)}% of the grid`, layers: [{ vol: g.jacobian, kind: 'map', colormap: 'jet', calMin: 0, calMax: 2 }, { vol: g.folding, kind: 'labels', table: FOLDING_TABLE, opacity: 1 }] });
            } else if (g.appearance) {
              const m = Math.max(1e-6, ...Array.from(g.appearance.data as Float32Array, Math.abs));
              this.addScene({ title: `appearance change ${i} (psi)`, note: `intensity change psi_i for ${u} in atlas space, colour -${m.toFixed(2)} .. +${m.toFixed(2)}`, layers: [{ vol: g.appearance, kind: 'map', colormap: 'blue2red', calMin: -m, calMax: m }] }, i === 0);
            }
          }
        }
        if (stage === 'synthesize') {
          const n = summary.unlabeled.length;
          for (let k = 0; k < Math.min(4, n * n); k++) {
            const i = k % n, j = (k + 1) % n;
            const [img, lab] = await svc.example(i, j);
            this.addScene({ title: `synthesized: shape ${i}, appearance ${j}`, note: '(x + psi_j) o phi_i with l_x o phi_i', layers: [{ vol: img, kind: 'image' }, { vol: lab, kind: 'labels' }] }, k === 0);
          }
        }
        if (stage === 'evaluate') {
          results = r.results as Json;
          // Shown at the end: test 0 with the best method's prediction.
          const best = results.methods.reduce((a, m) => (m.dice_mean > a.dice_mean ? m : a), results.methods[0]!);
          for (let t = 0; t < summary.tests.length; t++) {
            const [img, truth] = await svc.test(t);
            if (truth) this.addScene({ title: `test ${t}: true labels`, layers: [{ vol: img, kind: 'image' }, { vol: truth, kind: 'labels' }] });
            for (const m of results.methods) {
              const pred = await svc.prediction(m.name as never, t);
              this.addScene({ title: `test ${t}: ${m.name} prediction`, note: `Dice mean ${m.dice_mean.toFixed(3)} over labels (all test scans)`, layers: [{ vol: img, kind: 'image' }, { vol: pred, kind: 'labels' }] }, t === 0 && m === best);
            }
          }
          await svc.saveText('results.json', JSON.stringify(results, null, 2) + '\n');
          this.table(results);
        }
      }
      save('evaluate', true);
      await this.downloads();
      $('s-stage').textContent = `done (run ${runId}, backend ${this.backend?.name})`;
      (window as unknown as { blendwarpResults?: unknown }).blendwarpResults = results;
      document.body.dataset.status = 'done';
      return results;
    } catch (e) {
      const msg = (e as Error).message ?? String(e);
      document.body.dataset.status = `error: ${msg}`;
      $('s-stage').textContent = `stopped: ${msg}`;
      if (/cancelled/.test(msg)) { $('s-resume').hidden = false; $('s-resume').textContent = `Resume run ${runId}`; }
      throw e;
    } finally {
      this.running = false;
      $<HTMLButtonElement>('s-run').disabled = false; $<HTMLButtonElement>('s-cancel').disabled = true;
    }
  }

  private table(r: Json): void {
    const labels = Object.keys(r.labels).filter((l) => r.methods.some((m) => m.per_label[l] !== undefined));
    const head = `<tr><th>method</th><th>Dice mean</th><th>std</th>${labels.map((l) => `<th title="${r.labels[l]}">${r.labels[l]!.replace(/^(Left|Right)-/, (s) => s[0] + '-').slice(0, 14)}</th>`).join('')}</tr>`;
    const rows = r.methods.map((m) => `<tr><td>${m.name}</td><td>${m.dice_mean.toFixed(3)}</td><td>${m.dice_std.toFixed(3)}</td>${labels.map((l) => `<td>${m.per_label[l]?.toFixed(2) ?? '-'}</td>`).join('')}</tr>`).join('');
    $('s-table').innerHTML = `<div style="overflow-x:auto"><table data-table="dice">${head}${rows}</table></div>`;
  }

  private async downloads(): Promise<void> {
    const svc = this.svc!;
    const names = await svc.outputs();
    const box = $('s-downloads');
    box.innerHTML = `<div class="note">${names.length} files (click to download):</div>`;
    for (const n of names) {
      const a = document.createElement('a');
      a.href = '#'; a.textContent = n; a.dataset.output = n;
      a.addEventListener('click', async (e) => {
        e.preventDefault();
        const bytes = await svc.output(n);
        if (!bytes) return;
        const url = URL.createObjectURL(new Blob([bytes as BlobPart]));
        const link = document.createElement('a');
        link.href = url; link.download = n.replace(/\//g, '_');
        link.click();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      });
      box.append(a);
    }
  }
}
