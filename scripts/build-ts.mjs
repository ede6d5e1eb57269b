// Compiles the TypeScript into dist/ without a window in which dist/ is missing or half written:
// tsc writes into dist.next/, which then replaces dist/ by two renames. A long `blendwarp` run
// started from dist/ keeps working while someone rebuilds (stale files of deleted sources are gone,
// as with a clean build).
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
rmSync('dist.next', { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--outDir', 'dist.next'], { stdio: 'inherit' });
} catch {
  rmSync('dist.next', { recursive: true, force: true });
  process.exit(1);
}
rmSync('dist.old', { recursive: true, force: true });
if (existsSync('dist')) renameSync('dist', 'dist.old');
renameSync('dist.next', 'dist');
rmSync('dist.old', { recursive: true, force: true });
