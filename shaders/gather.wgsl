// x as [outer, axisLen, inner]; out[o, i, :] = x[o, idx[i], :]. Params (the struct below, in order): t0, n, axisLen, inner, nIdx.
struct Params { t0: u32, n: u32, axisLen: u32, inner: u32, nIdx: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let g = p.t0 + l;
  let inner = p.inner;
  let nIdx = p.nIdx;
  let k = g % inner;
  let i = (g / inner) % nIdx;
  let o = g / (inner * nIdx);
  out[l] = x[(o * p.axisLen + u32(idx[i])) * inner + k];
}
