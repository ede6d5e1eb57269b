// Adjoint of upsample as a gather: each input voxel sums the weighted gradients of the output voxels
// whose taps read it (for f = 2 those lie in [2i - 2, 2i + 3] along the axis). Words: 0 t0, 1 n, 2..12 geometry,
// 13 dyBase, 14 dxBase.
override MODE: u32 = 0u;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
fn lo(i: u32, f: u32) -> u32 { return select(i, max(2u * i, 2u) - 2u, f == 2u); }
fn hi(i: u32, f: u32, o: u32) -> u32 { return select(i + 1u, min(2u * i + 4u, o), f == 2u); }
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  let g = pu(0u) + l;
  let d = R(1u); let h = R(2u); let w = R(3u); let c = R(4u);
  let fd = R(5u); let fh = R(6u); let fw = R(7u); let od = R(8u); let oh = R(9u); let ow = R(10u);
  let ch = g % c;
  var r = g / c;
  let ix = r % w; r /= w;
  let iy = r % h; r /= h;
  let iz = r % d;
  let b = r / d;
  var acc = 0.0;
  if (MODE == 0u) {
    for (var a = 0u; a < fd; a++) {
      for (var q = 0u; q < fh; q++) {
        for (var s = 0u; s < fw; s++) {
          acc += dy[(((b * od + iz * fd + a) * oh + iy * fh + q) * ow + ix * fw + s) * c + ch - pu(13u)];
        }
      }
    }
    dx[g - pu(14u)] = acc;
    return;
  }
  for (var oz = lo(iz, fd); oz < hi(iz, fd, od); oz++) {
    let wz = tapWeight(linTaps(oz, d, fd), iz);
    if (wz == 0.0) { continue; }
    for (var oy = lo(iy, fh); oy < hi(iy, fh, oh); oy++) {
      let wy = tapWeight(linTaps(oy, h, fh), iy);
      if (wy == 0.0) { continue; }
      for (var ox = lo(ix, fw); ox < hi(ix, fw, ow); ox++) {
        let wx = tapWeight(linTaps(ox, w, fw), ix);
        if (wx == 0.0) { continue; }
        acc += wz * wy * wx * dy[(((b * od + oz) * oh + oy) * ow + ox) * c + ch - pu(13u)];
      }
    }
  }
  dx[g - pu(14u)] = acc;
}
