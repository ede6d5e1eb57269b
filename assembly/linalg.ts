// Matrix multiply, register-blocked 4 rows x 8 columns with SIMD over columns.
// A is read through (rowStride, colStride), so a transposed A costs nothing; B must be row-major
// [k, n] (the op layer transposes B first when asked).

export function matmul(a: usize, b: usize, out: usize, batch: i32, m: i32, k: i32, n: i32,
  aRowStride: i32, aColStride: i32, aBatchStride: i32, bBatchStride: i32): void {
  for (let bi = 0; bi < batch; bi++) {
    const A = a + (<usize>(bi * aBatchStride) << 2);
    const B = b + (<usize>(bi * bBatchStride) << 2);
    const C = out + (<usize>(bi * m * n) << 2);
    matmulOne(A, B, C, m, k, n, aRowStride, aColStride);
  }
}

@inline function aAt(A: usize, i: i32, p: i32, rs: i32, cs: i32): f32 {
  return load<f32>(A + (<usize>(i * rs + p * cs) << 2));
}

function matmulOne(A: usize, B: usize, C: usize, m: i32, k: i32, n: i32, rs: i32, cs: i32): void {
  const n8 = n & ~7;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    for (let j = 0; j < n8; j += 8) {
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      for (let p = 0; p < k; p++) {
        const brow = B + (<usize>(p * n + j) << 2);
        const b0 = v128.load(brow), b1 = v128.load(brow, 16);
        const a0 = f32x4.splat(aAt(A, i, p, rs, cs)), a1 = f32x4.splat(aAt(A, i + 1, p, rs, cs));
        const a2 = f32x4.splat(aAt(A, i + 2, p, rs, cs)), a3 = f32x4.splat(aAt(A, i + 3, p, rs, cs));
        c00 = f32x4.add(c00, f32x4.mul(a0, b0)); c01 = f32x4.add(c01, f32x4.mul(a0, b1));
        c10 = f32x4.add(c10, f32x4.mul(a1, b0)); c11 = f32x4.add(c11, f32x4.mul(a1, b1));
        c20 = f32x4.add(c20, f32x4.mul(a2, b0)); c21 = f32x4.add(c21, f32x4.mul(a2, b1));
        c30 = f32x4.add(c30, f32x4.mul(a3, b0)); c31 = f32x4.add(c31, f32x4.mul(a3, b1));
      }
      const r0 = C + (<usize>(i * n + j) << 2), r1 = r0 + (<usize>n << 2), r2 = r1 + (<usize>n << 2), r3 = r2 + (<usize>n << 2);
      v128.store(r0, c00); v128.store(r0, c01, 16);
      v128.store(r1, c10); v128.store(r1, c11, 16);
      v128.store(r2, c20); v128.store(r2, c21, 16);
      v128.store(r3, c30); v128.store(r3, c31, 16);
    }
    for (let j = n8; j < n; j++) {
      for (let r = 0; r < 4; r++) {
        let s: f32 = 0;
        for (let p = 0; p < k; p++) s += aAt(A, i + r, p, rs, cs) * load<f32>(B + (<usize>(p * n + j) << 2));
        store<f32>(C + (<usize>((i + r) * n + j) << 2), s);
      }
    }
  }
  for (; i < m; i++) {
    const row = C + (<usize>(i * n) << 2);
    for (let j = 0; j < n; j++) store<f32>(row + (<usize>j << 2), 0);
    for (let p = 0; p < k; p++) {
      const av = aAt(A, i, p, rs, cs);
      const a4 = f32x4.splat(av);
      const brow = B + (<usize>(p * n) << 2);
      let j = 0;
      for (; j + 4 <= n; j += 4) {
        const off = <usize>j << 2;
        v128.store(row + off, f32x4.add(v128.load(row + off), f32x4.mul(a4, v128.load(brow + off))));
      }
      for (; j < n; j++) {
        const off = <usize>j << 2;
        store<f32>(row + off, load<f32>(row + off) + av * load<f32>(brow + off));
      }
    }
  }
}
