// Adjoint of gather, as a gather (no atomics; duplicate indices sum in index order like the wasm kernel):
// dx[o, j, k] += sum over i with idx[i] == j of dy[o, i, k]. Params (the struct below, in order): t0, n, axisLen, inner, nIdx.
struct Params { t0: u32, n: u32, axisLen: u32, inner: u32, nIdx: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let g = p.t0 + l;
  let axisLen = p.axisLen;
  let inner = p.inner;
  let nIdx = p.nIdx;
  let k = g % inner;
  let j = (g / inner) % axisLen;
  let o = g / (inner * axisLen);
  var v = dx[g];
  for (var i = 0u; i < nIdx; i++) {
    if (u32(idx[i]) == j) { v += dy[(o * nIdx + i) * inner + k]; }
  }
  dx[g] = v;
}
