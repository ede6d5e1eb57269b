// dst[dOff + i] = src[sOff + i] (32-bit words). Words: 0 t0, 1 n, 2 sOff, 3 dOff (relative to the windows).
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  dst[pu(3u) + l] = src[pu(2u) + l];
}
