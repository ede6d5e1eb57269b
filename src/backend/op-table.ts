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

/**
 * How an op's gradient is tested:
 *   'check'            differentiable: its test case checks autograd against finite differences;
 *   { adjointOf: op }  a backward kernel: checked by the gradient check of the op it differentiates;
 *   { none: reason }   no gradient (integer or random output, an update rule, a statistic).
 */
export type GradSpec = 'check' | { readonly adjointOf: string } | { readonly none: string };

export interface KernelSpec {
  /** The ops or modes the kernel switches on; each is a test case `kernel.variant` of its own. */
  readonly variants?: readonly string[];
  readonly grad: GradSpec;
  /** Variants without a gradient (comparisons), with the reason. */
  readonly noGrad?: Readonly<Record<string, string>>;
}

const none = (reason: string) => ({ none: reason }) as const;
const adjointOf = <T extends string>(op: T) => ({ adjointOf: op }) as const;

/**
 * Every op the backends implement: the kernels of the Backend interface (src/backend/backend.ts; a
 * compile-time check in src/backend/kernel-names.ts keeps the two equal). test/op-table.test.ts fails
 * when a backend has a kernel not listed here, or when a listed op (each variant) lacks its float64
 * reference, its test case (run on every backend by test/elementwise.test.ts or test/kernels.test.ts)
 * or its gradient check.
 */
export const KERNELS = {
  fill: { grad: none('creates a constant') },
  copy: { grad: none('a raw copy; autograd uses it for identities') },
  castI32ToF32: { grad: none('integer input') },
  castF32ToI32: { grad: none('integer output') },
  permute: { grad: 'check' },
  slice: { grad: 'check' },
  paste: { grad: 'check' },
  gather: { grad: 'check' },
  scatterAddAcc: { grad: adjointOf('gather') },
  oneHot: { grad: none('integer input') },
  unary: { variants: UNARY_OPS, grad: 'check' },
  unaryGrad: { grad: adjointOf('unary') },
  binary: { variants: BINARY_OPS, grad: 'check', noGrad: { greater: 'a 0/1 mask', equal: 'a 0/1 mask' } },
  select: { grad: 'check' },
  reduce: { variants: REDUCE_OPS, grad: 'check' },
  argmax: { grad: none('integer output') },
  dotAcc: { grad: none('a statistic of gradient lists (G-Blend), outside autograd') },
  matmul: { grad: 'check' },
  conv3d: { grad: 'check' },
  conv3dBackwardInput: { grad: adjointOf('conv3d') },
  conv3dBackwardWeight: { grad: adjointOf('conv3d') },
  pool: { variants: POOL_OPS, grad: 'check' },
  poolBackward: { grad: adjointOf('pool') },
  upsample: { variants: ['nearest', 'linear'], grad: 'check' },
  upsampleBackward: { grad: adjointOf('upsample') },
  warp: { grad: 'check' },
  warpBackward: { grad: adjointOf('warp') },
  warpNearest: { grad: none('nearest-neighbour sampling of labels: piecewise constant') },
  boxSum: { grad: 'check' },
  softmaxCrossEntropy: { grad: 'check' },
  softmaxCrossEntropyBackward: { grad: adjointOf('softmaxCrossEntropy') },
  softmax: { grad: none('evaluation only (train through softmaxCrossEntropy)') },
  labelCountsAcc: { grad: none('integer counts (Dice)') },
  randomUniform: { grad: none('a random draw') },
  randomNormal: { grad: none('a random draw') },
  dropoutMask: { grad: none('a random mask') },
  sgdUpdate: { grad: none('an update rule') },
  adamUpdate: { grad: none('an update rule') },
  adagradUpdate: { grad: none('an update rule') },
} as const satisfies Record<string, KernelSpec>;

export type KernelName = keyof typeof KERNELS;

/** The test case ids the table requires: `kernel` or `kernel.variant`; backward kernels have none. */
export function requiredCases(): { id: string; kernel: KernelName; grad: boolean }[] {
  const out: { id: string; kernel: KernelName; grad: boolean }[] = [];
  for (const [kernel, specAny] of Object.entries(KERNELS) as [KernelName, KernelSpec][]) {
    const spec = specAny;
    if (typeof spec.grad === 'object' && 'adjointOf' in spec.grad) continue;
    const wantsGrad = spec.grad === 'check';
    if (!spec.variants) out.push({ id: kernel, kernel, grad: wantsGrad });
    else for (const v of spec.variants) out.push({ id: `${kernel}.${v}`, kernel, grad: wantsGrad && !(spec.noGrad && v in spec.noGrad) });
  }
  return out;
}
