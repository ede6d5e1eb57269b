// Winograd F(2x2, 3x3) and F(4x4, 3x3) for 3x3, stride-1 convolutions over (H, W), channels-last: the
// transforms. The products between them are ordinary matrix multiplies (linalg.ts matmulRows), so this
// file only moves tiles in and out of the Winograd domain. Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks" (2016): per 2x2 output tile and (ci, co) pair, 16 multiplies instead of
// 36; per 4x4 tile, 36 instead of 144 (the second half of this file; the backend picks, backend.ts).
// A kernel of depth kd > 1 is kd of these in-plane convolutions summed over depth (backend.ts
// winoForward3d): the transforms below work plane by plane and never see the depth.
//
//   forward        Y_t = A^T [ (G g G^T) (.) (B^T d_t B) ] A           d_t: the tile's 4x4 input patch
//   weight grad    dW  = G^T [ sum_t (A e_t A^T) (.) (B^T d_t B) ] G     e_t: the tile's 2x2 output grad
// (the weight gradient is the forward's adjoint in g, exact like the forward). The input gradient of a
// stride-1 convolution is a forward convolution of dy with the flipped kernel (conv.ts convFlipWeights),
// so it runs through the forward path.
//
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
//   A^T = [1 1 1 0; 0 1 -1 -1]
//
// Layouts (every channel count a multiple of 4: the transforms run on f32x4 over channels):
//   x  [planes, h, w, c]      planes = n * d (a kernel with kd = 1 treats every depth slice alone)
//   y  [planes, oh, ow, c]    oh = h + 2 ph - 2, ow = w + 2 pw - 2
//   tiles: 2x2 output blocks, th = ceil(oh / 2) x tw = ceil(ow / 2) per plane; a "tile row" is
//   (plane, ty), the unit a thread takes. A call covers tile rows [base, base + rows): tile t of the
//   call is (row - base) * tw + tx, T = rows * tw in all.
//   V, E, M [16][T][c]        one matrix per Winograd point xi = 4 * i + j, rows = tiles
//   U, Mw   [16][cin][cout]   filter / weight-gradient matrices
// Taps outside the input read as zero (the padding); outputs outside (oh, ow) are not written, and
// their gradients read as zero.

// ---- input tiles: V = B^T d B --------------------------------------------------------------------

// The 4 x 4 patch of one tile for channels [ci, ci + 4): row i, column j at p + i * rs + j * cs, where
// rows/columns outside the input read as zero (bit i of rm / bit j of cm says the row / column exists).
// @ts-ignore: decorator
@inline function wg_ld(p: usize, ok: bool): v128 {
  return ok ? v128.load(p) : f32x4.splat(0);
}

/** V for tile rows [r0, r1) of a call covering rows [base, base + T / tw). */
export function winoInputRows(x: usize, v: usize, h: i32, w: i32, c: i32, ph: i32, pw: i32, th: i32, tw: i32,
  base: i32, T: i32, r0: i32, r1: i32): void {
  const cs = <usize>c << 2;                 // bytes per input voxel
  const rs = <usize>w * cs;                 // bytes per input row
  const xi = <usize>T * cs;                 // bytes between Winograd points in V
  for (let r = r0; r < r1; r++) {
    const g = base + r, plane = g / th, ty = g - plane * th;
    const iy0 = 2 * ty - ph;
    let rm = 0;
    for (let i = 0; i < 4; i++) if (iy0 + i >= 0 && iy0 + i < h) rm |= 1 << i;
    for (let tx = 0; tx < tw; tx++) {
      const ix0 = 2 * tx - pw;
      let cm = 0;
      for (let j = 0; j < 4; j++) if (ix0 + j >= 0 && ix0 + j < w) cm |= 1 << j;
      // Address of patch element (0, 0) (maybe outside: only dereferenced where rm/cm allow).
      const p0 = x + <usize>(plane * h + iy0) * rs + <usize>ix0 * cs;
      const t = r * tw + tx;
      const vp = v + <usize>t * cs;
      const r0k = (rm & 1) != 0, r1k = (rm & 2) != 0, r2k = (rm & 4) != 0, r3k = (rm & 8) != 0;
      const c0k = (cm & 1) != 0, c1k = (cm & 2) != 0, c2k = (cm & 4) != 0, c3k = (cm & 8) != 0;
      for (let ci = 0; ci < c; ci += 4) {
        const p = p0 + (<usize>ci << 2);
        // Columns first: t_ij = (B^T d)_ij, per column j of the patch.
        let a0: v128, a1: v128, a2: v128, a3: v128;
        let t00: v128, t01: v128, t02: v128, t03: v128, t10: v128, t11: v128, t12: v128, t13: v128;
        let t20: v128, t21: v128, t22: v128, t23: v128, t30: v128, t31: v128, t32: v128, t33: v128;
        // column 0
        a0 = wg_ld(p, r0k && c0k); a1 = wg_ld(p + rs, r1k && c0k); a2 = wg_ld(p + 2 * rs, r2k && c0k); a3 = wg_ld(p + 3 * rs, r3k && c0k);
        t00 = f32x4.sub(a0, a2); t10 = f32x4.add(a1, a2); t20 = f32x4.sub(a2, a1); t30 = f32x4.sub(a1, a3);
        // column 1
        a0 = wg_ld(p + cs, r0k && c1k); a1 = wg_ld(p + rs + cs, r1k && c1k); a2 = wg_ld(p + 2 * rs + cs, r2k && c1k); a3 = wg_ld(p + 3 * rs + cs, r3k && c1k);
        t01 = f32x4.sub(a0, a2); t11 = f32x4.add(a1, a2); t21 = f32x4.sub(a2, a1); t31 = f32x4.sub(a1, a3);
        // column 2
        a0 = wg_ld(p + 2 * cs, r0k && c2k); a1 = wg_ld(p + rs + 2 * cs, r1k && c2k); a2 = wg_ld(p + 2 * rs + 2 * cs, r2k && c2k); a3 = wg_ld(p + 3 * rs + 2 * cs, r3k && c2k);
        t02 = f32x4.sub(a0, a2); t12 = f32x4.add(a1, a2); t22 = f32x4.sub(a2, a1); t32 = f32x4.sub(a1, a3);
        // column 3
        a0 = wg_ld(p + 3 * cs, r0k && c3k); a1 = wg_ld(p + rs + 3 * cs, r1k && c3k); a2 = wg_ld(p + 2 * rs + 3 * cs, r2k && c3k); a3 = wg_ld(p + 3 * rs + 3 * cs, r3k && c3k);
        t03 = f32x4.sub(a0, a2); t13 = f32x4.add(a1, a2); t23 = f32x4.sub(a2, a1); t33 = f32x4.sub(a1, a3);
        // Then rows: V_i. = (t B)_i. ; point xi = 4 i + j at vp + xi * (T c) bytes.
        const q = vp + (<usize>ci << 2);
        wg_row4(q, xi, 0, t00, t01, t02, t03);
        wg_row4(q, xi, 4, t10, t11, t12, t13);
        wg_row4(q, xi, 8, t20, t21, t22, t23);
        wg_row4(q, xi, 12, t30, t31, t32, t33);
      }
    }
  }
}

// Stores (u B)_0..3 of one row u = (u0, u1, u2, u3) at Winograd points k .. k + 3.
// @ts-ignore: decorator
@inline function wg_row4(q: usize, xi: usize, k: i32, u0: v128, u1: v128, u2: v128, u3: v128): void {
  const base = q + <usize>k * xi;
  v128.store(base, f32x4.sub(u0, u2));
  v128.store(base + xi, f32x4.add(u1, u2));
  v128.store(base + 2 * xi, f32x4.sub(u2, u1));
  v128.store(base + 3 * xi, f32x4.sub(u1, u3));
}

// ---- output tiles: Y = A^T M A (+ bias) ---------------------------------------------------------

/** y for tile rows [r0, r1) of a call covering rows [base, base + T / tw), from M [16][T][c]. */
export function winoOutputRows(m: usize, y: usize, bias: usize, oh: i32, ow: i32, c: i32, th: i32, tw: i32,
  base: i32, T: i32, r0: i32, r1: i32): void {
  const cs = <usize>c << 2;
  const rs = <usize>ow * cs;
  const xi = <usize>T * cs;
  for (let r = r0; r < r1; r++) {
    const g = base + r, plane = g / th, ty = g - plane * th;
    const oy = 2 * ty;
    const row1 = oy + 1 < oh;
    for (let tx = 0; tx < tw; tx++) {
      const ox = 2 * tx;
      const col1 = ox + 1 < ow;
      const t = r * tw + tx;
      const mp = m + <usize>t * cs;
      const yp = y + <usize>(plane * oh + oy) * rs + <usize>ox * cs;
      for (let co = 0; co < c; co += 4) {
        const q = mp + (<usize>co << 2);
        const b = bias != 0 ? v128.load(bias + (<usize>co << 2)) : f32x4.splat(0);
        // Rows of A^T M: s0 = m0 + m1 + m2, s1 = m1 - m2 - m3 (m_i = row i of M), per column j.
        let s00: v128, s01: v128, s02: v128, s03: v128, s10: v128, s11: v128, s12: v128, s13: v128;
        {
          const m0 = v128.load(q), m1 = v128.load(q + 4 * xi), m2 = v128.load(q + 8 * xi), m3 = v128.load(q + 12 * xi);
          s00 = f32x4.add(f32x4.add(m0, m1), m2); s10 = f32x4.sub(f32x4.sub(m1, m2), m3);
        }
        {
          const m0 = v128.load(q + xi), m1 = v128.load(q + 5 * xi), m2 = v128.load(q + 9 * xi), m3 = v128.load(q + 13 * xi);
          s01 = f32x4.add(f32x4.add(m0, m1), m2); s11 = f32x4.sub(f32x4.sub(m1, m2), m3);
        }
        {
          const m0 = v128.load(q + 2 * xi), m1 = v128.load(q + 6 * xi), m2 = v128.load(q + 10 * xi), m3 = v128.load(q + 14 * xi);
          s02 = f32x4.add(f32x4.add(m0, m1), m2); s12 = f32x4.sub(f32x4.sub(m1, m2), m3);
        }
        {
          const m0 = v128.load(q + 3 * xi), m1 = v128.load(q + 7 * xi), m2 = v128.load(q + 11 * xi), m3 = v128.load(q + 15 * xi);
          s03 = f32x4.add(f32x4.add(m0, m1), m2); s13 = f32x4.sub(f32x4.sub(m1, m2), m3);
        }
        const o = yp + (<usize>co << 2);
        v128.store(o, f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), b));
        if (col1) v128.store(o + cs, f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), b));
        if (row1) {
          v128.store(o + rs, f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), b));
          if (col1) v128.store(o + rs + cs, f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), b));
        }
      }
    }
  }
}

// ---- output-gradient tiles: E = A e A^T ---------------------------------------------------------

/** E for tile rows [r0, r1) from dy [planes, oh, ow, c]; gradients outside (oh, ow) read as zero. */
export function winoGradOutRows(dy: usize, e: usize, oh: i32, ow: i32, c: i32, th: i32, tw: i32,
  base: i32, T: i32, r0: i32, r1: i32): void {
  const cs = <usize>c << 2;
  const rs = <usize>ow * cs;
  const xi = <usize>T * cs;
  for (let r = r0; r < r1; r++) {
    const g = base + r, plane = g / th, ty = g - plane * th;
    const oy = 2 * ty;
    const row1 = oy + 1 < oh;
    for (let tx = 0; tx < tw; tx++) {
      const ox = 2 * tx;
      const col1 = ox + 1 < ow;
      const t = r * tw + tx;
      const ep = e + <usize>t * cs;
      const dp = dy + <usize>(plane * oh + oy) * rs + <usize>ox * cs;
      for (let co = 0; co < c; co += 4) {
        const p = dp + (<usize>co << 2);
        const e00 = v128.load(p), e01 = col1 ? v128.load(p + cs) : f32x4.splat(0);
        const e10 = row1 ? v128.load(p + rs) : f32x4.splat(0), e11 = row1 && col1 ? v128.load(p + rs + cs) : f32x4.splat(0);
        // A e: rows (e0, e0 + e1, e0 - e1, -e1) of the 2-row tile, per column.
        const u00 = e00, u01 = e01;
        const u10 = f32x4.add(e00, e10), u11 = f32x4.add(e01, e11);
        const u20 = f32x4.sub(e00, e10), u21 = f32x4.sub(e01, e11);
        const u30 = f32x4.neg(e10), u31 = f32x4.neg(e11);
        const q = ep + (<usize>co << 2);
        wg_row2(q, xi, 0, u00, u01);
        wg_row2(q, xi, 4, u10, u11);
        wg_row2(q, xi, 8, u20, u21);
        wg_row2(q, xi, 12, u30, u31);
      }
    }
  }
}

// Stores (u A^T)_0..3 of one 2-column row u = (u0, u1) at Winograd points k .. k + 3.
// @ts-ignore: decorator
@inline function wg_row2(q: usize, xi: usize, k: i32, u0: v128, u1: v128): void {
  const base = q + <usize>k * xi;
  v128.store(base, u0);
  v128.store(base + xi, f32x4.add(u0, u1));
  v128.store(base + 2 * xi, f32x4.sub(u0, u1));
  v128.store(base + 3 * xi, f32x4.neg(u1));
}

// ---- filters: U = G g G^T, and the weight gradient dW = G^T Mw G ---------------------------------

/** U [16][cin][cout] from w [3][3][cin][cout]. */
export function winoFilter(w: usize, u: usize, cin: i32, cout: i32): void {
  const cc = <usize>(cin * cout) << 2;      // bytes per tap in w, per Winograd point in U
  const half = f32x4.splat(0.5);
  for (let k: usize = 0; k < cc; k += 16) {
    const g00 = v128.load(w + k), g01 = v128.load(w + cc + k), g02 = v128.load(w + 2 * cc + k);
    const g10 = v128.load(w + 3 * cc + k), g11 = v128.load(w + 4 * cc + k), g12 = v128.load(w + 5 * cc + k);
    const g20 = v128.load(w + 6 * cc + k), g21 = v128.load(w + 7 * cc + k), g22 = v128.load(w + 8 * cc + k);
    // G g: rows (g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2) per column.
    const s0 = f32x4.add(g00, g20), s1 = f32x4.add(g01, g21), s2 = f32x4.add(g02, g22);
    const a00 = g00, a01 = g01, a02 = g02;
    const a10 = f32x4.mul(half, f32x4.add(s0, g10)), a11 = f32x4.mul(half, f32x4.add(s1, g11)), a12 = f32x4.mul(half, f32x4.add(s2, g12));
    const a20 = f32x4.mul(half, f32x4.sub(s0, g10)), a21 = f32x4.mul(half, f32x4.sub(s1, g11)), a22 = f32x4.mul(half, f32x4.sub(s2, g12));
    const a30 = g20, a31 = g21, a32 = g22;
    wg_frow(u + k, cc, 0, a00, a01, a02, half);
    wg_frow(u + k, cc, 4, a10, a11, a12, half);
    wg_frow(u + k, cc, 8, a20, a21, a22, half);
    wg_frow(u + k, cc, 12, a30, a31, a32, half);
  }
}

// Stores (a G^T)_0..3 of one 3-column row a at Winograd points k .. k + 3.
// @ts-ignore: decorator
@inline function wg_frow(q: usize, xi: usize, k: i32, a0: v128, a1: v128, a2: v128, half: v128): void {
  const base = q + <usize>k * xi;
  const s = f32x4.add(a0, a2);
  v128.store(base, a0);
  v128.store(base + xi, f32x4.mul(half, f32x4.add(s, a1)));
  v128.store(base + 2 * xi, f32x4.mul(half, f32x4.sub(s, a1)));
  v128.store(base + 3 * xi, a2);
}

/** dw [3][3][cin][cout] = G^T Mw G from Mw [16][cin][cout]; with acc != 0, added to dw instead. */
export function winoWeightOut(mw: usize, dw: usize, cin: i32, cout: i32, acc: i32): void {
  const cc = <usize>(cin * cout) << 2;
  const half = f32x4.splat(0.5);
  for (let k: usize = 0; k < cc; k += 16) {
    // G^T m for a 4-vector m: (m0 + (m1 + m2) / 2, (m1 - m2) / 2, (m1 + m2) / 2 + m3); rows first.
    let b00: v128, b01: v128, b02: v128, b03: v128, b10: v128, b11: v128, b12: v128, b13: v128, b20: v128, b21: v128, b22: v128, b23: v128;
    {
      const m0 = v128.load(mw + k), m1 = v128.load(mw + 4 * cc + k), m2 = v128.load(mw + 8 * cc + k), m3 = v128.load(mw + 12 * cc + k);
      const s = f32x4.mul(half, f32x4.add(m1, m2));
      b00 = f32x4.add(m0, s); b10 = f32x4.mul(half, f32x4.sub(m1, m2)); b20 = f32x4.add(s, m3);
    }
    {
      const m0 = v128.load(mw + cc + k), m1 = v128.load(mw + 5 * cc + k), m2 = v128.load(mw + 9 * cc + k), m3 = v128.load(mw + 13 * cc + k);
      const s = f32x4.mul(half, f32x4.add(m1, m2));
      b01 = f32x4.add(m0, s); b11 = f32x4.mul(half, f32x4.sub(m1, m2)); b21 = f32x4.add(s, m3);
    }
    {
      const m0 = v128.load(mw + 2 * cc + k), m1 = v128.load(mw + 6 * cc + k), m2 = v128.load(mw + 10 * cc + k), m3 = v128.load(mw + 14 * cc + k);
      const s = f32x4.mul(half, f32x4.add(m1, m2));
      b02 = f32x4.add(m0, s); b12 = f32x4.mul(half, f32x4.sub(m1, m2)); b22 = f32x4.add(s, m3);
    }
    {
      const m0 = v128.load(mw + 3 * cc + k), m1 = v128.load(mw + 7 * cc + k), m2 = v128.load(mw + 11 * cc + k), m3 = v128.load(mw + 15 * cc + k);
      const s = f32x4.mul(half, f32x4.add(m1, m2));
      b03 = f32x4.add(m0, s); b13 = f32x4.mul(half, f32x4.sub(m1, m2)); b23 = f32x4.add(s, m3);
    }
    wg_wrow(dw + k, cc, 0, b00, b01, b02, b03, half, acc);
    wg_wrow(dw + k, cc, 3, b10, b11, b12, b13, half, acc);
    wg_wrow(dw + k, cc, 6, b20, b21, b22, b23, half, acc);
  }
}

// Stores (b G)_0..2 of one 4-column row b at taps k .. k + 2 (adds with acc != 0).
// @ts-ignore: decorator
@inline function wg_wrow(q: usize, tap: usize, k: i32, b0: v128, b1: v128, b2: v128, b3: v128, half: v128, acc: i32): void {
  const base = q + <usize>k * tap;
  const s = f32x4.mul(half, f32x4.add(b1, b2));
  let r0 = f32x4.add(b0, s), r1 = f32x4.mul(half, f32x4.sub(b1, b2)), r2 = f32x4.add(s, b3);
  if (acc != 0) {
    r0 = f32x4.add(r0, v128.load(base)); r1 = f32x4.add(r1, v128.load(base + tap)); r2 = f32x4.add(r2, v128.load(base + 2 * tap));
  }
  v128.store(base, r0);
  v128.store(base + tap, r1);
  v128.store(base + 2 * tap, r2);
}

// ==== F(4x4, 3x3) =================================================================================
// The same scheme on 4 x 4 output tiles (6 x 6 input patches, 36 Winograd points, xi = 6 i + j):
// 36 multiplies per 16 outputs instead of 16 per 4 (F(2x2, 3x3)) or 144 (direct). Points 0, +-1, +-2:
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
// Each 2D transform runs as two 1D passes through the destination matrices (rows, then columns in
// place): the second pass reads what the first just wrote, still in the L1 cache.

// 1D input transform B^T d of 6 values read at s + k * ss (value k zero unless bit k of ok), written
// at q + k * qs.
// @ts-ignore: decorator
@inline function w6_bt(s: usize, ss: usize, ok: i32, q: usize, qs: usize): void {
  const z = f32x4.splat(0);
  const d0 = (ok & 1) != 0 ? v128.load(s) : z, d1 = (ok & 2) != 0 ? v128.load(s + ss) : z;
  const d2 = (ok & 4) != 0 ? v128.load(s + 2 * ss) : z, d3 = (ok & 8) != 0 ? v128.load(s + 3 * ss) : z;
  const d4 = (ok & 16) != 0 ? v128.load(s + 4 * ss) : z, d5 = (ok & 32) != 0 ? v128.load(s + 5 * ss) : z;
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  // r1, r2 = d4 + d3 -+ 4 (d1 + d2) ... written as sums of shared terms.
  const a = f32x4.sub(d4, f32x4.mul(four, d2));        // d4 - 4 d2
  const b = f32x4.sub(d3, f32x4.mul(four, d1));        // d3 - 4 d1
  const c = f32x4.sub(d4, d2);                          // d4 - d2
  const e = f32x4.mul(two, f32x4.sub(d3, d1));         // 2 (d3 - d1)
  v128.store(q, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
  v128.store(q + qs, f32x4.add(a, b));
  v128.store(q + 2 * qs, f32x4.sub(a, b));
  v128.store(q + 3 * qs, f32x4.add(c, e));
  v128.store(q + 4 * qs, f32x4.sub(c, e));
  v128.store(q + 5 * qs, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
}

/** V [36][T][c] (F(4x4, 3x3)) for tile rows [r0, r1) of a call covering rows [base, base + T / tw). */
export function wino4InputRows(x: usize, v: usize, h: i32, w: i32, c: i32, ph: i32, pw: i32, th: i32, tw: i32,
  base: i32, T: i32, r0: i32, r1: i32): void {
  const cs = <usize>c << 2;
  const rs = <usize>w * cs;
  const xi = <usize>T * cs;
  for (let r = r0; r < r1; r++) {
    const g = base + r, plane = g / th, ty = g - plane * th;
    const iy0 = 4 * ty - ph;
    for (let tx = 0; tx < tw; tx++) {
      const ix0 = 4 * tx - pw;
      let cm = 0;
      for (let j = 0; j < 6; j++) if (ix0 + j >= 0 && ix0 + j < w) cm |= 1 << j;
      const p0 = x + <usize>(plane * h + iy0) * rs + <usize>ix0 * cs;
      const vp = v + <usize>(r * tw + tx) * cs;
      for (let ci = 0; ci < c; ci += 4) {
        const off = <usize>ci << 2;
        // Rows of the patch (along x) into points 6 i + j ...
        for (let i = 0; i < 6; i++) {
          const ok = iy0 + i >= 0 && iy0 + i < h ? cm : 0;
          w6_bt(p0 + <usize>i * rs + off, cs, ok, vp + off + <usize>(6 * i) * xi, xi);
        }
        // ... then each column j (along y), in place.
        for (let j = 0; j < 6; j++) {
          const q = vp + off + <usize>j * xi;
          w6_bt(q, 6 * xi, 63, q, 6 * xi);
        }
      }
    }
  }
}

// 1D output transform A^T m of 6 values at s + k * ss: 4 values.
// @ts-ignore: decorator
@inline function w6_at(s: usize, ss: usize, q: usize, qs: usize): void {
  const m0 = v128.load(s), m1 = v128.load(s + ss), m2 = v128.load(s + 2 * ss);
  const m3 = v128.load(s + 3 * ss), m4 = v128.load(s + 4 * ss), m5 = v128.load(s + 5 * ss);
  const a = f32x4.add(m1, m2), b = f32x4.sub(m1, m2), c = f32x4.add(m3, m4), d = f32x4.sub(m3, m4);
  v128.store(q, f32x4.add(f32x4.add(m0, a), c));
  v128.store(q + qs, f32x4.add(b, f32x4.add(d, d)));
  v128.store(q + 2 * qs, f32x4.add(a, f32x4.mul(f32x4.splat(4), c)));
  v128.store(q + 3 * qs, f32x4.add(f32x4.add(b, f32x4.mul(f32x4.splat(8), d)), m5));
}

/** y for tile rows [r0, r1), from M [36][T][c] (F(4x4, 3x3)); M is overwritten (the first pass). */
export function wino4OutputRows(m: usize, y: usize, bias: usize, oh: i32, ow: i32, c: i32, th: i32, tw: i32,
  base: i32, T: i32, r0: i32, r1: i32): void {
  const cs = <usize>c << 2;
  const rs = <usize>ow * cs;
  const xi = <usize>T * cs;
  for (let r = r0; r < r1; r++) {
    const g = base + r, plane = g / th, ty = g - plane * th;
    const oy = 4 * ty;
    const nyr = min<i32>(4, oh - oy);
    for (let tx = 0; tx < tw; tx++) {
      const ox = 4 * tx;
      const nxr = min<i32>(4, ow - ox);
      const mp = m + <usize>(r * tw + tx) * cs;
      const yp = y + <usize>(plane * oh + oy) * rs + <usize>ox * cs;
      for (let co = 0; co < c; co += 4) {
        const off = <usize>co << 2;
        // Columns first (along the first index), into rows 0..3 of each column, in place ...
        for (let j = 0; j < 6; j++) {
          const q = mp + off + <usize>j * xi;
          w6_at(q, 6 * xi, q, 6 * xi);
        }
        const bv = bias != 0 ? v128.load(bias + off) : f32x4.splat(0);
        // ... then each of the 4 rows along the second index, to y (outputs outside oh, ow dropped).
        for (let i = 0; i < nyr; i++) {
          const q = mp + off + <usize>(6 * i) * xi;
          const m0 = v128.load(q), m1 = v128.load(q + xi), m2 = v128.load(q + 2 * xi);
          const m3 = v128.load(q + 3 * xi), m4 = v128.load(q + 4 * xi), m5 = v128.load(q + 5 * xi);
          const a = f32x4.add(m1, m2), b = f32x4.sub(m1, m2), cc = f32x4.add(m3, m4), d = f32x4.sub(m3, m4);
          const o = yp + <usize>i * rs + off;
          v128.store(o, f32x4.add(f32x4.add(f32x4.add(m0, a), cc), bv));
          if (nxr > 1) v128.store(o + cs, f32x4.add(f32x4.add(b, f32x4.add(d, d)), bv));
          if (nxr > 2) v128.store(o + 2 * cs, f32x4.add(f32x4.add(a, f32x4.mul(f32x4.splat(4), cc)), bv));
          if (nxr > 3) v128.store(o + 3 * cs, f32x4.add(f32x4.add(f32x4.add(b, f32x4.mul(f32x4.splat(8), d)), m5), bv));
        }
      }
    }
  }
}

// 1D transform A e of 4 values at s + k * ss (value k zero unless bit k of ok): 6 values.
// @ts-ignore: decorator
@inline function w6_a(s: usize, ss: usize, ok: i32, q: usize, qs: usize): void {
  const z = f32x4.splat(0);
  const e0 = (ok & 1) != 0 ? v128.load(s) : z, e1 = (ok & 2) != 0 ? v128.load(s + ss) : z;
  const e2 = (ok & 4) != 0 ? v128.load(s + 2 * ss) : z, e3 = (ok & 8) != 0 ? v128.load(s + 3 * ss) : z;
  const a = f32x4.add(e0, e2), b = f32x4.add(e1, e3);
  const c = f32x4.add(e0, f32x4.mul(f32x4.splat(4), e2)), d = f32x4.add(f32x4.add(e1, e1), f32x4.mul(f32x4.splat(8), e3));
  v128.store(q, e0);
  v128.store(q + qs, f32x4.add(a, b));
  v128.store(q + 2 * qs, f32x4.sub(a, b));
  v128.store(q + 3 * qs, f32x4.add(c, d));
  v128.store(q + 4 * qs, f32x4.sub(c, d));
  v128.store(q + 5 * qs, e3);
}

/** E [36][T][c] = A e A^T (F(4x4, 3x3)) for tile rows [r0, r1) from dy; gradients outside (oh, ow) read as zero. */
export function wino4GradOutRows(dy: usize, e: usize, oh: i32, ow: i32, c: i32, th: i32, tw: i32,
  base: i32, T: i32, r0: i32, r1: i32): void {
  const cs = <usize>c << 2;
  const rs = <usize>ow * cs;
  const xi = <usize>T * cs;
  for (let r = r0; r < r1; r++) {
    const g = base + r, plane = g / th, ty = g - plane * th;
    const oy = 4 * ty;
    const nyr = min<i32>(4, oh - oy);
    for (let tx = 0; tx < tw; tx++) {
      const ox = 4 * tx;
      const cm = (1 << min<i32>(4, ow - ox)) - 1;
      const ep = e + <usize>(r * tw + tx) * cs;
      const dp = dy + <usize>(plane * oh + oy) * rs + <usize>ox * cs;
      for (let co = 0; co < c; co += 4) {
        const off = <usize>co << 2;
        // Rows of the 4 x 4 gradient tile (along x) into rows 0..3 of E ...
        for (let i = 0; i < 4; i++) w6_a(dp + <usize>i * rs + off, cs, i < nyr ? cm : 0, ep + off + <usize>(6 * i) * xi, xi);
        // ... then each column (along y), 4 values to 6, in place.
        for (let j = 0; j < 6; j++) {
          const q = ep + off + <usize>j * xi;
          w6_a(q, 6 * xi, 15, q, 6 * xi);
        }
      }
    }
  }
}

// 1D filter transform G g of 3 values at s + k * ss: 6 values.
// @ts-ignore: decorator
@inline function w6_g(s: usize, ss: usize, q: usize, qs: usize): void {
  const g0 = v128.load(s), g1 = v128.load(s + ss), g2 = v128.load(s + 2 * ss);
  const a = f32x4.add(g0, g2);
  const b = f32x4.add(f32x4.mul(f32x4.splat(<f32>(1.0 / 24.0)), g0), f32x4.mul(f32x4.splat(<f32>(1.0 / 6.0)), g2));
  const c = f32x4.mul(f32x4.splat(<f32>(1.0 / 12.0)), g1);
  const sixth = f32x4.splat(<f32>(-1.0 / 6.0));
  v128.store(q, f32x4.mul(f32x4.splat(0.25), g0));
  v128.store(q + qs, f32x4.mul(sixth, f32x4.add(a, g1)));
  v128.store(q + 2 * qs, f32x4.mul(sixth, f32x4.sub(a, g1)));
  v128.store(q + 3 * qs, f32x4.add(b, c));
  v128.store(q + 4 * qs, f32x4.sub(b, c));
  v128.store(q + 5 * qs, g2);
}

/** U [36][cin][cout] = G g G^T (F(4x4, 3x3)) from w [3][3][cin][cout]. */
export function wino4Filter(w: usize, u: usize, cin: i32, cout: i32): void {
  const cc = <usize>(cin * cout) << 2;
  for (let k: usize = 0; k < cc; k += 16) {
    // Kernel rows (along x) into rows 0..2 of U, then each column (along y) 3 -> 6 in place
    // (reading rows 0..2 before writing rows 0..5).
    for (let i = 0; i < 3; i++) w6_g(w + <usize>(3 * i) * cc + k, cc, u + <usize>(6 * i) * cc + k, cc);
    for (let j = 0; j < 6; j++) {
      const q = u + <usize>j * cc + k;
      w6_g(q, 6 * cc, q, 6 * cc);
    }
  }
}

// 1D transform G^T m of 6 values at s + k * ss: 3 values (added to what is there with acc != 0).
// @ts-ignore: decorator
@inline function w6_gt(s: usize, ss: usize, q: usize, qs: usize, acc: i32): void {
  const m0 = v128.load(s), m1 = v128.load(s + ss), m2 = v128.load(s + 2 * ss);
  const m3 = v128.load(s + 3 * ss), m4 = v128.load(s + 4 * ss), m5 = v128.load(s + 5 * ss);
  const sixth = f32x4.splat(<f32>(-1.0 / 6.0));
  const a = f32x4.add(m1, m2), b = f32x4.sub(m2, m1), c = f32x4.add(m3, m4), d = f32x4.sub(m3, m4);
  let o0 = f32x4.add(f32x4.add(f32x4.mul(f32x4.splat(0.25), m0), f32x4.mul(sixth, a)), f32x4.mul(f32x4.splat(<f32>(1.0 / 24.0)), c));
  let o1 = f32x4.add(f32x4.mul(f32x4.splat(<f32>(1.0 / 6.0)), b), f32x4.mul(f32x4.splat(<f32>(1.0 / 12.0)), d));
  let o2 = f32x4.add(f32x4.add(f32x4.mul(sixth, a), f32x4.mul(f32x4.splat(<f32>(1.0 / 6.0)), c)), m5);
  if (acc != 0) {
    o0 = f32x4.add(o0, v128.load(q)); o1 = f32x4.add(o1, v128.load(q + qs)); o2 = f32x4.add(o2, v128.load(q + 2 * qs));
  }
  v128.store(q, o0);
  v128.store(q + qs, o1);
  v128.store(q + 2 * qs, o2);
}

/** dw [3][3][cin][cout] = G^T Mw G (F(4x4, 3x3)) from Mw [36][cin][cout], overwritten; with acc != 0 added to dw. */
export function wino4WeightOut(mw: usize, dw: usize, cin: i32, cout: i32, acc: i32): void {
  const cc = <usize>(cin * cout) << 2;
  for (let k: usize = 0; k < cc; k += 16) {
    // Columns (along the first index) 6 -> 3 into rows 0..2 in place, then rows 0..2 (along the second) to dw.
    for (let j = 0; j < 6; j++) {
      const q = mw + <usize>j * cc + k;
      w6_gt(q, 6 * cc, q, 6 * cc, 0);
    }
    for (let i = 0; i < 3; i++) w6_gt(mw + <usize>(6 * i) * cc + k, cc, dw + <usize>(3 * i) * cc + k, cc, acc);
  }
}
