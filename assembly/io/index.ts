// The CPU-side kernels of io and the pipelines' preprocessing, compiled to their own small module
// (build/blendwarp-io.wasm, embedded as base64 in src/io/io-wasm-binary.ts by scripts/build-wasm.mjs;
// loaded lazily and asynchronously by src/io/kernels.ts). Separate from the compute core in
// assembly/index.ts: it owns its memory (no shared memory, no threads) and knows nothing of tensors.
//
// Calling convention: pointers are byte offsets into this module's memory, laid out by the
// TypeScript side above heapBase(); kernels never allocate, scratch space is passed in; outputs are
// fully overwritten.
export function heapBase(): usize {
  return (__heap_base + 63) & ~(<usize>63);
}
export * from './nifti';
export * from './audio';
export * from './resample';
