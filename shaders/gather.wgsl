// x as [outer, axisLen, inner]; out[o, i, :] = x[o, idx[i], :]. Words: 0 t0, 1 n, 2 axisLen, 3 inner, 4 nIdx.
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  let g = pu(0u) + l;
  let inner = pu(3u);
  let nIdx = pu(4u);
  let k = g % inner;
  let i = (g / inner) % nIdx;
  let o = g / (inner * nIdx);
  out[l] = x[(o * pu(2u) + u32(idx[i])) * inner + k];
}
