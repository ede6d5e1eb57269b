// Matrix multiply, register-blocked 4 rows x 8 columns with SIMD over columns.
// A is read through (rowStride, colStride), so a transposed A costs nothing; B must be row-major
// [k, n] (the op layer transposes B first when asked).
import { fmadd } from './fma';

export function matmul(a: usize, b: usize, out: usize, batch: i32, m: i32, k: i32, n: i32,
  aRowStride: i32, aColStride: i32, aBatchStride: i32, bBatchStride: i32): void {
  matmulRows(a, b, out, batch, m, k, n, aRowStride, aColStride, aBatchStride, bBatchStride, m * n, 0, 0, 0, batch * m, 0);
}

/**
 * Output rows [r0, r1) of the flattened (batch, m) axis: the unit a thread takes (threads.ts).
 * Product bi is written at out + bi * cBatchStride (m * n: packed), added to what is there with acc != 0.
 * `scratch` (0: none) holds k * 8 f32 per slab, at scratch + slab * k * 32: each k x 8 strip of B is
 * packed there once and read contiguously by every row block.
 */
export function matmulRows(a: usize, b: usize, out: usize, batch: i32, m: i32, k: i32, n: i32,
  aRowStride: i32, aColStride: i32, aBatchStride: i32, bBatchStride: i32, cBatchStride: i32, acc: i32,
  scratch: usize, r0: i32, r1: i32, slab: i32): void {
  const P = scratch != 0 ? scratch + <usize>slab * <usize>k * 32 : 0;
  for (let bi = r0 / m; bi * m < r1; bi++) {
    const A = a + (<usize>(bi * aBatchStride) << 2);
    const B = b + (<usize>(bi * bBatchStride) << 2);
    const C = out + (<usize>bi * <usize>cBatchStride << 2);
    matmulOne(A, B, C, max<i32>(0, r0 - bi * m), min<i32>(m, r1 - bi * m), k, n, aRowStride, aColStride, P, acc != 0);
  }
}

@inline function aAt(A: usize, i: i32, p: i32, rs: i32, cs: i32): f32 {
  return load<f32>(A + (<usize>(i * rs + p * cs) << 2));
}

// Rows [i0, m) of one product (added to C with acc).
function matmulOne(A: usize, B: usize, C: usize, i0: i32, m: i32, k: i32, n: i32, rs: i32, cs: i32, P: usize, acc: bool): void {
  const n8 = n & ~7;
  const m4 = i0 + ((m - i0) & ~3);
  // Column strip outside, row blocks inside: one k x 8 strip of B is reused by every row block. It is
  // packed contiguously first: read in place, its rows are n * 4 bytes apart (4 KiB for n = 1024),
  // all on the same few cache sets, and the strip would not stay cached.
  const packed = P != 0 && m4 - i0 >= 8;
  const bs: usize = packed ? 32 : <usize>n << 2;
  const rsb = <usize>rs << 2, rsb2 = rsb + rsb, rsb3 = rsb2 + rsb, csb = <usize>cs << 2;
  for (let j = 0; j < n8; j += 8) {
    let Bj = B + (<usize>j << 2);
    if (packed) {
      for (let p = 0; p < k; p++) {
        const src = Bj + <usize>p * (<usize>n << 2);
        v128.store(P + (<usize>p << 5), v128.load(src));
        v128.store(P + (<usize>p << 5), v128.load(src, 16), 16);
      }
      Bj = P;
    }
    for (let i = i0; i < m4; i += 4) {
      const r0 = C + (<usize>(i * n + j) << 2), r1 = r0 + (<usize>n << 2), r2 = r1 + (<usize>n << 2), r3 = r2 + (<usize>n << 2);
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      if (acc) {
        c00 = v128.load(r0); c01 = v128.load(r0, 16); c10 = v128.load(r1); c11 = v128.load(r1, 16);
        c20 = v128.load(r2); c21 = v128.load(r2, 16); c30 = v128.load(r3); c31 = v128.load(r3, 16);
      }
      // Pointer walks (A row i at column p, B strip row p); splats straight from memory.
      let pa = A + <usize>i * rsb, brow = Bj;
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(brow), b1 = v128.load(brow, 16);
        const a0 = v128.load32_splat(pa), a1 = v128.load32_splat(pa + rsb);
        const a2 = v128.load32_splat(pa + rsb2), a3 = v128.load32_splat(pa + rsb3);
        c00 = fmadd(a0, b0, c00); c01 = fmadd(a0, b1, c01);
        c10 = fmadd(a1, b0, c10); c11 = fmadd(a1, b1, c11);
        c20 = fmadd(a2, b0, c20); c21 = fmadd(a2, b1, c21);
        c30 = fmadd(a3, b0, c30); c31 = fmadd(a3, b1, c31);
        pa += csb; brow += bs;
      }
      v128.store(r0, c00); v128.store(r0, c01, 16);
      v128.store(r1, c10); v128.store(r1, c11, 16);
      v128.store(r2, c20); v128.store(r2, c21, 16);
      v128.store(r3, c30); v128.store(r3, c31, 16);
    }
  }
  for (let i = i0; i < m4; i += 4) {
    for (let j = n8; j < n; j++) {
      for (let r = 0; r < 4; r++) {
        const cp = C + (<usize>((i + r) * n + j) << 2);
        let s: f32 = acc ? load<f32>(cp) : 0;
        for (let p = 0; p < k; p++) s += aAt(A, i + r, p, rs, cs) * load<f32>(B + (<usize>(p * n + j) << 2));
        store<f32>(cp, s);
      }
    }
  }
  let i = m4;
  for (; i < m; i++) {
    const row = C + (<usize>(i * n) << 2);
    if (!acc) for (let j = 0; j < n; j++) store<f32>(row + (<usize>j << 2), 0);
    for (let p = 0; p < k; p++) {
      const av = aAt(A, i, p, rs, cs);
      const a4 = f32x4.splat(av);
      const brow = B + (<usize>(p * n) << 2);
      let j = 0;
      for (; j + 4 <= n; j += 4) {
        const off = <usize>j << 2;
        v128.store(row + off, fmadd(a4, v128.load(brow + off), v128.load(row + off)));
      }
      for (; j < n; j++) {
        const off = <usize>j << 2;
        store<f32>(row + off, load<f32>(row + off) + av * load<f32>(brow + off));
      }
    }
  }
}
