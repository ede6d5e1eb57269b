// Linear taps of output index o along an axis of `size` inputs with factor f (PyTorch trilinear,
// align_corners = false): source indices (i0, i1), weight of i1 = t; one tap when t == 0.
struct Taps { i0: u32, i1: u32, t: f32, nt: u32 }
fn linTaps(o: u32, size: u32, f: u32) -> Taps {
  if (f == 1u) { return Taps(o, o, 0.0, 1u); }
  var src = (f32(o) + 0.5) * 0.5 - 0.5;
  if (src < 0.0) { src = 0.0; }
  let i0 = u32(floor(src));
  let t = src - f32(i0);
  return Taps(i0, min(i0 + 1u, size - 1u), t, select(2u, 1u, t == 0.0));
}
// Weight with which output o's taps read input i along one axis.
fn tapWeight(tp: Taps, i: u32) -> f32 {
  var wgt = 0.0;
  if (tp.i0 == i) { wgt += 1.0 - tp.t; }
  if (tp.nt == 2u && tp.i1 == i) { wgt += tp.t; }
  return wgt;
}
// Voxel (b, z, y, x, ch) of flat index g in a channels-last [batches, d, h, w, c] tensor.
struct Vox { b: u32, z: u32, y: u32, x: u32, ch: u32 }
fn voxelOf(g: u32, d: u32, h: u32, w: u32, c: u32) -> Vox {
  var r = g / c;
  let x = r % w; r /= w;
  let y = r % h; r /= h;
  return Vox(r / d, r % d, y, x, g % c);
}
