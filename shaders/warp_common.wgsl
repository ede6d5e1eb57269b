// Trilinear sampling along one axis, exactly as assembly/warp.ts: the coordinate is clamped to
// [-2, size + 1] (NaN goes to -2, outside), corner indices are clamped into the volume for loads and
// their weights are zeroed (a select: exactly 0) when outside.
struct Axis { i0: i32, w0: f32, w1: f32, m0: f32, m1: f32, c0: u32, c1: u32 }
fn axisTaps(pos: i32, u: f32, size: i32) -> Axis {
  var p = f32(pos) + u;
  p = select(-2.0, p, p >= -2.0);
  p = select(p, f32(size + 1), p > f32(size + 1));
  let i0 = i32(floor(p));
  let t = u - f32(i0 - pos);
  let in0 = i0 >= 0 && i0 < size;
  let in1 = i0 + 1 >= 0 && i0 + 1 < size;
  return Axis(i0, select(0.0, 1.0 - t, in0), select(0.0, t, in1), select(0.0, 1.0, in0), select(0.0, 1.0, in1),
    u32(clamp(i0, 0, size - 1)), u32(clamp(i0 + 1, 0, size - 1)));
}
// Fixed-point scale of warp's image-gradient scatter: contributions are summed as 64-bit integers of
// units 2^-S. With |dy| < 2^e (e from frexp of max |dy|) and at most 2^vBits contributions per target
// (one per voxel of the batch, each with a trilinear weight <= 1), every partial sum stays below 2^62 in
// magnitude when S = 62 - vBits - e: the accumulation cannot overflow, and the result is exact up to
// the rounding of each contribution to a unit (<= 2^-S / 2 = 2^(vBits + e - 63)).
fn fixedShift(maxBits: u32, vBits: u32) -> i32 {
  if (maxBits == 0u) { return 0; }
  let e = frexp(bitcast<f32>(maxBits)).exp;
  return clamp(62 - i32(vBits) - e, -120, 120);
}
