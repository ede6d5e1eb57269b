// Fused multiply-add for f32x4 kernels: c + a * b. The relaxed builds (asconfig.json targets
// `relaxed*`, `--enable relaxed-simd`) emit f32x4.relaxed_madd, a real FMA on x86 and ARM (one
// rounding, +20% conv throughput measured here); the plain SIMD builds emit mul + add. One set of
// kernel sources serves both: the branch is on a compile-time constant, so only one side is emitted.
// The two builds may differ in the last bits (one rounding vs two); the backend loads one per process.

// @ts-ignore: decorator
@inline export function fmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
