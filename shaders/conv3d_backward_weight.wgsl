// Partial weight gradients: thread (p, e) sums x * dy for weight e = (kz, ky, kx, ci, co) over block p
// of P output positions, (b, oz) rows in [rowLo, rowHi) times (oy, ox); the host then sums the nb
// blocks per weight (the reduce kernel). Blocks of threads instead of one workgroup per weight with
// a barrier tree: barriers are slow on CPU adapters and the weight count is small.
// Words: 0 t0, 1 n (threads = nb * nW), 2 xBase, 3 dyBase, 4..21 geometry, 22 rowLo, 23 rowHi, 24 nW, 25 P.
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  let nW = pu(24u);
  let e = l % nW;
  let p = l / nW;
  let d = Gi(1u); let h = Gi(2u); let w = Gi(3u); let cin = G(4u);
  let kh = G(6u); let kw = G(7u); let cout = G(8u);
  let sd = Gi(9u); let sh = Gi(10u); let sw = Gi(11u); let pd = Gi(12u); let ph = Gi(13u); let pw = Gi(14u);
  let od = G(15u); let oh = G(16u); let ow = G(17u);
  let co = e % cout;
  var r = e / cout;
  let ci = r % cin; r /= cin;
  let kx = i32(r % kw); r /= kw;
  let ky = i32(r % kh);
  let kz = i32(r / kh);
  let rowLo = pu(22u);
  let plane = oh * ow;
  let total = (pu(23u) - rowLo) * plane;
  let P = pu(25u);
  let q1 = min(total, (p + 1u) * P);
  var acc = 0.0;
  // walk the block's positions with counters (divisions only at the start and per row)
  let q0 = p * P;
  var row = rowLo + q0 / plane;
  var oy = (q0 % plane) / ow;
  var ox = (q0 % plane) % ow;
  var iz = i32(row % od) * sd - pd + kz;
  var zin = iz >= 0 && iz < d;
  var xrow = (i32(row / od) * d + iz) * h;
  var gi = (row * plane + oy * ow + ox) * cout + co - pu(3u);
  for (var q = q0; q < q1; q++) {
    let iy = i32(oy) * sh - ph + ky;
    let ix = i32(ox) * sw - pw + kx;
    if (zin && iy >= 0 && iy < h && ix >= 0 && ix < w) {
      acc += x[u32((xrow + iy) * w + ix) * cin + ci - pu(2u)] * dy[gi];
    }
    gi += cout;
    ox++;
    if (ox == ow) {
      ox = 0u;
      oy++;
      if (oy == oh) {
        oy = 0u;
        row++;
        iz = i32(row % od) * sd - pd + kz;
        zin = iz >= 0 && iz < d;
        xrow = (i32(row / od) * d + iz) * h;
      }
    }
  }
  partial[l] = acc;
}
