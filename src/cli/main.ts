// The `blendwarp` command line (Node): `run` (the main job), `gblend`, `synth`, `info`, `demo`.
import { parseArgs } from 'node:util';
import './node-inflate.js';
import { setBackend, type BackendName } from '../index.js';
import { collectInfo, formatInfo } from './info.js';
import { runDemo } from './demo.js';
import { parseThreads } from '../backend/wasm/workers.js';

const HELP = `usage: blendwarp <command> [options]

commands:
  run [--out DIR]               the main job: G-Blend comparison on the embedded default data, then
                                MRI synthesis on generated phantoms (quick configurations, no files)
  gblend ...                    Gradient-Blending comparison (blendwarp gblend --help)
  synth <stage>|run ...         learned-transformation MRI synthesis (blendwarp synth --help)
  convert --from vxm|--to vxm IN --out OUT
                                models between blendwarp and PyTorch VoxelMorph (blendwarp convert --help)
  info [--json]                 the runtime and the compute backends available here
  demo [--steps N] [--size S] [--seed K] [--json]
                                learn to register two generated 2D shapes (loss falls, Dice rises)

options for every command:
  --backend wasm|webgpu|auto    compute backend (default: $BLENDWARP_BACKEND or auto)
  --threads N                   threads for the wasm kernels (default: $BLENDWARP_THREADS or every core)
`;

/**
 * Takes `--threads N` / `--threads=N` out of argv (every command accepts it) and passes it on as
 * BLENDWARP_THREADS, which every wasm backend started by this process or its worker threads reads.
 */
export function takeThreads(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { out.push(...argv.slice(i)); break; }
    let v: string | undefined;
    if (a === '--threads') {
      v = argv[++i];
      if (v === undefined) throw new Error('--threads: expected a value (an integer >= 1)');
    } else if (a.startsWith('--threads=')) v = a.slice('--threads='.length);
    else { out.push(a); continue; }
    parseThreads(v, '--threads');
    process.env.BLENDWARP_THREADS = v;
  }
  parseThreads(process.env.BLENDWARP_THREADS);
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = takeThreads(argv);
  // Pipeline commands parse their own flags.
  if (command === 'gblend') return (await import('./gblend.js')).main(rest);
  if (command === 'synth') return (await import('./synth.js')).main(rest);
  if (command === 'convert') return (await import('./convert.js')).main(rest);
  if (command === 'run') return runMainJob(rest);
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(HELP);
    return command ? 0 : 1;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      json: { type: 'boolean', default: false },
      backend: { type: 'string' },
      steps: { type: 'string', default: '150' },
      size: { type: 'string', default: '64' },
      seed: { type: 'string', default: '1' },
    },
    strict: true,
  });
  const backend = (values.backend ?? process.env.BLENDWARP_BACKEND ?? 'auto') as BackendName | 'auto';
  if (!['wasm', 'webgpu', 'auto'].includes(backend)) {
    throw new Error(`--backend: unknown backend "${backend}" (expected wasm, webgpu or auto; also settable as BLENDWARP_BACKEND)`);
  }
  switch (command) {
    case 'info': {
      const report = await collectInfo();
      console.log(values.json ? JSON.stringify(report, null, 2) : formatInfo(report));
      return 0;
    }
    case 'demo': {
      const steps = intFlag('--steps', values.steps!, 1), size = intFlag('--size', values.size!, 16), seed = intFlag('--seed', values.seed!, 0);
      await setBackend(backend);
      await runDemo({ steps, size, seed, json: values.json! });
      return 0;
    }
    default:
      process.stderr.write(`blendwarp: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

function intFlag(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: expected an integer >= ${min}, got "${v}"`);
  return n;
}

/** The main job: both methods on embedded defaults, each in its quick configuration. */
async function runMainJob(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string', default: 'out' }, backend: { type: 'string' } }, strict: true });
  const backend = values.backend ? ['--backend', values.backend] : [];
  const out = values.out!;
  const started = Date.now();
  console.log(`== 1/2 G-Blend: every method on the embedded default data (two degraded views of MNIST digits) -> ${out}/gblend`);
  const g = await (await import('./gblend.js')).main(['--data', 'default', '--quick', '--out', `${out}/gblend`, ...backend]);
  if (g !== 0) return g;
  console.log(`\n== 2/2 MRI synthesis: generated brain-like phantoms, every method -> ${out}/synth`);
  const s = await (await import('./synth.js')).main(['run', '--data', 'default', '--quick', '--out', `${out}/synth`, ...backend]);
  if (s !== 0) return s;
  console.log(`\nmain job done in ${((Date.now() - started) / 1000).toFixed(0)} s: tables above; results.json, SVG plots, PNG montages and NIfTI volumes under ${out}/`);
  return 0;
}
