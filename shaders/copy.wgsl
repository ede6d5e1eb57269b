// dst[dOff + i] = src[sOff + i] (32-bit words). Params (the struct below, in order): t0, n, sOff, dOff (relative to the windows).
struct Params { t0: u32, n: u32, sOff: u32, dOff: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  dst[p.dOff + l] = src[p.sOff + l];
}
