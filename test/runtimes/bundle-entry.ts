// Entry of the vite bundle built by test/runtimes.test.ts: the package as a browser page would import it.
export * from '../../src/index.js';
