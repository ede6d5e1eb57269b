import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // No test is timed: work is sized to finish on a busy 2-core machine, and this limit only stops a
    // hung test (a deadlock) from holding CI for ever. A timed-out test would keep running in the
    // background and make the next test fail on its leftovers, so it must never trip on a slow run.
    testTimeout: 45 * 60_000,
    hookTimeout: 45 * 60_000,
    // One wasm memory per worker; 2 cores here.
    pool: 'forks',
    maxWorkers: 2,
  },
});
