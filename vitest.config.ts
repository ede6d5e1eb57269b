import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // One wasm memory per worker; 2 cores here.
    pool: 'forks',
    maxWorkers: 2,
  },
});
