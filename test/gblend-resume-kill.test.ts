// A killed `blendwarp gblend` resumes to identical results: the CLI runs in a child process that is
// killed (SIGKILL, no chance to save anything) when it has written a randomly chosen number of files
// (per-epoch checkpoints under checkpoints/, finished runs under runs/), is rerun after each kill, and
// its final results.json must equal, byte for byte, that of a run never killed. Complements
// test/gblend-resume.test.ts (an in-process abort and resume on every backend).
// Single-backend (wasm) on purpose (docs/testing.md): what it tests is that the files survive a SIGKILL
// and a new process resumes from them, which is host-side; fresh processes on webgpu would spend most of
// their time starting Dawn and compiling shaders on a CPU adapter.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { hostRng } from './harness.js';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'blendwarp.js');
const args = ['gblend', '--backend', 'wasm', '--threads', '1', '--data', 'default', '--quick', '--per-class', '30',
  '--epochs', '4', '--warmup', '1', '--super-epoch', '1', '--seeds', '2', '--methods', 'naive,gblend-online'];
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** Every file under `dir` with its size and mtime, as one string per file (a write shows up as a change). */
function snapshot(dir: string): Set<string> {
  const out = new Set<string>();
  const walk = (d: string) => {
    let names: string[];
    try { names = readdirSync(d); } catch { return; }
    for (const n of names) {
      const p = join(d, n);
      try {
        const s = statSync(p);
        if (s.isDirectory()) walk(p);
        else if (!n.includes('.tmp-')) out.add(`${p}:${s.size}:${s.mtimeMs}`);
      } catch { /* renamed meanwhile */ }
    }
  };
  walk(dir);
  return out;
}

/** Runs the CLI in `dir` (into dir/out); with `killAfter`, SIGKILLs it once it has written that many files (seen by polling). */
function run(dir: string, killAfter?: number): Promise<{ code: number | null; killed: boolean; writes: number; log: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args, '--out', 'out'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BLENDWARP_BACKEND: 'wasm' } });
    let log = '', killed = false, writes = 0;
    let seen = snapshot(join(dir, 'out'));
    const poll = setInterval(() => {
      const now = snapshot(join(dir, 'out'));
      for (const f of now) if (!seen.has(f)) writes++;
      seen = now;
      if (killAfter !== undefined && !killed && writes >= killAfter) { killed = true; child.kill('SIGKILL'); }
    }, 5);
    child.stdout.on('data', (c: Buffer) => { log += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { log += c.toString(); });
    child.on('error', (e) => { clearInterval(poll); fail(e); });
    child.on('exit', (code) => { clearInterval(poll); done({ code, killed, writes, log }); });
  });
}

it('killed after a random number of checkpoint writes and resumed, gblend writes the same results.json', async () => {
  expect(existsSync(join(root, 'dist', 'src', 'cli', 'main.js')), 'dist/ is built (npm run build)').toBe(true);
  const straight = mkdtempSync(join(tmpdir(), 'blendwarp-gb-straight-'));
  const killed = mkdtempSync(join(tmpdir(), 'blendwarp-gb-killed-'));
  dirs.push(straight, killed);
  const s = await run(straight);
  expect(s.code, s.log).toBe(0);
  // Kill points spread over the whole run (the straight run's own count of writes, seen the same way).
  const total = Math.max(4, s.writes);
  const rand = hostRng(Number(process.env.BLENDWARP_KILL_SEED ?? 7));
  const history: string[] = [];
  for (let k = 0; k < 4; k++) {
    const after = 1 + Math.floor(rand() * Math.ceil(total / 4));
    const r = await run(killed, after);
    history.push(`killed after ${after} new file(s): ${r.killed ? 'killed' : `finished first (exit ${r.code})`}`);
    if (!r.killed) expect(r.code, r.log).toBe(0);
  }
  // The killed runs left saved work behind (per-epoch checkpoints), which the next run resumes from.
  expect(snapshot(join(killed, 'out', 'checkpoints')).size, history.join('\n')).toBeGreaterThan(0);
  const last = await run(killed);
  expect(last.code, last.log).toBe(0);
  expect(history.filter((h) => h.endsWith(': killed')).length, history.join('\n')).toBeGreaterThanOrEqual(3);
  expect(readFileSync(join(killed, 'out', 'results.json'), 'utf8'), history.join('\n')).toBe(readFileSync(join(straight, 'out', 'results.json'), 'utf8'));
});
