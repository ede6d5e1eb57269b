// Adjoint of gather, as a gather (no atomics; duplicate indices sum in index order like the wasm kernel):
// dx[o, j, k] += sum over i with idx[i] == j of dy[o, i, k]. Words: 0 t0, 1 n, 2 axisLen, 3 inner, 4 nIdx.
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  let g = pu(0u) + l;
  let axisLen = pu(2u);
  let inner = pu(3u);
  let nIdx = pu(4u);
  let k = g % inner;
  let j = (g / inner) % axisLen;
  let o = g / (inner * axisLen);
  var v = dx[g];
  for (var i = 0u; i < nIdx; i++) {
    if (u32(idx[i]) == j) { v += dy[(o * nIdx + i) * inner + k]; }
  }
  dx[g] = v;
}
