// y[b, oz, oy, ox, co] = bias[co] + sum_{kz,ky,kx,ci} x[b, oz*sd-pd+kz, ...] * w[kz, ky, kx, ci, co]
// (x outside = 0). One thread per output. Words: 0 t0, 1 n, 2 xBase, 3 yBase (windows of large
// tensors split along D), 4..21 geometry, 22 has bias.
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> wt: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  let g = pu(0u) + l;
  let d = Gi(1u); let h = Gi(2u); let w = Gi(3u); let cin = G(4u);
  let kd = G(5u); let kh = G(6u); let kw = G(7u); let cout = G(8u);
  let sd = Gi(9u); let sh = Gi(10u); let sw = Gi(11u); let pd = Gi(12u); let ph = Gi(13u); let pw = Gi(14u);
  let od = G(15u); let oh = G(16u); let ow = G(17u);
  let co = g % cout;
  var r = g / cout;
  let ox = i32(r % ow); r /= ow;
  let oy = i32(r % oh); r /= oh;
  let oz = i32(r % od);
  let b = i32(r / od);
  var acc = 0.0;
  if (pu(22u) != 0u) { acc = bias[co]; }
  let xBase = pu(2u);
  for (var kz = 0u; kz < kd; kz++) {
    let iz = oz * sd - pd + i32(kz);
    if (iz < 0 || iz >= d) { continue; }
    for (var ky = 0u; ky < kh; ky++) {
      let iy = oy * sh - ph + i32(ky);
      if (iy < 0 || iy >= h) { continue; }
      for (var kx = 0u; kx < kw; kx++) {
        let ix = ox * sw - pw + i32(kx);
        if (ix < 0 || ix >= w) { continue; }
        let xb = u32(((b * d + iz) * h + iy) * w + ix) * cin - xBase;
        let wb = ((kz * kh + ky) * kw + kx) * cin * cout + co;
        for (var ci = 0u; ci < cin; ci++) {
          acc += x[xb + ci] * wt[wb + ci * cout];
        }
      }
    }
  }
  y[g - pu(3u)] = acc;
}
