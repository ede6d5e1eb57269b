// Stage 2 of dotAcc: one workgroup sums the m partials (strided per thread, then a tree) and adds the
// total to out[outIndex]. Words: 0 t0, 1 m, 2 outIndex.
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let m = pu(1u);
  let t = lid.x;
  var acc = 0.0;
  // Kahan-compensated per-thread sums: m can be large (n / 1024 partials)
  var comp = 0.0;
  for (var i = t; i < m; i += WG) {
    let yv = partial[i] - comp;
    let tv = acc + yv;
    comp = (tv - acc) - yv;
    acc = tv;
  }
  part[t] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { part[t] += part[t + s]; }
    workgroupBarrier();
  }
  if (t == 0u) { out[pu(2u)] = out[pu(2u)] + part[0]; }
}
