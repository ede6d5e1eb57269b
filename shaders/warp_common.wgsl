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
