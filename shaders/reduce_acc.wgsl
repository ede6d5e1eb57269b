// acc = fold(acc, x) elementwise (sum, max, min): reductions whose inner extent alone exceeds a
// binding fold one [inner] row after another. Params (the struct below, in order): t0, n. OP 0 sum, 1 max, 2 min.
struct Params { t0: u32, n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
override OP: u32 = 0u;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> acc: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let a = acc[l];
  let v = x[l];
  if (OP == REDUCE_SUM) { acc[l] = a + v; } else if (OP == REDUCE_MAX) { acc[l] = select(a, v, v > a); } else { acc[l] = select(a, v, v < a); }
}
