// The `blendwarp` command line (Node): `info`, `demo`; later `gblend` and `synth`.
import { parseArgs } from 'node:util';
import { setBackend, type BackendName } from '../index.js';
import { collectInfo, formatInfo } from './info.js';
import { runDemo } from './demo.js';

const HELP = `usage: blendwarp <command> [options]

commands:
  info [--json]                 the runtime and the compute backends available here
  demo [--steps N] [--size S] [--seed K] [--json]
                                learn to register two generated 2D shapes (loss falls, Dice rises)

options for every command:
  --backend wasm|webgpu|auto    compute backend (default: $BLENDWARP_BACKEND or auto)
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // Pipeline commands parse their own flags.
  if (command === 'gblend') return (await import('./gblend.js')).main(rest);
  if (command === 'synth') return (await import('./synth.js')).main(rest);
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
