// out[i, c] = idx[i] == c ? on : off. Words: 0 t0, 1 n, 2 depth, 3 on, 4 off.
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  let g = pu(0u) + l;
  let depth = pu(2u);
  out[l] = select(pf(4u), pf(3u), idx[g / depth] == i32(g % depth));
}
