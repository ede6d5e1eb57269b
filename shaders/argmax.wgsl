// x [rows, cols] -> out i32 [rows]: index of the first maximum. Params (the struct below, in order): t0, n, cols.
struct Params { t0: u32, n: u32, cols: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<i32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let cols = p.cols;
  let row = l * cols;
  var best = x[row];
  var bi = 0u;
  for (var c = 1u; c < cols; c++) {
    let v = x[row + c];
    if (v > best) { best = v; bi = c; }
  }
  out[l] = i32(bi);
}
