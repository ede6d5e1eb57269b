// A killed `blendwarp synth run` resumes to identical results: the CLI runs in a child process that
// is killed (SIGKILL, no chance to save anything) at a random step of every stage in turn, rerun
// after each kill, and its final results.json must equal, byte for byte, that of a run never killed.
// Small on purpose: the generated 2D phantoms, 12 steps per network (a checkpoint every 3 steps, so
// most kills resume mid-stage), two segmenters that use every kind of random draw (picks, rand-aug),
// and --refine-steps (its fields saved after the last scan and loaded by every later resume).
// Single-backend (wasm) on purpose (docs/testing.md): what it tests is that the CLI's checkpoint files
// survive a SIGKILL and a new process resumes from them, which is host-side file handling. Seven
// fresh processes on webgpu (Dawn start-up and pipeline compilation on a CPU adapter in each) would
// take minutes of CI; that a resumed run on webgpu gives the same numbers as an uninterrupted one is
// tested in process by test/synth-pipeline.test.ts (cancel and resume, on every backend), and resuming
// a webgpu checkpoint after device loss by test/device-lost.test.ts.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { hostRng } from './harness.js';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'blendwarp.js');
const args = ['synth', 'run', '--data', 'default', '--quick', '--steps', '12', '--synth-count', '2',
  '--methods', 'affine,sas,sas-aug,ours-indep+rand-aug', '--refine-steps', '2', '--backend', 'wasm'];
const stages: [string, number][] = [
  ['spatial', 12], ['refine field 6/6', 2], ['appearance', 12], ['synthesize', 2], ['segment sas-aug', 12],
  ['segment ours-indep+rand-aug', 12], ['evaluate', 10],
];
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** Runs the CLI in `dir` (into dir/out: the same --out for both runs, so the recorded command is the same); with `killAt`, SIGKILLs it once a progress line of that stage reaches that step. */
function run(dir: string, killAt?: { stage: string; step: number }): Promise<{ code: number | null; killed: boolean; log: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args, '--out', 'out'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BLENDWARP_BACKEND: 'wasm' } });
    let log = '', killed = false, pending = '';
    const watch = (chunk: Buffer) => {
      log += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const m = /^(.*?)\s+\[[#-]+\] (\d+)\/(\d+)/.exec(line);
        if (killAt && !killed && m && m[1] === killAt.stage && Number(m[2]) >= killAt.step) { killed = true; child.kill('SIGKILL'); }
      }
    };
    child.stdout.on('data', (c: Buffer) => { log += c.toString(); });
    child.stderr.on('data', watch);
    child.on('error', fail);
    child.on('exit', (code) => done({ code, killed, log }));
  });
}

it('killed at a random step of every stage and resumed, synth run writes the same results.json', async () => {
  expect(existsSync(join(root, 'dist', 'src', 'cli', 'main.js')), 'dist/ is built (npm run build)').toBe(true);
  const straight = mkdtempSync(join(tmpdir(), 'blendwarp-straight-'));
  const killed = mkdtempSync(join(tmpdir(), 'blendwarp-killed-'));
  dirs.push(straight, killed);
  const s = await run(straight);
  expect(s.code, s.log).toBe(0);
  const rand = hostRng(Number(process.env.BLENDWARP_KILL_SEED ?? 13));
  const plan = stages.map(([stage, total]) => ({ stage, step: 1 + Math.floor(rand() * total) }));
  const history: string[] = [];
  for (const k of plan) {
    const r = await run(killed, k);
    history.push(`${k.stage} at step ${k.step}: ${r.killed ? 'killed' : `not reached (exit ${r.code})`}`);
    if (!r.killed) expect(r.code, r.log).toBe(0);
  }
  const last = await run(killed);
  expect(last.code, last.log).toBe(0);
  expect(history.filter((h) => h.includes('killed')).length, history.join('\n')).toBeGreaterThanOrEqual(6);
  expect(readFileSync(join(killed, 'out', 'results.json'), 'utf8'), history.join('\n')).toBe(readFileSync(join(straight, 'out', 'results.json'), 'utf8'));
});
