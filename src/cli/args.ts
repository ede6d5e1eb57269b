// Small helpers shared by the command-line faces: input problems found before any work starts.
import { statSync } from 'node:fs';

/**
 * Node's parseArgs reads "--steps -3" as a flag "-3" with its own confusing message; joining a
 * negative number to the option before it ("--steps=-3") lets the option's own check say
 * "--steps: expected an integer >= 1, got "-3"".
 */
export function joinNegativeNumbers(argv: string[], stringOptions: Iterable<string>): string[] {
  const takes = new Set([...stringOptions].map((o) => `--${o}`));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!, next = argv[i + 1];
    if (takes.has(a) && next !== undefined && /^-(\d|\.\d|Infinity|NaN)/.test(next)) { out.push(`${a}=${next}`); i++; } else out.push(a);
  }
  return out;
}

/** `--out` must be a folder or not exist yet; a file there would fail later with a raw ENOTDIR. */
export function checkOutDir(flag: string, path: string): void {
  let st;
  try { st = statSync(path); } catch { return; }
  if (!st.isDirectory()) throw new Error(`${flag} ${path}: is a file, expected a folder (or a path that does not exist yet)`);
}
