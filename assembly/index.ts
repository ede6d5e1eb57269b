// The WebAssembly compute core: every kernel of the wasm backend, compiled to one SIMD module.
//
// Calling convention (shared by every file here):
// - pointers are byte offsets into this module's memory, allocated by the TypeScript side
//   (src/backend/wasm/allocator.ts), 16-byte aligned; kernels never allocate: scratch space is passed in;
// - sizes are i32 element counts, tensors are dense row-major channels-last [N, D, H, W, C];
// - an output is fully overwritten unless the kernel's name ends in `Acc` (accumulates into it).
export * from './memory';
export * from './elementwise';
export * from './reduce';
export * from './shape';
export * from './random';
export * from './linalg';
export * from './optim';
export * from './loss';
export * from './conv';
export * from './pool';
export * from './warp';
export * from './winograd';
