// The op table: the one source of the op names and their kernel codes for TypeScript, AssemblyScript
// and WGSL. A kernel family that switches on an op (unary, unary_grad, binary, reduce) takes the op's
// index in its list below as its code. scripts/gen-opcodes.mjs writes these codes as named constants
// into assembly/opcodes.ts and shaders/opcodes.wgsl at build time (npm run build:wasm and
// node shaders/embed.mjs run it; test/op-table.test.ts fails when either is stale).
// It lives in src/backend because the backends need the codes and an arrow only points downward;
// this module imports nothing, so every layer and the generator can read it.

/** Unary maps: code = index. `step` and `sign` are piecewise constant (no derivative kernel). */
export const UNARY_OPS = [
  'neg', 'abs', 'exp', 'log', 'sqrt', 'square', 'relu', 'leakyRelu', 'sigmoid', 'tanh',
  'clamp', 'affine', 'pow', 'sign', 'reciprocal', 'softplus', 'step',
] as const;
/** Broadcasting binaries: code = index. */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow', 'greater', 'equal'] as const;
/** Reductions along one axis: code = index. */
export const REDUCE_OPS = ['sum', 'max', 'min'] as const;
/** Pooling: code = index. */
export const POOL_OPS = ['max', 'avg'] as const;

export type UnaryOp = (typeof UNARY_OPS)[number];
export type BinaryOp = (typeof BINARY_OPS)[number];
export type ReduceOp = (typeof REDUCE_OPS)[number];
export type PoolOp = (typeof POOL_OPS)[number];
/** Unary ops without a derivative kernel (their gradient is zero). */
export const UNARY_NO_GRAD = ['step', 'sign'] as const;
export type UnaryGradOp = Exclude<UnaryOp, (typeof UNARY_NO_GRAD)[number]>;

function codes<T extends string>(names: readonly T[]): Readonly<Record<T, number>> {
  return Object.freeze(Object.fromEntries(names.map((n, i) => [n, i])) as Record<T, number>);
}

export const UNARY_CODE = codes(UNARY_OPS);
export const BINARY_CODE = codes(BINARY_OPS);
export const REDUCE_CODE = codes(REDUCE_OPS);
export const POOL_CODE = codes(POOL_OPS);

/** The families the generator writes, with the prefix of their constants (UNARY_NEG, BINARY_ADD, ...). */
export const CODE_FAMILIES = { UNARY: UNARY_OPS, BINARY: BINARY_OPS, REDUCE: REDUCE_OPS, POOL: POOL_OPS } as const;
