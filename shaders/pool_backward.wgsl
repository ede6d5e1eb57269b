// Adjoint of pooling, one thread per input voxel (gather): max routes dy to the FIRST maximum of the
// window in (z, y, x) scan order; voxels beyond od * fd (etc.) get 0. Words: 0 t0, 1 n, 2..12 geometry,
// 13 xBase, 14 dyBase, 15 dxBase.
override OP: u32 = 0u;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
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
  let oz = iz / fd; let oy = iy / fh; let ox = ix / fw;
  let o = g - pu(15u);
  if (oz >= od || oy >= oh || ox >= ow) { dx[o] = 0.0; return; }
  let gv = dy[(((b * od + oz) * oh + oy) * ow + ox) * c + ch - pu(14u)];
  if (OP != POOL_MAX) { dx[o] = gv * (1.0 / f32(fd * fh * fw)); return; }
  var best = 0.0;
  var ba = 0u; var bq = 0u; var bs = 0u;
  var first = true;
  for (var a = 0u; a < fd; a++) {
    for (var q = 0u; q < fh; q++) {
      for (var s = 0u; s < fw; s++) {
        let v = x[(((b * d + oz * fd + a) * h + oy * fh + q) * w + ox * fw + s) * c + ch - pu(13u)];
        if (first || v > best) { best = v; ba = a; bq = q; bs = s; first = false; }
      }
    }
  }
  let mine = ba == iz - oz * fd && bq == iy - oy * fh && bs == ix - ox * fw;
  dx[o] = select(0.0, gv, mine);
}
