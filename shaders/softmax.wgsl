// Row-wise softmax. Params (the struct below, in order): t0, n (rows), classes.
struct Params { t0: u32, n: u32, classes: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let cl = p.classes;
  let row = l * cl;
  var m = x[row];
  for (var c = 1u; c < cl; c++) { m = max(m, x[row + c]); }
  var s = 0.0;
  for (var c = 0u; c < cl; c++) { let e = exp(x[row + c] - m); out[row + c] = e; s += e; }
  let inv = 1.0 / s;
  for (var c = 0u; c < cl; c++) { out[row + c] = out[row + c] * inv; }
}
