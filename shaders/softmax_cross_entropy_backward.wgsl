// dlogits[r, c] = (probs[r, c] - (c == label[r])) * dloss[r]. Params (the struct below, in order): t0, n, classes.
struct Params { t0: u32, n: u32, classes: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> probs: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read> dloss: array<f32>;
@group(0) @binding(4) var<storage, read_write> dlogits: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let cl = p.classes;
  let r = l / cl;
  let p = probs[l];
  dlogits[l] = select(p, p - 1.0, labels[r] == i32(l % cl)) * dloss[r];
}
