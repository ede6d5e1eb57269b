// out[i, c] = idx[i] == c ? on : off. Params (the struct below, in order): t0, n, depth, on, off.
struct Params { t0: u32, n: u32, depth: u32, on: f32, off: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let g = p.t0 + l;
  let depth = p.depth;
  out[l] = select(p.off, p.on, idx[g / depth] == i32(g % depth));
}
