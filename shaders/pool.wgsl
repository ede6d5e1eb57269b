// Max (OP 0) or average (OP 1) pooling, window = stride = f per axis. Words: 0 t0, 1 n, 2..12 geometry,
// 13 xBase, 14 yBase (first elements of the bound windows: large tensors run in D slabs).
override OP: u32 = 0u;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  let g = pu(0u) + l;
  let d = R(1u); let h = R(2u); let w = R(3u); let c = R(4u);
  let fd = R(5u); let fh = R(6u); let fw = R(7u); let od = R(8u); let oh = R(9u); let ow = R(10u);
  let ch = g % c;
  var r = g / c;
  let ox = r % ow; r /= ow;
  let oy = r % oh; r /= oh;
  let oz = r % od;
  let b = r / od;
  var acc = 0.0;
  var first = true;
  for (var a = 0u; a < fd; a++) {
    for (var q = 0u; q < fh; q++) {
      for (var s = 0u; s < fw; s++) {
        let v = x[(((b * d + oz * fd + a) * h + oy * fh + q) * w + ox * fw + s) * c + ch - pu(13u)];
        if (first) { acc = v; first = false; }
        else if (OP == POOL_MAX) { acc = max(acc, v); }
        else { acc += v; }
      }
    }
  }
  if (OP != POOL_MAX) { acc *= 1.0 / f32(fd * fh * fw); }
  y[g - pu(14u)] = acc;
}
