// G-Blend lab: default data or a manifest folder, the chosen methods trained one after another in a
// worker (checkpoints every epoch in IndexedDB, finished methods kept, so a reload resumes), live
// plots of each head's training and validation loss, the OGR per head and the blend weights, the
// results table (the CLI's results.json layout) and downloads.
import * as Comlink from 'comlink';
import { createStore, get, set } from 'idb-keyval';
import { aggregate, allMethods, DEFAULT_GUARDS, formatP, gblendStatistics, statisticsJson, type GBlendOptions, type MethodResult, type ProgressEvent } from 'blendwarp/gblend';
import type { DataSource, DataSummary, GBlendWorkerApi } from './gblend.worker';
import type { BackendReport } from './backend';
import { lineChart } from './plot';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const finished = () => createStore('blendwarp-gblend', 'runs');

export interface GBlendConfig {
  data: 'default' | 'folder';
  epochs: number;
  seeds: number;
  methods?: string[];
  quick: boolean;
  /** Methods ticked in the form (for another data set's modalities: uni:* maps to this data's). */
  fromForm?: boolean;
  trainPerClass?: number;
  testPerClass?: number;
  /** K >= 2: K-fold cross-validation (`blendwarp gblend --folds K`); 0 or absent: the data's split. */
  folds?: number;
}

async function hashOf(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(d.slice(0, 6), (b) => b.toString(16).padStart(2, '0')).join('');
}

export class GBlendLab {
  private svc: Comlink.Remote<GBlendWorkerApi> | null = null;
  private backend: BackendReport | null = null;
  private folder: File[] = [];
  private heads: string[] = [];
  private epochs: { epoch: number; train: (number | null)[]; val: (number | null)[]; ogr: (number | null)[] }[] = [];
  private weights: { epoch: number; w: number[] }[] = [];
  private current = '';
  private files = new Map<string, string>();
  running = false;

  constructor(private readonly backendChoice: 'auto' | 'wasm' | 'webgpu', private readonly onBackend: (r: BackendReport) => void) {
    $<HTMLInputElement>('g-folder').addEventListener('change', (e) => {
      this.folder = [...((e.target as HTMLInputElement).files ?? [])];
      $<HTMLSelectElement>('g-data').value = 'folder';
      $('g-notes').textContent = `${this.folder.length} files chosen`;
    });
    $('g-run').addEventListener('click', () => { void this.run(this.formConfig()).catch(() => {}); });
    $('g-cancel').addEventListener('click', () => { void this.svc?.cancel(); });
    this.methodBoxes(['left', 'right']);
  }

  private methodBoxes(mods: string[], checked?: string[]): void {
    const box = $('g-methods');
    box.innerHTML = '';
    for (const m of allMethods(mods)) {
      const l = document.createElement('label');
      l.innerHTML = `<input type="checkbox" value="${m}" ${!checked || checked.includes(m) ? 'checked' : ''}> ${m}`;
      box.append(l);
    }
  }

  private formConfig(): GBlendConfig {
    const methods = [...document.querySelectorAll<HTMLInputElement>('#g-methods input:checked')].map((i) => i.value);
    return { data: $<HTMLSelectElement>('g-data').value as 'default' | 'folder', epochs: Math.max(1, Number($<HTMLInputElement>('g-epochs').value) || 8), seeds: Math.max(1, Number($<HTMLInputElement>('g-seeds').value) || 1), folds: Math.max(0, Math.floor(Number($<HTMLInputElement>('g-folds').value) || 0)), methods, quick: true, fromForm: true };
  }

  private async ensureWorker(): Promise<Comlink.Remote<GBlendWorkerApi>> {
    if (this.svc) return this.svc;
    const w = new Worker(new URL('./gblend.worker.ts', import.meta.url), { type: 'module' });
    this.svc = Comlink.wrap<GBlendWorkerApi>(w);
    this.backend = await this.svc.start(this.backendChoice);
    this.onBackend(this.backend);
    return this.svc;
  }

  private onProgress = (e: ProgressEvent): void => {
    if (e.type === 'step') {
      $('g-stage').textContent = `${this.current}: ${e.job} epoch ${e.epoch + 1}, step ${e.step}/${e.steps}, loss ${e.loss.toFixed(3)}`;
    } else if (e.type === 'estimate-head') {
      $('g-stage').textContent = `${this.current}: estimating head ${this.heads[e.head] ?? e.head}, epoch ${e.epoch + 1}/${e.epochs}`;
    } else if (e.type === 'epoch') {
      const r = e.record;
      this.epochs.push({ epoch: r.epoch, train: r.train.map((h) => h?.loss ?? null), val: r.val.map((h) => h?.loss ?? null), ogr: r.ogr });
      this.draw();
    } else if (e.type === 'weights') {
      this.weights.push({ epoch: e.estimate.epoch, w: e.estimate.weights });
      this.draw();
    }
  };

  private draw(): void {
    const lines = (pick: (x: (typeof this.epochs)[number]) => (number | null)[], dashed = false, suffix = '') => this.heads.map((h, k) => ({
      name: `${h}${suffix}`, dashed, points: this.epochs.map((x) => [x.epoch, pick(x)[k] ?? NaN] as [number, number]),
    })).filter((l) => l.points.some((p) => Number.isFinite(p[1])));
    $('g-loss').innerHTML = lineChart(`${this.current}: loss per head (dashed: validation)`, [...lines((x) => x.train), ...lines((x) => x.val, true, ' val')], { xLabel: 'epoch' });
    $('g-ogr').innerHTML = lineChart(`${this.current}: OGR per head`, lines((x) => x.ogr), { xLabel: 'epoch' });
    $('g-weights').innerHTML = lineChart(`${this.current}: blend weights at each estimate`, this.heads.map((h, k) => ({ name: h, points: this.weights.map((x) => [x.epoch, x.w[k] ?? NaN] as [number, number]) })), { xLabel: 'epoch' });
  }

  private async source(cfg: GBlendConfig): Promise<DataSource> {
    const folds = cfg.folds && cfg.folds > 0 ? { folds: cfg.folds } : {};
    if (cfg.data === 'default') return { kind: 'default', trainPerClass: cfg.trainPerClass ?? 300, testPerClass: cfg.testPerClass ?? 100, ...folds };
    if (this.folder.length === 0) throw new Error('manifest folder: choose a folder with manifest.json first');
    return { ...folds, kind: 'folder', files: await Promise.all(this.folder.map(async (f) => ({ path: (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name, bytes: new Uint8Array(await f.arrayBuffer()) }))) };
  }

  /** Runs the chosen methods and seeds; returns results.json's object. */
  async run(cfg: GBlendConfig): Promise<Record<string, unknown>> {
    if (this.running) throw new Error('a run is in progress');
    this.running = true;
    $<HTMLButtonElement>('g-run').disabled = true; $<HTMLButtonElement>('g-cancel').disabled = false;
    document.body.dataset.status = 'running';
    try {
      const svc = await this.ensureWorker();
      $('g-stage').textContent = 'loading the data...';
      const src = await this.source(cfg);
      const summary: DataSummary = await svc.loadData(src);
      $('g-notes').textContent = summary.notes.join('; ');
      const mods = summary.modalities.map((m) => m.name);
      this.heads = [...mods, 'fused'];
      const known = allMethods(mods);
      let methods = cfg.methods?.length ? cfg.methods : known;
      if (cfg.fromForm) {
        // The boxes were made for the previous data's modalities: ticked uni:* means every unimodal run here.
        const uni = mods.map((m) => `uni:${m}`);
        methods = [...new Set(methods.flatMap((m) => (known.includes(m) ? [m] : m.startsWith('uni:') ? uni : [])))];
        if (methods.length === 0) throw new Error('tick at least one method');
      }
      for (const m of methods) if (!known.includes(m)) throw new Error(`unknown method "${m}" (expected some of: ${known.join(', ')})`);
      this.methodBoxes(mods, methods);
      $<HTMLInputElement>('g-epochs').value = String(cfg.epochs); $<HTMLInputElement>('g-seeds').value = String(cfg.seeds);
      $<HTMLInputElement>('g-folds').value = String(cfg.folds ?? 0);
      const plan = summary.plan ?? null;
      /** The units run: every fold of the plan, or the data's one split (null). */
      const folds: (number | null)[] = plan ? plan.folds.map((f) => f.fold) : [null];
      const foldSizes = new Map<number, { train: number; test: number }>();
      const opts: GBlendOptions = {
        epochs: cfg.epochs,
        train: { optimizer: 'adam', lr: 1e-3, batchSize: 32, weightDecay: 0, trainEvalSize: 1000 },
        encoders: Object.fromEntries(mods.map((m) => [m, { kind: 'mlp' as const, hidden: [128, 64] }])),
        valFraction: 0.1, metric: 'loss', warmup: cfg.quick ? 3 : 10, superEpoch: cfg.quick ? 2 : 5, guards: { ...DEFAULT_GUARDS },
      };
      const dataKey = src.kind === 'default' ? src : { files: src.files.map((f) => `${f.path}:${f.bytes.length}`), ...(src.folds ? { folds: src.folds } : {}) };
      const runId = await hashOf(JSON.stringify({ dataKey, opts, backend: this.backend?.name }));
      const results: MethodResult[] = [];
      const bar = $<HTMLProgressElement>('g-progress');
      bar.max = folds.length * methods.length * cfg.seeds; bar.value = 0;
      for (const fold of folds) {
        if (fold !== null) foldSizes.set(fold, await svc.foldSizes(fold));
        for (let seed = 1; seed <= cfg.seeds; seed++) {
          for (const name of methods) {
            const unit = `${fold === null ? '' : `fold ${fold}, `}seed ${seed}`;
            this.current = `${name} (${unit})`;
            this.epochs = []; this.weights = [];
            const key = fold === null ? `${runId}/${seed}/${name}` : `${runId}/f${fold}/${seed}/${name}`;
            console.info(`gblend: ${name} ${unit} (run ${runId}, backend ${this.backend?.name})`);
            let r = await get<MethodResult>(key, finished());
            if (!r) {
              r = await svc.train(name, opts, seed, runId, Comlink.proxy(this.onProgress), fold ?? undefined);
              await set(key, r, finished());
            } else {
              for (const h of r.history) this.onProgress({ type: 'epoch', job: name, record: h });
              for (const est of r.estimates) this.onProgress({ type: 'weights', job: name, estimate: est });
            }
            results.push(r);
            bar.value++;
            this.tableOf(aggregate(results));
          }
        }
      }
      const agg = aggregate(results);
      const stats = gblendStatistics(results);
      this.statsOf(stats);
      const json = {
        methods: agg.map((a) => ({ name: a.name, top1: a.top1, top1_std: a.top1_std, top5: a.top5, top5_std: a.top5_std, ...(a.mAP !== undefined ? { mAP: a.mAP, mAUC: a.mAUC } : {}), weights: a.weights, seeds: a.seeds, ...(a.folds !== undefined ? { folds: a.folds } : {}) })),
        data: { kind: cfg.data, notes: summary.notes, modalities: summary.modalities, train: summary.train, test: summary.test },
        ...statisticsJson(results, stats, plan, foldSizes),
        config: { seeds: cfg.seeds, ...(plan ? { folds: plan.k } : {}), quick: cfg.quick, ...opts },
        runs: results.map((r) => ({ name: r.name, seed: r.seed, ...(r.fold !== undefined ? { fold: r.fold } : {}), top1: r.top1, top5: r.top5, weights: r.weights, validation: r.validation, testHeads: r.testHeads, estimates: r.estimates, history: r.history })),
        command: `web app G-Blend lab (backend ${this.backend?.name})`,
      };
      this.files.set('results.json', JSON.stringify(json, null, 1));
      // The plots of the last method run, as drawn.
      for (const [f, id] of [['losses.svg', 'g-loss'], ['ogr.svg', 'g-ogr'], ['weights.svg', 'g-weights']] as const) this.files.set(f, $(id).innerHTML);
      this.downloads();
      $('g-stage').textContent = `done: ${results.length} runs (backend ${this.backend?.name})`;
      (window as unknown as { blendwarpResults?: unknown }).blendwarpResults = json;
      document.body.dataset.status = 'done';
      return json;
    } catch (e) {
      document.body.dataset.status = `error: ${(e as Error).message}`;
      $('g-stage').textContent = `stopped: ${(e as Error).message}`;
      throw e;
    } finally {
      this.running = false;
      $<HTMLButtonElement>('g-run').disabled = false; $<HTMLButtonElement>('g-cancel').disabled = true;
    }
  }

  private tableOf(agg: ReturnType<typeof aggregate>): void {
    const pct = (v: number) => (100 * v).toFixed(1);
    const rows = agg.map((a) => `<tr><td>${a.name}</td><td>${pct(a.top1)} ± ${pct(a.top1_std)}</td><td>${pct(a.top5)}</td><td>${a.weights ? this.heads.map((h) => (a.weights![h] ?? NaN).toFixed(3)).join(', ') : '-'}</td></tr>`).join('');
    $('g-table').innerHTML = `<table data-table="gblend"><tr><th>method</th><th>top-1 %</th><th>top-5 %</th><th>weights [${this.heads.join(', ')}]</th></tr>${rows}</table>`;
  }

  /** The regime line, per-fold top-1 and the paired comparisons under the table. */
  private statsOf(st: ReturnType<typeof gblendStatistics>): void {
    const pct = (v: number) => (100 * v).toFixed(1);
    const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    const parts: string[] = [];
    if (st.regime) parts.push(`<p data-regime>${esc(st.regime)}</p>`);
    if (st.folds.length) {
      const names = [...new Set(st.perFold.map((p) => p.name))];
      const rows = names.map((n) => `<tr><td>${esc(n)}</td>${st.folds.map((f) => { const x = st.perFold.find((p) => p.name === n && p.fold === f); return `<td>${x ? pct(x.top1) : '-'}</td>`; }).join('')}</tr>`).join('');
      parts.push(`<table data-table="per-fold"><tr><th>top-1 % per fold</th>${st.folds.map((f) => `<th>fold ${f}</th>`).join('')}</tr>${rows}</table>`);
    }
    if (st.comparisons.length) {
      const rows = st.comparisons.map((c) => `<tr><td>${esc(c.a)}</td><td>${esc(c.b)}</td><td>${(100 * c.mean_diff).toFixed(1)}</td><td>[${(100 * c.ci95[0]).toFixed(1)}, ${(100 * c.ci95[1]).toFixed(1)}]</td><td>${esc(formatP(c.p_value))}</td><td>${c.n}</td></tr>`).join('');
      parts.push(`<table data-table="comparisons"><tr><th>a</th><th>b</th><th>a - b (points)</th><th>95% CI</th><th>p (Wilcoxon)</th><th>n ${st.folds.length ? '(seed, fold)' : 'seeds'}</th></tr>${rows}</table>`);
    }
    $('g-stats').innerHTML = parts.join('');
  }

  private downloads(): void {
    const box = $('g-downloads');
    box.innerHTML = '';
    for (const [n, text] of this.files) {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([text], { type: n.endsWith('.svg') ? 'image/svg+xml' : 'application/json' }));
      a.download = n; a.textContent = n; a.dataset.output = n;
      box.append(a);
    }
  }
}
