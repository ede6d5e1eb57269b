// One separable pass of boxSum: src, dst viewed as [outer, len, inner]; dst[o, i, k] = sum of
// src[o, j, k], j in [i - r, i + r] clamped. Direct sums (no running sums: f32 running sums drift and
// WGSL has no f64), so the cost is 2r + 1 loads per element and pass. Words: 0 t0, 1 n, 2 len, 3 inner, 4 r,
// 5 srcBase, 6 dstBase.
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  let g = pu(0u) + l;
  let len = pu(2u); let inner = pu(3u); let r = pu(4u);
  let k = g % inner;
  let i = (g / inner) % len;
  let o = g / (inner * len);
  let j0 = select(0u, i - r, i >= r);
  let j1 = min(i + r, len - 1u);
  var acc = 0.0;
  for (var j = j0; j <= j1; j++) { acc += src[(o * len + j) * inner + k - pu(5u)]; }
  dst[g - pu(6u)] = acc;
}
