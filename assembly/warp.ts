// Spatial transformer kernels (VoxelMorph): trilinear warp and its adjoints, nearest-neighbour warp
// for label maps, and a separable box sum (local NCC windows).
//
// Layout: image x [n, d, h, w, c] and displacement field flow [n, d, h, w, 3] (components in
// (D, H, W) order, voxel units), channels-last, dense, f32 (warpNearest copies raw 32-bit words).
// The sample location of output voxel (z, y, x) is p = (z + flow[0], y + flow[1], x + flow[2]).
//
// Out-of-volume policy (trilinear): ZERO padding per corner, as PyTorch grid_sample with
// padding_mode='zeros' and align_corners=True in voxel units (voxelmorph's torch SpatialTransformer):
// each of the 8 corners outside the volume contributes 0. Branch-free: every axis coordinate is
// first clamped to [-2, size + 1] (which changes neither the value nor the derivative: beyond that
// both are 0), then the two corner indices are clamped into the volume for the loads and their
// weights are zeroed by an in-volume mask (a select, so exactly 0). A non-finite flow component
// (NaN, +-inf) makes the sample fully outside: value 0, dflow 0 (PyTorch also maps NaN grid
// coordinates out of bounds). Caveat of the branch-free loads: a non-finite x value on the border
// can leak NaN (0 * inf) into samples that touch it with weight 0.
//
// Derivative w.r.t. the sample location: one-sided, consistent with floor(): at an exact integer
// coordinate i the cell [i, i + 1] is used (so on a 2-D volume, d = 1, with flow_z = 0 the z
// component of dflow is -sum(dy * x): the slope towards the zero padding above).
//
// Nothing here allocates; the only scratch space is the `scratch` argument of boxSum. Outputs must
// not alias inputs (y, dx, dflow, scratch are distinct from x, flow, dy).
import { fmadd } from './fma';

// ---------------------------------------------------------------------------------------------
// Per-axis helpers (all inlined).

/** Sample coordinate clamped to [-2, size + 1]: outside that range value and slope are both 0. */
// @ts-ignore: decorator
@inline function clampCoord(p: f32, hi: f32): f32 {
  // selects, not f32.min/max (whose NaN and -0 rules cost a long sequence); NaN goes to -2 (outside)
  p = select<f32>(p, -2.0, p >= -2.0);
  return select<f32>(hi, p, p > hi);
}

/** Corner index clamped into [0, size - 1] (for loads whose weight may be masked to 0). */
// @ts-ignore: decorator
@inline function clampIndex(i: i32, last: i32): i32 {
  return min<i32>(max<i32>(i, 0), last);
}

/** 1 when 0 <= i < size, else 0 (as f32). */
// @ts-ignore: decorator
@inline function inside(i: i32, size: i32): f32 {
  return select<f32>(1.0, 0.0, <u32>i < <u32>size);
}

/** v when 0 <= i < size, else exactly 0 (also when v is not finite). */
// @ts-ignore: decorator
@inline function maskIn(v: f32, i: i32, size: i32): f32 {
  return select<f32>(v, 0.0, <u32>i < <u32>size);
}

// ---------------------------------------------------------------------------------------------
// SIMD helpers: 4 consecutive voxels along W at a time.

/** Deinterleave 4 (z, y, x) triples (12 floats at p) into one component vector (0: z, 1: y, 2: x). */
// @ts-ignore: decorator
@inline function flowZ(f0: v128, f1: v128, f2: v128): v128 {
  return v128.shuffle<f32>(v128.shuffle<f32>(f0, f1, 0, 3, 6, 7), f2, 0, 1, 2, 5);
}
// @ts-ignore: decorator
@inline function flowY(f0: v128, f1: v128, f2: v128): v128 {
  return v128.shuffle<f32>(v128.shuffle<f32>(f0, f1, 1, 4, 7, 7), f2, 0, 1, 2, 6);
}
// @ts-ignore: decorator
@inline function flowX(f0: v128, f1: v128, f2: v128): v128 {
  return v128.shuffle<f32>(v128.shuffle<f32>(f0, f1, 2, 5, 5, 5), f2, 0, 1, 4, 7);
}

/** floor of the sample coordinate (pos + u) clamped to [-2, hi], as i32 lanes. */
// @ts-ignore: decorator
@inline function floorCoord4(posF: v128, u: v128, hi: v128): v128 {
  // pmax(a, b) = a < b ? b : a, so a NaN coordinate becomes -2 (outside), like the scalar path
  const p = f32x4.pmin(hi, f32x4.pmax(f32x4.splat(-2.0), f32x4.add(posF, u)));
  // floor(p) is an integer of magnitude < 2^22: adding 1.5 * 2^23 puts it in the low mantissa bits
  // (exact), cheaper than trunc_sat.
  return i32x4.sub(f32x4.add(f32x4.floor(p), f32x4.splat(12582912.0)), i32x4.splat(0x4B400000));
}

/** Gathers 4 f32 at base + lane offsets (bytes) of `offs`, plus `extra` bytes. */
// @ts-ignore: decorator
@inline function gather4(base: usize, offs: v128, extra: usize): v128 {
  let v = v128.load32_zero(base + extra + <usize>i32x4.extract_lane(offs, 0));
  v = v128.load32_lane(base + extra + <usize>i32x4.extract_lane(offs, 1), v, 1);
  v = v128.load32_lane(base + extra + <usize>i32x4.extract_lane(offs, 2), v, 2);
  v = v128.load32_lane(base + extra + <usize>i32x4.extract_lane(offs, 3), v, 3);
  return v;
}

/** The adjacent pairs (x[o], x[o + 1]) at lanes 0, 1 of `offs` (bytes), as [a0, b0, a1, b1]. */
// @ts-ignore: decorator
@inline function pairs01(base: usize, offs: v128): v128 {
  const v = v128.load64_zero(base + <usize>i32x4.extract_lane(offs, 0));
  return v128.load64_lane(base + <usize>i32x4.extract_lane(offs, 1), v, 1);
}
/** The same for lanes 2, 3. */
// @ts-ignore: decorator
@inline function pairs23(base: usize, offs: v128): v128 {
  const v = v128.load64_zero(base + <usize>i32x4.extract_lane(offs, 2));
  return v128.load64_lane(base + <usize>i32x4.extract_lane(offs, 3), v, 1);
}

/** wA * x[o] + wB * x[o + 1] per lane: one 8-byte load per lane instead of two 4-byte gathers. */
// @ts-ignore: decorator
@inline function lerpPairs(base: usize, offs: v128, wA: v128, wB: v128): v128 {
  const lo = pairs01(base, offs), hi = pairs23(base, offs);
  return fmadd(wB, v128.shuffle<f32>(lo, hi, 1, 3, 5, 7), f32x4.mul(wA, v128.shuffle<f32>(lo, hi, 0, 2, 4, 6)));
}

/**
 * c == 1, w >= 4: the floor(w / 4) * 4 first voxels of row (z, yy), 4 at a time. Along W the two
 * corners are read as the adjacent pair (cx, cx + 1), cx = clamp(ix, 0, w - 2), so both loads stay
 * in the row; the weights are remapped onto the pair (a corner outside gets no weight).
 */
function warpRowC1(xb: usize, fp: usize, yp: usize, z: i32, yy: i32, d: i32, h: i32, w: i32): void {
  const hw = h * w;
  const one = f32x4.splat(1.0);
  const zero = i32x4.splat(0), plus1 = i32x4.splat(1), minus1 = i32x4.splat(-1);
  const dV = i32x4.splat(d), hV = i32x4.splat(h);
  const dLast = i32x4.splat(d - 1), hLast = i32x4.splat(h - 1), wLast2 = i32x4.splat(w - 2);
  const hwV = i32x4.splat(hw), wV = i32x4.splat(w);
  const dHi = f32x4.splat(<f32>(d + 1)), hHi = f32x4.splat(<f32>(h + 1)), wHi = f32x4.splat(<f32>(w + 1));
  const zI = i32x4.splat(z), yI = i32x4.splat(yy);
  const zF = f32x4.splat(<f32>z), yF = f32x4.splat(<f32>yy);
  const w4 = w & ~3;
  for (let xx = 0; xx < w4; xx += 4) {
    const f0 = v128.load(fp), f1 = v128.load(fp, 16), f2 = v128.load(fp, 32);
    fp += 48;
    const uz = flowZ(f0, f1, f2), uy = flowY(f0, f1, f2), ux = flowX(f0, f1, f2);
    const xI = i32x4.add(i32x4.splat(xx), i32x4(0, 1, 2, 3));
    const xF = f32x4.convert_i32x4_s(xI);
    // D
    const iz = floorCoord4(zF, uz, dHi);
    const tz = f32x4.sub(uz, f32x4.convert_i32x4_s(i32x4.sub(iz, zI)));
    const iz1 = i32x4.add(iz, plus1);
    const wz0 = v128.and(f32x4.sub(one, tz), i32x4.lt_u(iz, dV));
    const wz1 = v128.and(tz, i32x4.lt_u(iz1, dV));
    const oz0 = i32x4.mul(i32x4.min_s(i32x4.max_s(iz, zero), dLast), hwV);
    const oz1 = i32x4.mul(i32x4.min_s(i32x4.max_s(iz1, zero), dLast), hwV);
    // H
    const iy = floorCoord4(yF, uy, hHi);
    const ty = f32x4.sub(uy, f32x4.convert_i32x4_s(i32x4.sub(iy, yI)));
    const iy1 = i32x4.add(iy, plus1);
    const wy0 = v128.and(f32x4.sub(one, ty), i32x4.lt_u(iy, hV));
    const wy1 = v128.and(ty, i32x4.lt_u(iy1, hV));
    const oy0 = i32x4.mul(i32x4.min_s(i32x4.max_s(iy, zero), hLast), wV);
    const oy1 = i32x4.mul(i32x4.min_s(i32x4.max_s(iy1, zero), hLast), wV);
    // W: pair (cx, cx + 1)
    const ix = floorCoord4(xF, ux, wHi);
    const tx = f32x4.sub(ux, f32x4.convert_i32x4_s(i32x4.sub(ix, xI)));
    const cx = i32x4.min_s(i32x4.max_s(ix, zero), wLast2);
    const delta = i32x4.sub(cx, ix);
    const m0 = i32x4.eq(delta, zero), m1 = i32x4.eq(delta, plus1), mm1 = i32x4.eq(delta, minus1);
    const omtx = f32x4.sub(one, tx);
    const wA = v128.or(v128.and(omtx, m0), v128.and(tx, m1));
    const wB = v128.or(v128.and(omtx, mm1), v128.and(tx, m0));
    // row offsets in bytes
    const r00 = i32x4.shl(i32x4.add(i32x4.add(oz0, oy0), cx), 2);
    const r01 = i32x4.shl(i32x4.add(i32x4.add(oz0, oy1), cx), 2);
    const r10 = i32x4.shl(i32x4.add(i32x4.add(oz1, oy0), cx), 2);
    const r11 = i32x4.shl(i32x4.add(i32x4.add(oz1, oy1), cx), 2);
    const q00 = lerpPairs(xb, r00, wA, wB);
    const q01 = lerpPairs(xb, r01, wA, wB);
    const q10 = lerpPairs(xb, r10, wA, wB);
    const q11 = lerpPairs(xb, r11, wA, wB);
    const v0 = fmadd(wy1, q01, f32x4.mul(wy0, q00));
    const v1 = fmadd(wy1, q11, f32x4.mul(wy0, q10));
    v128.store(yp, fmadd(wz1, v1, f32x4.mul(wz0, v0)));
    yp += 16;
  }
}

/**
 * 1 < c < 4 (e.g. a 3-channel image), w >= 4: as warpRowC1, the weights of 4 voxels computed once in
 * SIMD and shared by the channels, one gather per corner and channel (the per-voxel scalar path
 * would recompute them per voxel and could not vectorise over so few channels).
 */
function warpRowC(xb: usize, fp: usize, yp: usize, z: i32, yy: i32, d: i32, h: i32, w: i32, c: i32): void {
  const cb = <usize>c << 2, cV = i32x4.splat(c << 2);
  const hw = h * w;
  const one = f32x4.splat(1.0);
  const zero = i32x4.splat(0), plus1 = i32x4.splat(1), minus1 = i32x4.splat(-1);
  const dV = i32x4.splat(d), hV = i32x4.splat(h);
  const dLast = i32x4.splat(d - 1), hLast = i32x4.splat(h - 1), wLast2 = i32x4.splat(w - 2);
  const hwV = i32x4.splat(hw), wV = i32x4.splat(w);
  const dHi = f32x4.splat(<f32>(d + 1)), hHi = f32x4.splat(<f32>(h + 1)), wHi = f32x4.splat(<f32>(w + 1));
  const zI = i32x4.splat(z), yI = i32x4.splat(yy);
  const zF = f32x4.splat(<f32>z), yF = f32x4.splat(<f32>yy);
  const w4 = w & ~3;
  for (let xx = 0; xx < w4; xx += 4) {
    const f0 = v128.load(fp), f1 = v128.load(fp, 16), f2 = v128.load(fp, 32);
    fp += 48;
    const uz = flowZ(f0, f1, f2), uy = flowY(f0, f1, f2), ux = flowX(f0, f1, f2);
    const xI = i32x4.add(i32x4.splat(xx), i32x4(0, 1, 2, 3));
    const xF = f32x4.convert_i32x4_s(xI);
    // D
    const iz = floorCoord4(zF, uz, dHi);
    const tz = f32x4.sub(uz, f32x4.convert_i32x4_s(i32x4.sub(iz, zI)));
    const iz1 = i32x4.add(iz, plus1);
    const wz0 = v128.and(f32x4.sub(one, tz), i32x4.lt_u(iz, dV));
    const wz1 = v128.and(tz, i32x4.lt_u(iz1, dV));
    const oz0 = i32x4.mul(i32x4.min_s(i32x4.max_s(iz, zero), dLast), hwV);
    const oz1 = i32x4.mul(i32x4.min_s(i32x4.max_s(iz1, zero), dLast), hwV);
    // H
    const iy = floorCoord4(yF, uy, hHi);
    const ty = f32x4.sub(uy, f32x4.convert_i32x4_s(i32x4.sub(iy, yI)));
    const iy1 = i32x4.add(iy, plus1);
    const wy0 = v128.and(f32x4.sub(one, ty), i32x4.lt_u(iy, hV));
    const wy1 = v128.and(ty, i32x4.lt_u(iy1, hV));
    const oy0 = i32x4.mul(i32x4.min_s(i32x4.max_s(iy, zero), hLast), wV);
    const oy1 = i32x4.mul(i32x4.min_s(i32x4.max_s(iy1, zero), hLast), wV);
    // W: pair (cx, cx + 1)
    const ix = floorCoord4(xF, ux, wHi);
    const tx = f32x4.sub(ux, f32x4.convert_i32x4_s(i32x4.sub(ix, xI)));
    const cx = i32x4.min_s(i32x4.max_s(ix, zero), wLast2);
    const delta = i32x4.sub(cx, ix);
    const m0 = i32x4.eq(delta, zero), m1 = i32x4.eq(delta, plus1), mm1 = i32x4.eq(delta, minus1);
    const omtx = f32x4.sub(one, tx);
    const wA = v128.or(v128.and(omtx, m0), v128.and(tx, m1));
    const wB = v128.or(v128.and(omtx, mm1), v128.and(tx, m0));
    // voxel offsets in bytes (c channels per voxel)
    const r00 = i32x4.mul(i32x4.add(i32x4.add(oz0, oy0), cx), cV);
    const r01 = i32x4.mul(i32x4.add(i32x4.add(oz0, oy1), cx), cV);
    const r10 = i32x4.mul(i32x4.add(i32x4.add(oz1, oy0), cx), cV);
    const r11 = i32x4.mul(i32x4.add(i32x4.add(oz1, oy1), cx), cV);
    // The weights are shared by the channels: one gather per corner and channel.
    const w00 = f32x4.mul(wz0, wy0), w01 = f32x4.mul(wz0, wy1), w10 = f32x4.mul(wz1, wy0), w11 = f32x4.mul(wz1, wy1);
    const a00 = f32x4.mul(w00, wA), b00 = f32x4.mul(w00, wB), a01 = f32x4.mul(w01, wA), b01 = f32x4.mul(w01, wB);
    const a10 = f32x4.mul(w10, wA), b10 = f32x4.mul(w10, wB), a11 = f32x4.mul(w11, wA), b11 = f32x4.mul(w11, wB);
    for (let ch = 0; ch < c; ch++) {
      const e0 = <usize>ch << 2, e1 = e0 + cb;
      let v = f32x4.mul(a00, gather4(xb, r00, e0));
      v = fmadd(b00, gather4(xb, r00, e1), v);
      v = fmadd(a01, gather4(xb, r01, e0), v);
      v = fmadd(b01, gather4(xb, r01, e1), v);
      v = fmadd(a10, gather4(xb, r10, e0), v);
      v = fmadd(b10, gather4(xb, r10, e1), v);
      v = fmadd(a11, gather4(xb, r11, e0), v);
      v = fmadd(b11, gather4(xb, r11, e1), v);
      const o = yp + e0;
      store<f32>(o, f32x4.extract_lane(v, 0));
      store<f32>(o + cb, f32x4.extract_lane(v, 1));
      store<f32>(o + 2 * cb, f32x4.extract_lane(v, 2));
      store<f32>(o + 3 * cb, f32x4.extract_lane(v, 3));
    }
    yp += cb << 2;
  }
}

/**
 * c == 3 (an RGB-like image, the warp-full case), w >= 4: the weights of 4 voxels in SIMD as above,
 * then per voxel SIMD over its 3 channels: each corner is one 16-byte load (3 channels and a spare),
 * its weight splat from the voxel's lane. 8 loads per voxel instead of 24 gathered lanes. Reads up
 * to 4 bytes past the last voxel: the allocator keeps 16 spare bytes after every block.
 */
function warpRowC3(xb: usize, fp: usize, yp: usize, z: i32, yy: i32, d: i32, h: i32, w: i32): void {
  const cV = i32x4.splat(12);
  const hw = h * w;
  const one = f32x4.splat(1.0);
  const zero = i32x4.splat(0), plus1 = i32x4.splat(1), minus1 = i32x4.splat(-1);
  const dV = i32x4.splat(d), hV = i32x4.splat(h);
  const dLast = i32x4.splat(d - 1), hLast = i32x4.splat(h - 1), wLast2 = i32x4.splat(w - 2);
  const hwV = i32x4.splat(hw), wV = i32x4.splat(w);
  const dHi = f32x4.splat(<f32>(d + 1)), hHi = f32x4.splat(<f32>(h + 1)), wHi = f32x4.splat(<f32>(w + 1));
  const zI = i32x4.splat(z), yI = i32x4.splat(yy);
  const zF = f32x4.splat(<f32>z), yF = f32x4.splat(<f32>yy);
  const w4 = w & ~3;
  for (let xx = 0; xx < w4; xx += 4) {
    const f0 = v128.load(fp), f1 = v128.load(fp, 16), f2 = v128.load(fp, 32);
    fp += 48;
    const uz = flowZ(f0, f1, f2), uy = flowY(f0, f1, f2), ux = flowX(f0, f1, f2);
    const xI = i32x4.add(i32x4.splat(xx), i32x4(0, 1, 2, 3));
    const xF = f32x4.convert_i32x4_s(xI);
    // D
    const iz = floorCoord4(zF, uz, dHi);
    const tz = f32x4.sub(uz, f32x4.convert_i32x4_s(i32x4.sub(iz, zI)));
    const iz1 = i32x4.add(iz, plus1);
    const wz0 = v128.and(f32x4.sub(one, tz), i32x4.lt_u(iz, dV));
    const wz1 = v128.and(tz, i32x4.lt_u(iz1, dV));
    const oz0 = i32x4.mul(i32x4.min_s(i32x4.max_s(iz, zero), dLast), hwV);
    const oz1 = i32x4.mul(i32x4.min_s(i32x4.max_s(iz1, zero), dLast), hwV);
    // H
    const iy = floorCoord4(yF, uy, hHi);
    const ty = f32x4.sub(uy, f32x4.convert_i32x4_s(i32x4.sub(iy, yI)));
    const iy1 = i32x4.add(iy, plus1);
    const wy0 = v128.and(f32x4.sub(one, ty), i32x4.lt_u(iy, hV));
    const wy1 = v128.and(ty, i32x4.lt_u(iy1, hV));
    const oy0 = i32x4.mul(i32x4.min_s(i32x4.max_s(iy, zero), hLast), wV);
    const oy1 = i32x4.mul(i32x4.min_s(i32x4.max_s(iy1, zero), hLast), wV);
    // W: pair (cx, cx + 1)
    const ix = floorCoord4(xF, ux, wHi);
    const tx = f32x4.sub(ux, f32x4.convert_i32x4_s(i32x4.sub(ix, xI)));
    const cx = i32x4.min_s(i32x4.max_s(ix, zero), wLast2);
    const delta = i32x4.sub(cx, ix);
    const m0 = i32x4.eq(delta, zero), m1 = i32x4.eq(delta, plus1), mm1 = i32x4.eq(delta, minus1);
    const omtx = f32x4.sub(one, tx);
    const wA = v128.or(v128.and(omtx, m0), v128.and(tx, m1));
    const wB = v128.or(v128.and(omtx, mm1), v128.and(tx, m0));
    // voxel offsets in bytes (c channels per voxel)
    const r00 = i32x4.mul(i32x4.add(i32x4.add(oz0, oy0), cx), cV);
    const r01 = i32x4.mul(i32x4.add(i32x4.add(oz0, oy1), cx), cV);
    const r10 = i32x4.mul(i32x4.add(i32x4.add(oz1, oy0), cx), cV);
    const r11 = i32x4.mul(i32x4.add(i32x4.add(oz1, oy1), cx), cV);
    // The weights are shared by the channels: one gather per corner and channel.
    const w00 = f32x4.mul(wz0, wy0), w01 = f32x4.mul(wz0, wy1), w10 = f32x4.mul(wz1, wy0), w11 = f32x4.mul(wz1, wy1);
    const a00 = f32x4.mul(w00, wA), b00 = f32x4.mul(w00, wB), a01 = f32x4.mul(w01, wA), b01 = f32x4.mul(w01, wB);
    const a10 = f32x4.mul(w10, wA), b10 = f32x4.mul(w10, wB), a11 = f32x4.mul(w11, wA), b11 = f32x4.mul(w11, wB);
    {
      // voxel 0: corner A = 3 channels at r, corner B right after (+12); the 4th lane is spare
      const x00 = xb + <usize>i32x4.extract_lane(r00, 0), x01 = xb + <usize>i32x4.extract_lane(r01, 0);
      const x10 = xb + <usize>i32x4.extract_lane(r10, 0), x11 = xb + <usize>i32x4.extract_lane(r11, 0);
      let v = f32x4.mul(v128.shuffle<f32>(a00, a00, 0, 0, 0, 0), v128.load(x00));
      v = fmadd(v128.shuffle<f32>(b00, b00, 0, 0, 0, 0), v128.load(x00, 12), v);
      v = fmadd(v128.shuffle<f32>(a01, a01, 0, 0, 0, 0), v128.load(x01), v);
      v = fmadd(v128.shuffle<f32>(b01, b01, 0, 0, 0, 0), v128.load(x01, 12), v);
      v = fmadd(v128.shuffle<f32>(a10, a10, 0, 0, 0, 0), v128.load(x10), v);
      v = fmadd(v128.shuffle<f32>(b10, b10, 0, 0, 0, 0), v128.load(x10, 12), v);
      v = fmadd(v128.shuffle<f32>(a11, a11, 0, 0, 0, 0), v128.load(x11), v);
      v = fmadd(v128.shuffle<f32>(b11, b11, 0, 0, 0, 0), v128.load(x11, 12), v);
      v128.store(yp, v, 0); // the spare lane is overwritten by the next voxel
    }
    {
      // voxel 1: corner A = 3 channels at r, corner B right after (+12); the 4th lane is spare
      const x00 = xb + <usize>i32x4.extract_lane(r00, 1), x01 = xb + <usize>i32x4.extract_lane(r01, 1);
      const x10 = xb + <usize>i32x4.extract_lane(r10, 1), x11 = xb + <usize>i32x4.extract_lane(r11, 1);
      let v = f32x4.mul(v128.shuffle<f32>(a00, a00, 1, 1, 1, 1), v128.load(x00));
      v = fmadd(v128.shuffle<f32>(b00, b00, 1, 1, 1, 1), v128.load(x00, 12), v);
      v = fmadd(v128.shuffle<f32>(a01, a01, 1, 1, 1, 1), v128.load(x01), v);
      v = fmadd(v128.shuffle<f32>(b01, b01, 1, 1, 1, 1), v128.load(x01, 12), v);
      v = fmadd(v128.shuffle<f32>(a10, a10, 1, 1, 1, 1), v128.load(x10), v);
      v = fmadd(v128.shuffle<f32>(b10, b10, 1, 1, 1, 1), v128.load(x10, 12), v);
      v = fmadd(v128.shuffle<f32>(a11, a11, 1, 1, 1, 1), v128.load(x11), v);
      v = fmadd(v128.shuffle<f32>(b11, b11, 1, 1, 1, 1), v128.load(x11, 12), v);
      v128.store(yp, v, 12); // the spare lane is overwritten by the next voxel
    }
    {
      // voxel 2: corner A = 3 channels at r, corner B right after (+12); the 4th lane is spare
      const x00 = xb + <usize>i32x4.extract_lane(r00, 2), x01 = xb + <usize>i32x4.extract_lane(r01, 2);
      const x10 = xb + <usize>i32x4.extract_lane(r10, 2), x11 = xb + <usize>i32x4.extract_lane(r11, 2);
      let v = f32x4.mul(v128.shuffle<f32>(a00, a00, 2, 2, 2, 2), v128.load(x00));
      v = fmadd(v128.shuffle<f32>(b00, b00, 2, 2, 2, 2), v128.load(x00, 12), v);
      v = fmadd(v128.shuffle<f32>(a01, a01, 2, 2, 2, 2), v128.load(x01), v);
      v = fmadd(v128.shuffle<f32>(b01, b01, 2, 2, 2, 2), v128.load(x01, 12), v);
      v = fmadd(v128.shuffle<f32>(a10, a10, 2, 2, 2, 2), v128.load(x10), v);
      v = fmadd(v128.shuffle<f32>(b10, b10, 2, 2, 2, 2), v128.load(x10, 12), v);
      v = fmadd(v128.shuffle<f32>(a11, a11, 2, 2, 2, 2), v128.load(x11), v);
      v = fmadd(v128.shuffle<f32>(b11, b11, 2, 2, 2, 2), v128.load(x11, 12), v);
      v128.store(yp, v, 24); // the spare lane is overwritten by the next voxel
    }
    {
      // voxel 3: corner A = 3 channels at r, corner B right after (+12); the 4th lane is spare
      const x00 = xb + <usize>i32x4.extract_lane(r00, 3), x01 = xb + <usize>i32x4.extract_lane(r01, 3);
      const x10 = xb + <usize>i32x4.extract_lane(r10, 3), x11 = xb + <usize>i32x4.extract_lane(r11, 3);
      let v = f32x4.mul(v128.shuffle<f32>(a00, a00, 3, 3, 3, 3), v128.load(x00));
      v = fmadd(v128.shuffle<f32>(b00, b00, 3, 3, 3, 3), v128.load(x00, 12), v);
      v = fmadd(v128.shuffle<f32>(a01, a01, 3, 3, 3, 3), v128.load(x01), v);
      v = fmadd(v128.shuffle<f32>(b01, b01, 3, 3, 3, 3), v128.load(x01, 12), v);
      v = fmadd(v128.shuffle<f32>(a10, a10, 3, 3, 3, 3), v128.load(x10), v);
      v = fmadd(v128.shuffle<f32>(b10, b10, 3, 3, 3, 3), v128.load(x10, 12), v);
      v = fmadd(v128.shuffle<f32>(a11, a11, 3, 3, 3, 3), v128.load(x11), v);
      v = fmadd(v128.shuffle<f32>(b11, b11, 3, 3, 3, 3), v128.load(x11, 12), v);
      // the last voxel: exactly 12 bytes (the next ones may belong to another thread's slab)
      v128.store64_lane(yp, v, 0, 36);
      v128.store32_lane(yp, v, 2, 44);
    }
    yp += 48;
  }
}

/** dx[base + lane offset] += a[lane], dx[base + lane offset + 4] += b[lane], lanes in order. */
// @ts-ignore: decorator
@inline function scatterPair4(base: usize, offs: v128, a: v128, b: v128): void {
  let p = base + <usize>i32x4.extract_lane(offs, 0);
  store<f32>(p, load<f32>(p) + f32x4.extract_lane(a, 0));
  store<f32>(p, load<f32>(p, 4) + f32x4.extract_lane(b, 0), 4);
  p = base + <usize>i32x4.extract_lane(offs, 1);
  store<f32>(p, load<f32>(p) + f32x4.extract_lane(a, 1));
  store<f32>(p, load<f32>(p, 4) + f32x4.extract_lane(b, 1), 4);
  p = base + <usize>i32x4.extract_lane(offs, 2);
  store<f32>(p, load<f32>(p) + f32x4.extract_lane(a, 2));
  store<f32>(p, load<f32>(p, 4) + f32x4.extract_lane(b, 2), 4);
  p = base + <usize>i32x4.extract_lane(offs, 3);
  store<f32>(p, load<f32>(p) + f32x4.extract_lane(a, 3));
  store<f32>(p, load<f32>(p, 4) + f32x4.extract_lane(b, 3), 4);
}

/** Backward of warpRowC1 (same pair scheme): scatters into dx and writes 4 (z, y, x) triples of dflow. */
function warpBackwardRowC1(xb: usize, dxb: usize, fp: usize, dyp: usize, gp: usize, z: i32, yy: i32, d: i32, h: i32, w: i32, scatter: bool): void {
  const hw = h * w;
  const one = f32x4.splat(1.0);
  const zero = i32x4.splat(0), plus1 = i32x4.splat(1), minus1 = i32x4.splat(-1);
  const dV = i32x4.splat(d), hV = i32x4.splat(h);
  const dLast = i32x4.splat(d - 1), hLast = i32x4.splat(h - 1), wLast2 = i32x4.splat(w - 2);
  const hwV = i32x4.splat(hw), wV = i32x4.splat(w);
  const dHi = f32x4.splat(<f32>(d + 1)), hHi = f32x4.splat(<f32>(h + 1)), wHi = f32x4.splat(<f32>(w + 1));
  const zI = i32x4.splat(z), yI = i32x4.splat(yy);
  const zF = f32x4.splat(<f32>z), yF = f32x4.splat(<f32>yy);
  const w4 = w & ~3;
  for (let xx = 0; xx < w4; xx += 4) {
    const f0 = v128.load(fp), f1 = v128.load(fp, 16), f2 = v128.load(fp, 32);
    fp += 48;
    const uz = flowZ(f0, f1, f2), uy = flowY(f0, f1, f2), ux = flowX(f0, f1, f2);
    const xI = i32x4.add(i32x4.splat(xx), i32x4(0, 1, 2, 3));
    const xF = f32x4.convert_i32x4_s(xI);
    // D
    const iz = floorCoord4(zF, uz, dHi);
    const tz = f32x4.sub(uz, f32x4.convert_i32x4_s(i32x4.sub(iz, zI)));
    const iz1 = i32x4.add(iz, plus1);
    const kz0 = i32x4.lt_u(iz, dV), kz1 = i32x4.lt_u(iz1, dV);
    const mz0 = v128.and(one, kz0), mz1 = v128.and(one, kz1);
    const wz0 = v128.and(f32x4.sub(one, tz), kz0), wz1 = v128.and(tz, kz1);
    const oz0 = i32x4.mul(i32x4.min_s(i32x4.max_s(iz, zero), dLast), hwV);
    const oz1 = i32x4.mul(i32x4.min_s(i32x4.max_s(iz1, zero), dLast), hwV);
    // H
    const iy = floorCoord4(yF, uy, hHi);
    const ty = f32x4.sub(uy, f32x4.convert_i32x4_s(i32x4.sub(iy, yI)));
    const iy1 = i32x4.add(iy, plus1);
    const ky0 = i32x4.lt_u(iy, hV), ky1 = i32x4.lt_u(iy1, hV);
    const my0 = v128.and(one, ky0), my1 = v128.and(one, ky1);
    const wy0 = v128.and(f32x4.sub(one, ty), ky0), wy1 = v128.and(ty, ky1);
    const oy0 = i32x4.mul(i32x4.min_s(i32x4.max_s(iy, zero), hLast), wV);
    const oy1 = i32x4.mul(i32x4.min_s(i32x4.max_s(iy1, zero), hLast), wV);
    // W: pair (cx, cx + 1), weights wA/wB and their slopes sA/sB w.r.t. the x coordinate
    const ix = floorCoord4(xF, ux, wHi);
    const tx = f32x4.sub(ux, f32x4.convert_i32x4_s(i32x4.sub(ix, xI)));
    const cx = i32x4.min_s(i32x4.max_s(ix, zero), wLast2);
    const delta = i32x4.sub(cx, ix);
    const k0 = i32x4.eq(delta, zero), k1 = i32x4.eq(delta, plus1), km1 = i32x4.eq(delta, minus1);
    const omtx = f32x4.sub(one, tx);
    const wA = v128.or(v128.and(omtx, k0), v128.and(tx, k1));
    const wB = v128.or(v128.and(omtx, km1), v128.and(tx, k0));
    const m0 = v128.and(one, k0), m1 = v128.and(one, k1), mm1 = v128.and(one, km1);
    const sA = f32x4.sub(m1, m0), sB = f32x4.sub(m0, mm1);
    const r00 = i32x4.shl(i32x4.add(i32x4.add(oz0, oy0), cx), 2);
    const r01 = i32x4.shl(i32x4.add(i32x4.add(oz0, oy1), cx), 2);
    const r10 = i32x4.shl(i32x4.add(i32x4.add(oz1, oy0), cx), 2);
    const r11 = i32x4.shl(i32x4.add(i32x4.add(oz1, oy1), cx), 2);
    const a00 = gather4(xb, r00, 0), b00 = gather4(xb, r00, 4);
    const a01 = gather4(xb, r01, 0), b01 = gather4(xb, r01, 4);
    const a10 = gather4(xb, r10, 0), b10 = gather4(xb, r10, 4);
    const a11 = gather4(xb, r11, 0), b11 = gather4(xb, r11, 4);
    // interpolated rows and their x-slopes
    const q00 = fmadd(wB, b00, f32x4.mul(wA, a00));
    const q01 = fmadd(wB, b01, f32x4.mul(wA, a01));
    const q10 = fmadd(wB, b10, f32x4.mul(wA, a10));
    const q11 = fmadd(wB, b11, f32x4.mul(wA, a11));
    const s00 = fmadd(sB, b00, f32x4.mul(sA, a00));
    const s01 = fmadd(sB, b01, f32x4.mul(sA, a01));
    const s10 = fmadd(sB, b10, f32x4.mul(sA, a10));
    const s11 = fmadd(sB, b11, f32x4.mul(sA, a11));
    const g = v128.load(dyp);
    dyp += 16;
    const gz = f32x4.mul(g, f32x4.sub(
      f32x4.mul(mz1, fmadd(wy1, q11, f32x4.mul(wy0, q10))),
      f32x4.mul(mz0, fmadd(wy1, q01, f32x4.mul(wy0, q00)))));
    const gy = f32x4.mul(g, fmadd(wz1, f32x4.sub(f32x4.mul(my1, q11), f32x4.mul(my0, q10)), f32x4.mul(wz0, f32x4.sub(f32x4.mul(my1, q01), f32x4.mul(my0, q00)))));
    const gx = f32x4.mul(g, fmadd(wz1, f32x4.add(f32x4.mul(wy0, s10), f32x4.mul(wy1, s11)), f32x4.mul(wz0, f32x4.add(f32x4.mul(wy0, s00), f32x4.mul(wy1, s01)))));
    // interleave to (z, y, x) triples
    const t0 = v128.shuffle<f32>(gz, gy, 0, 4, 1, 5); // z0 y0 z1 y1
    const t2 = v128.shuffle<f32>(gz, gy, 2, 6, 3, 7); // z2 y2 z3 y3
    v128.store(gp, v128.shuffle<f32>(t0, gx, 0, 1, 4, 2));
    v128.store(gp, v128.shuffle<f32>(v128.shuffle<f32>(gy, gx, 1, 5, 1, 5), t2, 0, 1, 4, 5), 16);
    v128.store(gp, v128.shuffle<f32>(gx, t2, 2, 6, 7, 3), 32);
    gp += 48;
    // scatter into dx (lane by lane: corners of neighbouring samples may coincide)
    if (!scatter) continue;
    const gz0 = f32x4.mul(g, wz0), gz1 = f32x4.mul(g, wz1);
    const g00 = f32x4.mul(gz0, wy0), g01 = f32x4.mul(gz0, wy1), g10 = f32x4.mul(gz1, wy0), g11 = f32x4.mul(gz1, wy1);
    scatterPair4(dxb, r00, f32x4.mul(g00, wA), f32x4.mul(g00, wB));
    scatterPair4(dxb, r01, f32x4.mul(g01, wA), f32x4.mul(g01, wB));
    scatterPair4(dxb, r10, f32x4.mul(g10, wA), f32x4.mul(g10, wB));
    scatterPair4(dxb, r11, f32x4.mul(g11, wA), f32x4.mul(g11, wB));
  }
}

// ---------------------------------------------------------------------------------------------
// Trilinear warp, forward.

/** y[b,z,y,x,:] = trilinear sample of x[b] at (z + flow0, y + flow1, x + flow2), zeros outside. */
export function warp(x: usize, flow: usize, y: usize, n: i32, d: i32, h: i32, w: i32, c: i32): void {
  warpRows(x, flow, y, n, d, h, w, c, 0, n * d * h);
}

/** Output rows [r0, r1) of the flattened (b, z, y) axis: the unit a thread takes (threads.ts). */
export function warpRows(x: usize, flow: usize, y: usize, n: i32, d: i32, h: i32, w: i32, c: i32, r0: i32, r1: i32): void {
  const hw = h * w;
  const dhw = d * hw;
  const dHi = <f32>(d + 1), hHi = <f32>(h + 1), wHi = <f32>(w + 1);
  const cBytes = <usize>c << 2;
  const c4 = c & ~3;
  let fp = flow + <usize>r0 * <usize>w * 12;
  let yp = y + <usize>r0 * <usize>w * cBytes;
  for (let r = r0; r < r1; r++) {
    const yy = r % h, bz = r / h, z = bz % d, b = bz / d;
    const xb = x + <usize>b * <usize>dhw * cBytes;
    {
      {
        let xx = 0;
        if (c == 1 && w >= 4) {
          warpRowC1(xb, fp, yp, z, yy, d, h, w);
          xx = w & ~3;
          fp += <usize>xx * 12;
          yp += <usize>xx << 2;
        } else if (c == 3 && w >= 4) {
          warpRowC3(xb, fp, yp, z, yy, d, h, w);
          xx = w & ~3;
          fp += <usize>xx * 12;
          yp += <usize>xx * 12;
        } else if (c < 4 && w >= 4) {
          warpRowC(xb, fp, yp, z, yy, d, h, w, c);
          xx = w & ~3;
          fp += <usize>xx * 12;
          yp += <usize>xx * cBytes;
        }
        for (; xx < w; xx++) {
          const uz = load<f32>(fp), uy = load<f32>(fp, 4), ux = load<f32>(fp, 8);
          fp += 12;
          // axis D
          const iz = <i32>Mathf.floor(clampCoord(<f32>z + uz, dHi));
          const tz = uz - <f32>(iz - z);
          const wz0 = maskIn(<f32>1 - tz, iz, d), wz1 = maskIn(tz, iz + 1, d);
          const oz0 = clampIndex(iz, d - 1) * hw, oz1 = clampIndex(iz + 1, d - 1) * hw;
          // axis H
          const iy = <i32>Mathf.floor(clampCoord(<f32>yy + uy, hHi));
          const ty = uy - <f32>(iy - yy);
          const wy0 = maskIn(<f32>1 - ty, iy, h), wy1 = maskIn(ty, iy + 1, h);
          const oy0 = clampIndex(iy, h - 1) * w, oy1 = clampIndex(iy + 1, h - 1) * w;
          // axis W
          const ix = <i32>Mathf.floor(clampCoord(<f32>xx + ux, wHi));
          const tx = ux - <f32>(ix - xx);
          const wx0 = maskIn(<f32>1 - tx, ix, w), wx1 = maskIn(tx, ix + 1, w);
          const ox0 = clampIndex(ix, w - 1), ox1 = clampIndex(ix + 1, w - 1);

          if (c == 1) {
            const a = xb + (<usize>(oz0 + oy0) << 2), bb = xb + (<usize>(oz0 + oy1) << 2);
            const e = xb + (<usize>(oz1 + oy0) << 2), f = xb + (<usize>(oz1 + oy1) << 2);
            const x0 = <usize>ox0 << 2, x1 = <usize>ox1 << 2;
            const v0 = wy0 * (wx0 * load<f32>(a + x0) + wx1 * load<f32>(a + x1))
                     + wy1 * (wx0 * load<f32>(bb + x0) + wx1 * load<f32>(bb + x1));
            const v1 = wy0 * (wx0 * load<f32>(e + x0) + wx1 * load<f32>(e + x1))
                     + wy1 * (wx0 * load<f32>(f + x0) + wx1 * load<f32>(f + x1));
            store<f32>(yp, wz0 * v0 + wz1 * v1);
            yp += 4;
          } else {
            const w000 = wz0 * wy0 * wx0, w001 = wz0 * wy0 * wx1, w010 = wz0 * wy1 * wx0, w011 = wz0 * wy1 * wx1;
            const w100 = wz1 * wy0 * wx0, w101 = wz1 * wy0 * wx1, w110 = wz1 * wy1 * wx0, w111 = wz1 * wy1 * wx1;
            const p000 = xb + <usize>(oz0 + oy0 + ox0) * cBytes, p001 = xb + <usize>(oz0 + oy0 + ox1) * cBytes;
            const p010 = xb + <usize>(oz0 + oy1 + ox0) * cBytes, p011 = xb + <usize>(oz0 + oy1 + ox1) * cBytes;
            const p100 = xb + <usize>(oz1 + oy0 + ox0) * cBytes, p101 = xb + <usize>(oz1 + oy0 + ox1) * cBytes;
            const p110 = xb + <usize>(oz1 + oy1 + ox0) * cBytes, p111 = xb + <usize>(oz1 + oy1 + ox1) * cBytes;
            let ch = 0;
            if (c4 > 0) {
              const s000 = f32x4.splat(w000), s001 = f32x4.splat(w001), s010 = f32x4.splat(w010), s011 = f32x4.splat(w011);
              const s100 = f32x4.splat(w100), s101 = f32x4.splat(w101), s110 = f32x4.splat(w110), s111 = f32x4.splat(w111);
              for (; ch < c4; ch += 4) {
                const o = <usize>ch << 2;
                let acc = f32x4.mul(s000, v128.load(p000 + o));
                acc = fmadd(s001, v128.load(p001 + o), acc);
                acc = fmadd(s010, v128.load(p010 + o), acc);
                acc = fmadd(s011, v128.load(p011 + o), acc);
                acc = fmadd(s100, v128.load(p100 + o), acc);
                acc = fmadd(s101, v128.load(p101 + o), acc);
                acc = fmadd(s110, v128.load(p110 + o), acc);
                acc = fmadd(s111, v128.load(p111 + o), acc);
                v128.store(yp + o, acc);
              }
            }
            for (; ch < c; ch++) {
              const o = <usize>ch << 2;
              store<f32>(yp + o,
                w000 * load<f32>(p000 + o) + w001 * load<f32>(p001 + o) + w010 * load<f32>(p010 + o) + w011 * load<f32>(p011 + o)
                + w100 * load<f32>(p100 + o) + w101 * load<f32>(p101 + o) + w110 * load<f32>(p110 + o) + w111 * load<f32>(p111 + o));
            }
            yp += cBytes;
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Trilinear warp, backward.

/**
 * dx (overwritten) = adjoint of warp w.r.t. x applied to dy (scatter with the trilinear weights);
 * dflow (overwritten) = d sum(warp(x, flow) * dy) / d flow, one-sided (floor) derivative.
 */
export function warpBackward(x: usize, flow: usize, dy: usize, dx: usize, dflow: usize,
  n: i32, d: i32, h: i32, w: i32, c: i32): void {
  warpBackwardRows(x, flow, dy, dx, dflow, n, d, h, w, c, 0, n * d * h, 0);
}

/**
 * Rows [r0, r1) of the flattened (b, z, y) axis: dflow of those rows, and their scatter into the
 * image gradient partial `part` at dx + part * |x| (zeroed here in full: a scatter reaches anywhere).
 * Threads write disjoint partials, summed by the caller in a fixed order.
 */
export function warpBackwardRows(x: usize, flow: usize, dy: usize, dx: usize, dflow: usize,
  n: i32, d: i32, h: i32, w: i32, c: i32, r0: i32, r1: i32, part: i32): void {
  const hw = h * w;
  const dhw = d * hw;
  const dHi = <f32>(d + 1), hHi = <f32>(h + 1), wHi = <f32>(w + 1);
  const cBytes = <usize>c << 2;
  const c4 = c & ~3;
  // dx == 0: the image needs no gradient; only dflow is computed (no scatter).
  const scatter = dx != 0;
  if (scatter) {
    dx += <usize>part * <usize>n * <usize>dhw * cBytes;
    memory.fill(dx, 0, <usize>n * <usize>dhw * cBytes);
  }
  let fp = flow + <usize>r0 * <usize>w * 12;
  let gp = dflow + <usize>r0 * <usize>w * 12;
  let dyp = dy + <usize>r0 * <usize>w * cBytes;
  for (let r = r0; r < r1; r++) {
    const yy = r % h, bz = r / h, z = bz % d, b = bz / d;
    const boff = <usize>b * <usize>dhw * cBytes;
    const xb = x + boff;
    const dxb = dx + boff;
    {
      {
        let xx = 0;
        if (c == 1 && w >= 4) {
          warpBackwardRowC1(xb, dxb, fp, dyp, gp, z, yy, d, h, w, scatter);
          xx = w & ~3;
          fp += <usize>xx * 12;
          gp += <usize>xx * 12;
          dyp += <usize>xx << 2;
        }
        for (; xx < w; xx++) {
          const uz = load<f32>(fp), uy = load<f32>(fp, 4), ux = load<f32>(fp, 8);
          fp += 12;
          const iz = <i32>Mathf.floor(clampCoord(<f32>z + uz, dHi));
          const tz = uz - <f32>(iz - z);
          const mz0 = inside(iz, d), mz1 = inside(iz + 1, d);
          const wz0 = maskIn(<f32>1 - tz, iz, d), wz1 = maskIn(tz, iz + 1, d);
          const oz0 = clampIndex(iz, d - 1) * hw, oz1 = clampIndex(iz + 1, d - 1) * hw;
          const iy = <i32>Mathf.floor(clampCoord(<f32>yy + uy, hHi));
          const ty = uy - <f32>(iy - yy);
          const my0 = inside(iy, h), my1 = inside(iy + 1, h);
          const wy0 = maskIn(<f32>1 - ty, iy, h), wy1 = maskIn(ty, iy + 1, h);
          const oy0 = clampIndex(iy, h - 1) * w, oy1 = clampIndex(iy + 1, h - 1) * w;
          const ix = <i32>Mathf.floor(clampCoord(<f32>xx + ux, wHi));
          const tx = ux - <f32>(ix - xx);
          const mx0 = inside(ix, w), mx1 = inside(ix + 1, w);
          const wx0 = maskIn(<f32>1 - tx, ix, w), wx1 = maskIn(tx, ix + 1, w);
          const ox0 = clampIndex(ix, w - 1), ox1 = clampIndex(ix + 1, w - 1);

          const w000 = wz0 * wy0 * wx0, w001 = wz0 * wy0 * wx1, w010 = wz0 * wy1 * wx0, w011 = wz0 * wy1 * wx1;
          const w100 = wz1 * wy0 * wx0, w101 = wz1 * wy0 * wx1, w110 = wz1 * wy1 * wx0, w111 = wz1 * wy1 * wx1;
          const e000 = <usize>(oz0 + oy0 + ox0) * cBytes, e001 = <usize>(oz0 + oy0 + ox1) * cBytes;
          const e010 = <usize>(oz0 + oy1 + ox0) * cBytes, e011 = <usize>(oz0 + oy1 + ox1) * cBytes;
          const e100 = <usize>(oz1 + oy0 + ox0) * cBytes, e101 = <usize>(oz1 + oy0 + ox1) * cBytes;
          const e110 = <usize>(oz1 + oy1 + ox0) * cBytes, e111 = <usize>(oz1 + oy1 + ox1) * cBytes;

          // G_ijk = sum over channels of dy * x[corner ijk]; dx[corner ijk] += w_ijk * dy.
          let g000: f32 = 0, g001: f32 = 0, g010: f32 = 0, g011: f32 = 0;
          let g100: f32 = 0, g101: f32 = 0, g110: f32 = 0, g111: f32 = 0;
          let ch = 0;
          if (c4 > 0) {
            const s000 = f32x4.splat(w000), s001 = f32x4.splat(w001), s010 = f32x4.splat(w010), s011 = f32x4.splat(w011);
            const s100 = f32x4.splat(w100), s101 = f32x4.splat(w101), s110 = f32x4.splat(w110), s111 = f32x4.splat(w111);
            let a000 = f32x4.splat(0), a001 = f32x4.splat(0), a010 = f32x4.splat(0), a011 = f32x4.splat(0);
            let a100 = f32x4.splat(0), a101 = f32x4.splat(0), a110 = f32x4.splat(0), a111 = f32x4.splat(0);
            for (; ch < c4; ch += 4) {
              const o = <usize>ch << 2;
              const g = v128.load(dyp + o);
              a000 = fmadd(g, v128.load(xb + e000 + o), a000);
              a001 = fmadd(g, v128.load(xb + e001 + o), a001);
              a010 = fmadd(g, v128.load(xb + e010 + o), a010);
              a011 = fmadd(g, v128.load(xb + e011 + o), a011);
              a100 = fmadd(g, v128.load(xb + e100 + o), a100);
              a101 = fmadd(g, v128.load(xb + e101 + o), a101);
              a110 = fmadd(g, v128.load(xb + e110 + o), a110);
              a111 = fmadd(g, v128.load(xb + e111 + o), a111);
              // scatter (corners may coincide after clamping: each update is a separate load/store)
              if (scatter) {
                v128.store(dxb + e000 + o, fmadd(s000, g, v128.load(dxb + e000 + o)));
                v128.store(dxb + e001 + o, fmadd(s001, g, v128.load(dxb + e001 + o)));
                v128.store(dxb + e010 + o, fmadd(s010, g, v128.load(dxb + e010 + o)));
                v128.store(dxb + e011 + o, fmadd(s011, g, v128.load(dxb + e011 + o)));
                v128.store(dxb + e100 + o, fmadd(s100, g, v128.load(dxb + e100 + o)));
                v128.store(dxb + e101 + o, fmadd(s101, g, v128.load(dxb + e101 + o)));
                v128.store(dxb + e110 + o, fmadd(s110, g, v128.load(dxb + e110 + o)));
                v128.store(dxb + e111 + o, fmadd(s111, g, v128.load(dxb + e111 + o)));
              }
            }
            g000 = hsum(a000); g001 = hsum(a001); g010 = hsum(a010); g011 = hsum(a011);
            g100 = hsum(a100); g101 = hsum(a101); g110 = hsum(a110); g111 = hsum(a111);
          }
          for (; ch < c; ch++) {
            const o = <usize>ch << 2;
            const g = load<f32>(dyp + o);
            g000 += g * load<f32>(xb + e000 + o); g001 += g * load<f32>(xb + e001 + o);
            g010 += g * load<f32>(xb + e010 + o); g011 += g * load<f32>(xb + e011 + o);
            g100 += g * load<f32>(xb + e100 + o); g101 += g * load<f32>(xb + e101 + o);
            g110 += g * load<f32>(xb + e110 + o); g111 += g * load<f32>(xb + e111 + o);
            if (scatter) {
              store<f32>(dxb + e000 + o, load<f32>(dxb + e000 + o) + w000 * g);
              store<f32>(dxb + e001 + o, load<f32>(dxb + e001 + o) + w001 * g);
              store<f32>(dxb + e010 + o, load<f32>(dxb + e010 + o) + w010 * g);
              store<f32>(dxb + e011 + o, load<f32>(dxb + e011 + o) + w011 * g);
              store<f32>(dxb + e100 + o, load<f32>(dxb + e100 + o) + w100 * g);
              store<f32>(dxb + e101 + o, load<f32>(dxb + e101 + o) + w101 * g);
              store<f32>(dxb + e110 + o, load<f32>(dxb + e110 + o) + w110 * g);
              store<f32>(dxb + e111 + o, load<f32>(dxb + e111 + o) + w111 * g);
            }

          }
          dyp += cBytes;

          // d/dp of the interpolant: difference of the two masked faces, weighted along the others.
          const gz0 = wy0 * (wx0 * g000 + wx1 * g001) + wy1 * (wx0 * g010 + wx1 * g011);
          const gz1 = wy0 * (wx0 * g100 + wx1 * g101) + wy1 * (wx0 * g110 + wx1 * g111);
          const gy0 = wz0 * (wx0 * g000 + wx1 * g001) + wz1 * (wx0 * g100 + wx1 * g101);
          const gy1 = wz0 * (wx0 * g010 + wx1 * g011) + wz1 * (wx0 * g110 + wx1 * g111);
          const gx0 = wz0 * (wy0 * g000 + wy1 * g010) + wz1 * (wy0 * g100 + wy1 * g110);
          const gx1 = wz0 * (wy0 * g001 + wy1 * g011) + wz1 * (wy0 * g101 + wy1 * g111);
          store<f32>(gp, mz1 * gz1 - mz0 * gz0);
          store<f32>(gp, my1 * gy1 - my0 * gy0, 4);
          store<f32>(gp, mx1 * gx1 - mx0 * gx0, 8);
          gp += 12;
        }
      }
    }
  }
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// ---------------------------------------------------------------------------------------------
// Nearest-neighbour warp (label maps).

/**
 * y[b,z,y,x,:] = the 32-bit words of x[b] at the nearest voxel floor(p + 0.5) per axis, or
 * `outsideBits` for every channel when that voxel is outside the volume (or p is NaN). Computed in
 * f64, so z + flow (flow an f32) is exact and the rounding matches a float64 reference bit for bit.
 */
export function warpNearest(x: usize, flow: usize, y: usize, n: i32, d: i32, h: i32, w: i32, c: i32, outsideBits: i32): void {
  const hw = h * w;
  const dhw = d * hw;
  const cBytes = <usize>c << 2;
  const dd = <f64>d, hh = <f64>h, ww = <f64>w;
  let fp = flow;
  let yp = y;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * <usize>dhw * cBytes;
    for (let z = 0; z < d; z++) {
      for (let yy = 0; yy < h; yy++) {
        for (let xx = 0; xx < w; xx++) {
          const qz = Math.floor(<f64>z + <f64>load<f32>(fp) + 0.5);
          const qy = Math.floor(<f64>yy + <f64>load<f32>(fp, 4) + 0.5);
          const qx = Math.floor(<f64>xx + <f64>load<f32>(fp, 8) + 0.5);
          fp += 12;
          // NaN fails every comparison, so it lands outside
          if (qz >= 0 && qz < dd && qy >= 0 && qy < hh && qx >= 0 && qx < ww) {
            const src = xb + <usize>((<i32>qz * h + <i32>qy) * w + <i32>qx) * cBytes;
            if (c == 1) {
              store<i32>(yp, load<i32>(src));
            } else {
              for (let ch = 0; ch < c; ch++) store<i32>(yp + (<usize>ch << 2), load<i32>(src + (<usize>ch << 2)));
            }
          } else {
            for (let ch = 0; ch < c; ch++) store<i32>(yp + (<usize>ch << 2), outsideBits);
          }
          yp += cBytes;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Box sum.

/**
 * One separable pass: src and dst viewed as [outer, len, inner] (element counts);
 * dst[o, i, k] = sum of src[o, j, k] for j in [i - r, i + r] clamped to [0, len - 1].
 * Running sums in f64 (no drift); cost per element independent of r. src and dst must differ.
 */
function boxPass(src: usize, dst: usize, outer: i32, len: i32, inner: i32, r: i32): void {
  const rowBytes = <usize>inner << 2;
  const lineBytes = <usize>len * rowBytes;
  const first = min<i32>(r, len - 1); // last index of the window of i = 0
  const inner16 = inner & ~15;
  const inner4 = inner & ~3;
  for (let o = 0; o < outer; o++) {
    const s = src + <usize>o * lineBytes;
    const t = dst + <usize>o * lineBytes;
    let k = 0;
    // 16 lanes at a time (a cache line), as 8 f64x2 running sums
    for (; k < inner16; k += 16) {
      const sk = s + (<usize>k << 2), tk = t + (<usize>k << 2);
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
      let a4 = f64x2.splat(0), a5 = f64x2.splat(0), a6 = f64x2.splat(0), a7 = f64x2.splat(0);
      for (let j = 0; j <= first; j++) {
        const p = sk + <usize>j * rowBytes;
        const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
        a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v0)); a1 = f64x2.add(a1, f64x2.promote_low_f32x4(hiHalf(v0)));
        a2 = f64x2.add(a2, f64x2.promote_low_f32x4(v1)); a3 = f64x2.add(a3, f64x2.promote_low_f32x4(hiHalf(v1)));
        a4 = f64x2.add(a4, f64x2.promote_low_f32x4(v2)); a5 = f64x2.add(a5, f64x2.promote_low_f32x4(hiHalf(v2)));
        a6 = f64x2.add(a6, f64x2.promote_low_f32x4(v3)); a7 = f64x2.add(a7, f64x2.promote_low_f32x4(hiHalf(v3)));
      }
      for (let i = 0; i < len; i++) {
        const q = tk + <usize>i * rowBytes;
        v128.store(q, demote2(a0, a1));
        v128.store(q, demote2(a2, a3), 16);
        v128.store(q, demote2(a4, a5), 32);
        v128.store(q, demote2(a6, a7), 48);
        const add = i + 1 + r, sub = i - r;
        if (add < len) {
          const p = sk + <usize>add * rowBytes;
          const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
          a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v0)); a1 = f64x2.add(a1, f64x2.promote_low_f32x4(hiHalf(v0)));
          a2 = f64x2.add(a2, f64x2.promote_low_f32x4(v1)); a3 = f64x2.add(a3, f64x2.promote_low_f32x4(hiHalf(v1)));
          a4 = f64x2.add(a4, f64x2.promote_low_f32x4(v2)); a5 = f64x2.add(a5, f64x2.promote_low_f32x4(hiHalf(v2)));
          a6 = f64x2.add(a6, f64x2.promote_low_f32x4(v3)); a7 = f64x2.add(a7, f64x2.promote_low_f32x4(hiHalf(v3)));
        }
        if (sub >= 0) {
          const p = sk + <usize>sub * rowBytes;
          const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
          a0 = f64x2.sub(a0, f64x2.promote_low_f32x4(v0)); a1 = f64x2.sub(a1, f64x2.promote_low_f32x4(hiHalf(v0)));
          a2 = f64x2.sub(a2, f64x2.promote_low_f32x4(v1)); a3 = f64x2.sub(a3, f64x2.promote_low_f32x4(hiHalf(v1)));
          a4 = f64x2.sub(a4, f64x2.promote_low_f32x4(v2)); a5 = f64x2.sub(a5, f64x2.promote_low_f32x4(hiHalf(v2)));
          a6 = f64x2.sub(a6, f64x2.promote_low_f32x4(v3)); a7 = f64x2.sub(a7, f64x2.promote_low_f32x4(hiHalf(v3)));
        }
      }
    }
    // 4 lanes at a time
    for (; k < inner4; k += 4) {
      const sk = s + (<usize>k << 2), tk = t + (<usize>k << 2);
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
      for (let j = 0; j <= first; j++) {
        const v = v128.load(sk + <usize>j * rowBytes);
        a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v)); a1 = f64x2.add(a1, f64x2.promote_low_f32x4(hiHalf(v)));
      }
      for (let i = 0; i < len; i++) {
        v128.store(tk + <usize>i * rowBytes, demote2(a0, a1));
        const add = i + 1 + r, sub = i - r;
        if (add < len) {
          const v = v128.load(sk + <usize>add * rowBytes);
          a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v)); a1 = f64x2.add(a1, f64x2.promote_low_f32x4(hiHalf(v)));
        }
        if (sub >= 0) {
          const v = v128.load(sk + <usize>sub * rowBytes);
          a0 = f64x2.sub(a0, f64x2.promote_low_f32x4(v)); a1 = f64x2.sub(a1, f64x2.promote_low_f32x4(hiHalf(v)));
        }
      }
    }
    // scalar tail
    for (; k < inner; k++) {
      const sk = s + (<usize>k << 2), tk = t + (<usize>k << 2);
      let a: f64 = 0;
      for (let j = 0; j <= first; j++) a += <f64>load<f32>(sk + <usize>j * rowBytes);
      for (let i = 0; i < len; i++) {
        store<f32>(tk + <usize>i * rowBytes, <f32>a);
        const add = i + 1 + r, sub = i - r;
        if (add < len) a += <f64>load<f32>(sk + <usize>add * rowBytes);
        if (sub >= 0) a -= <f64>load<f32>(sk + <usize>sub * rowBytes);
      }
    }
  }
}

// @ts-ignore: decorator
@inline function hiHalf(v: v128): v128 {
  return v128.shuffle<f32>(v, v, 2, 3, 2, 3);
}

// @ts-ignore: decorator
@inline function demote2(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/**
 * y[b,z,y,x,ch] = sum of x over [z-rd, z+rd] x [y-rh, y+rh] x [x-rw, x+rw] (zero padding), per
 * channel. Separable running sums (W, then H, then D; axes with radius 0 are skipped), so the cost
 * per voxel does not depend on the radii. `scratch` holds n*d*h*w*c f32 and is clobbered.
 */
export function boxSum(x: usize, y: usize, scratch: usize, n: i32, d: i32, h: i32, w: i32, c: i32,
  rd: i32, rh: i32, rw: i32): void {
  const total = <usize>n * <usize>d * <usize>h * <usize>w * <usize>c;
  const passes = i32(rw > 0) + i32(rh > 0) + i32(rd > 0);
  if (passes == 0) {
    if (x != y) memory.copy(y, x, total << 2);
    return;
  }
  // ping-pong so that the last pass writes y: 1 pass x->y; 2 passes x->s->y; 3 passes x->y->s->y
  let src = x;
  let dst = passes == 2 ? scratch : y;
  if (rw > 0) {
    boxPass(src, dst, n * d * h, w, c, rw);
    src = dst; dst = src == y ? scratch : y;
  }
  if (rh > 0) {
    boxPass(src, dst, n * d, h, w * c, rh);
    src = dst; dst = src == y ? scratch : y;
  }
  if (rd > 0) {
    boxPass(src, dst, n, d, h * w * c, rd);
  }
}
