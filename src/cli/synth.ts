// `blendwarp synth <stage>`: the learned-transformation pipeline from the command line. Each stage
// command runs the stages before it too, each resuming or loading its checkpoint under --out, so
// `synth spatial` then `synth run` trains the spatial model once.
import { parseArgs } from 'node:util';
import './node-inflate.js';
import { checkOutDir, joinNegativeNumbers } from './args.js';
import { readFile } from 'node:fs/promises';
import { setBackend, type BackendName } from '../index.js';
import { FsStore } from './fs-store.js';
import { ProgressBar } from './progress.js';
import { phantomData, prepareData, type FileRef, type InputFiles, type LabeledFiles } from '../synth/data.js';
import { gridMultiple, METHOD_NAMES, presetConfig, STAGES, SynthPipeline, type MethodName, type Stage } from '../synth/pipeline.js';
import { resultsJson, diceTable } from '../synth/report.js';
import { exportTrainingSet } from '../synth/export.js';

const HELP = `usage: blendwarp synth <stage> [options]

stages (each runs the ones before it, resuming from checkpoints in --out):
  spatial | appearance | synthesize | segment | evaluate | run (= all)

data (one of):
  --data default                    generated brain-like phantoms (no files)
  --atlas VOL --atlas-seg SEG --unlabeled VOL [VOL...] --test VOL:SEG [VOL:SEG...] [--train VOL:SEG...]
                                    NIfTI (.nii/.nii.gz) on one voxel grid; axes permuted or flipped
                                    against the atlas's are reoriented (outputs in each scan's own)
  --val VOL:SEG [VOL:SEG...]        validation scans: every segmenter is kept at the step of its best
                                    validation Dice (and stops after --patience validations without a
                                    better one); never reported as test results
  --unlabeled VOL:SEG                an unlabeled scan with its label map: the map is used ONLY to
                                    report the spatial model's label-transfer Dice (results.json)
  --labels FILE                     names the evaluated label ids: FreeSurfer LUT ("id name r g b a")
                                    or "id name" lines; default: the ids the atlas label map holds
                                    (FreeSurfer aseg ids: the paper's 30 labels); other ids = background

options:
  --out DIR             outputs, checkpoints, results.json and inputs/ (the preprocessed atlas, its labels,
                        the unlabeled and test scans, on the outputs' grid) (default synth-out)
  --dims 2|3            2 on 3D inputs takes one coronal slice (--slice K, default the middle)
  --downsample K        integer down-sampling for CPU runs (default 1)
  --extra-slices a,b    with --dims 2 on 3D input: unlabeled volumes also give slices at +-a, +-b
  --quick               small networks and few steps (tests, the demo); default: SPEC sizes
  --steps N             training steps of every network (overrides the preset)
  --methods a,b,...     among ${METHOD_NAMES.join(', ')} (default all that apply)
  --spatial-steps N, --appearance-steps N, --seg-steps N   per-network step counts
  --sas-finetune N      SAS: N steps of unsupervised test-time optimisation on each (atlas, test) pair
  --refine-steps N      the same optimisation on each unlabeled scan before its field is used for
                        synthesis (the amortised field refined per scan; default 0)
  --seg-batch N         slices (2D) / volumes (3D) per segmenter step (paper preset 4)
  --val-every N         segmenter steps between validation Dice evaluations (default --seg-steps / 20)
  --patience N          stop a segmenter after N validations without improvement (paper preset 5; 0 = never)
  --sas-finetune N      (see above) with N > 0 the table has both sas (amortised, the paper's) and sas-tt
  --appearance-smooth W weight of the appearance model's boundary-masked smoothness (default 1)
  --boundary-radius R   c_x: voxels within R of an atlas label boundary may change sharply (default 1)
  --no-diffeo           plain displacement model (+ a backward network for the inverse)
  --synth-count N       synthesized examples written by the synthesize stage
  --export DIR          (synthesize and later) also write the synthesized training set for PyTorch:
                        DIR/images/NNNN.nii.gz, DIR/labels/NNNN.nii.gz (class indices), index.csv,
                        index.json (docs/voxelmorph.md has a 30-line PyTorch trainer for it)
  --export-count N      examples in DIR (default: --synth-count)
  --seed K              (default 1)
  --json                print results.json to stdout instead of the table
  --backend wasm|webgpu|auto
  --threads N           threads for the wasm kernels (default: $BLENDWARP_THREADS or every core)
`;

async function fileRef(path: string): Promise<FileRef> {
  try {
    return { name: path, bytes: new Uint8Array(await readFile(path)) };
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function pairOf(flag: string, v: string): [string, string] {
  const i = v.lastIndexOf(':');
  if (i <= 0 || i === v.length - 1) throw new Error(`${flag}: expected VOL:SEG, got "${v}"`);
  return [v.slice(0, i), v.slice(i + 1)];
}

function intOpt(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: expected an integer >= ${min}, got "${v}"`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  const [stageArg, ...rest] = argv;
  if (!stageArg || stageArg === '--help' || stageArg === '-h' || stageArg === 'help') {
    process.stdout.write(HELP);
    return stageArg ? 0 : 1;
  }
  const stage: Stage | null = stageArg === 'run' ? 'evaluate' : (STAGES as readonly string[]).includes(stageArg) ? (stageArg as Stage) : null;
  if (!stage) {
    process.stderr.write(`blendwarp synth: unknown stage "${stageArg}"\n\n${HELP}`);
    return 2;
  }
  const { values, tokens } = parseArgs({
    args: joinNegativeNumbers(rest, ['dims', 'slice', 'downsample', 'steps', 'synth-count', 'spatial-steps', 'appearance-steps', 'seg-steps', 'sas-finetune', 'refine-steps', 'appearance-smooth', 'seg-batch', 'val-every', 'patience', 'boundary-radius', 'export-count', 'extra-slices', 'seed']),
    options: {
      data: { type: 'string' }, atlas: { type: 'string' }, labels: { type: 'string' }, 'atlas-seg': { type: 'string' },
      unlabeled: { type: 'string', multiple: true }, test: { type: 'string', multiple: true }, train: { type: 'string', multiple: true }, val: { type: 'string', multiple: true },
      'seg-batch': { type: 'string' }, 'val-every': { type: 'string' }, patience: { type: 'string' },
      out: { type: 'string', default: 'synth-out' }, dims: { type: 'string' }, slice: { type: 'string' }, downsample: { type: 'string', default: '1' },
      quick: { type: 'boolean', default: false }, steps: { type: 'string' }, methods: { type: 'string' }, 'no-diffeo': { type: 'boolean', default: false },
      'synth-count': { type: 'string' }, 'spatial-steps': { type: 'string' }, 'appearance-steps': { type: 'string' }, 'seg-steps': { type: 'string' }, 'sas-finetune': { type: 'string' }, export: { type: 'string' }, 'export-count': { type: 'string' }, 'refine-steps': { type: 'string' }, 'appearance-smooth': { type: 'string' }, 'boundary-radius': { type: 'string' }, 'extra-slices': { type: 'string' }, seed: { type: 'string', default: '1' }, json: { type: 'boolean', default: false }, backend: { type: 'string' },
    },
    allowPositionals: true, strict: true, tokens: true,
  });
  // "--unlabeled A B C": positionals belong to the list option before them.
  const lists: Record<'unlabeled' | 'test' | 'train' | 'val', string[]> = { unlabeled: [...(values.unlabeled ?? [])], test: [...(values.test ?? [])], train: [...(values.train ?? [])], val: [...(values.val ?? [])] };
  let current: keyof typeof lists | null = null;
  for (const t of tokens ?? []) {
    if (t.kind === 'option') current = t.name === 'unlabeled' || t.name === 'test' || t.name === 'train' || t.name === 'val' ? t.name : null;
    else if (t.kind === 'positional') {
      if (!current) throw new Error(`blendwarp synth: unexpected argument "${t.value}" (see --help)`);
      lists[current].push(t.value);
    }
  }
  const backend = (values.backend ?? process.env.BLENDWARP_BACKEND ?? 'auto') as BackendName | 'auto';
  if (!['wasm', 'webgpu', 'auto'].includes(backend)) throw new Error(`--backend: unknown backend "${backend}" (wasm, webgpu or auto)`);
  const dims = intOpt('--dims', values.dims, 2) as 2 | 3 | undefined;
  if (dims !== undefined && dims !== 2 && dims !== 3) throw new Error(`--dims: expected 2 or 3, got ${dims}`);
  const methods = values.methods?.split(',').map((m) => m.trim()) as MethodName[] | undefined;
  for (const m of methods ?? []) if (!METHOD_NAMES.includes(m)) throw new Error(`--methods: unknown method "${m}" (expected ${METHOD_NAMES.join(', ')})`);
  const config = presetConfig(values.quick ? 'quick' : 'paper', { steps: intOpt('--steps', values.steps, 1), seed: intOpt('--seed', values.seed, 0), methods });
  if (values['no-diffeo']) config.spatial.diffeomorphic = false;
  config.spatial.steps = intOpt('--spatial-steps', values['spatial-steps'], 0) ?? config.spatial.steps;
  config.appearance.steps = intOpt('--appearance-steps', values['appearance-steps'], 0) ?? config.appearance.steps;
  config.segmenter.steps = intOpt('--seg-steps', values['seg-steps'], 0) ?? config.segmenter.steps;
  config.segmenter.batch = intOpt('--seg-batch', values['seg-batch'], 1) ?? config.segmenter.batch;
  config.segmenter.validateEvery = intOpt('--val-every', values['val-every'], 1) ?? config.segmenter.validateEvery;
  const patience = intOpt('--patience', values.patience, 0);
  if (patience !== undefined) config.segmenter.patience = patience === 0 ? undefined : patience;
  config.spatial.testTimeSteps = intOpt('--sas-finetune', values['sas-finetune'], 0) ?? 0;
  config.spatial.refineSteps = intOpt('--refine-steps', values['refine-steps'], 0) ?? 0;
  config.appearance.boundaryRadius = intOpt('--boundary-radius', values['boundary-radius'], 0) ?? 1;
  if (values['appearance-smooth'] !== undefined) {
    const w = Number(values['appearance-smooth']);
    if (!Number.isFinite(w) || w < 0) throw new Error(`--appearance-smooth: expected a number >= 0, got "${values['appearance-smooth']}"`);
    config.appearance.smoothWeight = w;
  }
  const count = intOpt('--synth-count', values['synth-count'], 0);
  if (count !== undefined) config.synthCount = count;
  const multiple = gridMultiple(config);
  const exportCount = intOpt('--export-count', values['export-count'], 1) ?? config.synthCount;
  if (values.export !== undefined && STAGES.indexOf(stage) < STAGES.indexOf('synthesize')) {
    throw new Error(`--export: the training set exists from the synthesize stage on; run "synth synthesize --export ${values.export}" (or a later stage), not "${stageArg}"`);
  }
  checkOutDir('--out', values.out!);

  let data;
  if (values.data !== undefined) {
    if (values.data !== 'default') throw new Error(`--data: only "default" (generated phantoms) is built in, got "${values.data}"`);
    if (values.atlas || lists.unlabeled.length || lists.test.length || lists.val.length) throw new Error('--data default and --atlas/--unlabeled/--test/--val exclude each other');
    if (values.labels) throw new Error('--labels applies to --atlas/--atlas-seg data; the phantoms (--data default) carry FreeSurfer labels');
    data = phantomData({ dims: dims ?? 2, multiple, seed: config.seed });
  } else {
    if (!values.atlas || !values['atlas-seg']) throw new Error('give --atlas VOL and --atlas-seg SEG (or --data default)');
    const labeled = async (flag: string, v: string): Promise<LabeledFiles> => {
      const [vol, seg] = pairOf(flag, v);
      return { vol: await fileRef(vol), seg: await fileRef(seg) };
    };
    const files: InputFiles = {
      atlas: { vol: await fileRef(values.atlas), seg: await fileRef(values['atlas-seg']) },
      unlabeled: await Promise.all(lists.unlabeled.map((v) => fileRef(v.includes(':') ? pairOf('--unlabeled', v)[0] : v))),
      unlabeledSegs: await Promise.all(lists.unlabeled.map((v) => (v.includes(':') ? fileRef(pairOf('--unlabeled', v)[1]) : undefined))),
      tests: await Promise.all(lists.test.map((v) => labeled('--test', v))),
      train: await Promise.all(lists.train.map((v) => labeled('--train', v))),
      val: await Promise.all(lists.val.map((v) => labeled('--val', v))),
      ...(values.labels ? { labels: await fileRef(values.labels) } : {}),
    };
    data = await prepareData(files, { downsample: intOpt('--downsample', values.downsample, 1)!, dims, slice: intOpt('--slice', values.slice, 0), multiple,
      extraSlices: values['extra-slices']?.split(',').map((v) => intOpt('--extra-slices', v.trim(), 1)!) });
  }

  await setBackend(backend);
  const store = new FsStore(values.out!);
  let bar: ProgressBar | null = null, barStage = '';
  const pipeline = new SynthPipeline(data, config, store, (p) => {
    if (p.stage !== barStage) { bar = new ProgressBar(Math.max(1, p.total), p.stage.padEnd(26)); barStage = p.stage; }
    bar!.update(p.step, p.loss !== undefined ? `loss ${p.loss.toFixed(4)}` : (p.message ?? ''));
  });
  // Ctrl-C: the running stage saves its checkpoint and stops; a rerun resumes.
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    process.stderr.write(`synth: ${data.notes.join('; ')}; grid ${data.shape.join(' x ')} (${data.dims}D); atlas ${data.atlas.name}, ${data.unlabeled.length} unlabeled, ${data.tests.length} test\n`);
    const results = await pipeline.run(stage, abort.signal);
    if (values.export !== undefined) {
      const exportBar = new ProgressBar(exportCount, 'export'.padEnd(26));
      const ex = await exportTrainingSet(pipeline, new FsStore(values.export), exportCount, (k) => exportBar.update(k, ''));
      process.stdout.write(`exported ${ex.length} synthesized (image, label) pairs to ${values.export}/ (images/, labels/, index.csv, index.json)\n`);
    }
    if (results) {
      const json = resultsJson(results, { config: { preset: values.quick ? 'quick' : 'paper', ...config }, command: `blendwarp synth ${argv.join(' ')}` });
      await store.save('results.json', new TextEncoder().encode(json));
      await store.save('timings.json', new TextEncoder().encode(JSON.stringify({ timings_s: Object.fromEntries(Object.entries(results.timings).map(([k, v]) => [k, Math.round(v * 10) / 10])) }, null, 2) + '\n'));
      if (values.json) process.stdout.write(json);
      else {
        process.stdout.write(`\n${diceTable(results)}\nstage times (s): ${Object.entries(results.timings).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}\n`);
        process.stdout.write(`wrote ${values.out}/results.json, timings.json, table.md, dice-per-label.svg, predictions/, synth/, inputs/ (the preprocessed atlas, its labels, the unlabeled and test scans)\n`);
      }
    } else {
      process.stdout.write(`synth ${stageArg}: done (stage times: ${Object.entries(pipeline.timings).map(([k, v]) => `${k} ${v.toFixed(1)}s`).join(', ')}); outputs in ${values.out}\n`);
    }
  } finally {
    process.off('SIGINT', onSigint);
    pipeline.dispose();
  }
  return 0;
}
