// dx[b, iz, iy, ix, ci] = sum over taps reaching an output voxel and over co of dy * w (gather form,
// no scatter). Words: 0 t0, 1 n, 2 dyBase, 3 dxBase, 4..21 geometry.
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> wt: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  let g = pu(0u) + l;
  let d = G(1u); let h = G(2u); let w = G(3u); let cin = G(4u);
  let kd = G(5u); let kh = G(6u); let kw = G(7u); let cout = G(8u);
  let sd = Gi(9u); let sh = Gi(10u); let sw = Gi(11u); let pd = Gi(12u); let ph = Gi(13u); let pw = Gi(14u);
  let od = Gi(15u); let oh = Gi(16u); let ow = Gi(17u);
  let ci = g % cin;
  var r = g / cin;
  let ix = i32(r % w); r /= w;
  let iy = i32(r % h); r /= h;
  let iz = i32(r % d);
  let b = i32(r / d);
  var acc = 0.0;
  let dyBase = pu(2u);
  for (var kz = 0u; kz < kd; kz++) {
    let tz = iz + pd - i32(kz);
    if (tz < 0 || tz % sd != 0) { continue; }
    let oz = tz / sd;
    if (oz >= od) { continue; }
    for (var ky = 0u; ky < kh; ky++) {
      let ty = iy + ph - i32(ky);
      if (ty < 0 || ty % sh != 0) { continue; }
      let oy = ty / sh;
      if (oy >= oh) { continue; }
      for (var kx = 0u; kx < kw; kx++) {
        let tx = ix + pw - i32(kx);
        if (tx < 0 || tx % sw != 0) { continue; }
        let ox = tx / sw;
        if (ox >= ow) { continue; }
        let gb = u32(((b * od + oz) * oh + oy) * ow + ox) * cout - dyBase;
        let wb = (((kz * kh + ky) * kw + kx) * cin + ci) * cout;
        for (var co = 0u; co < cout; co++) {
          acc += dy[gb + co] * wt[wb + co];
        }
      }
    }
  }
  dx[g - pu(3u)] = acc;
}
