// out[bi] = A[bi] @ B[bi], A and B read through (row, column, batch) strides so transposes cost nothing.
// One thread per output element. Words: 0 t0, 1 n, 2 m, 3 k, 4 ncols, 5 aRow, 6 aCol, 7 aBatch,
// 8 bRow, 9 bCol, 10 bBatch.
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  let g = pu(0u) + l;
  let m = pu(2u);
  let k = pu(3u);
  let n = pu(4u);
  let j = g % n;
  let i = (g / n) % m;
  let bi = g / (n * m);
  var ai = bi * pu(7u) + i * pu(5u);
  var bj = bi * pu(10u) + j * pu(9u);
  let aStep = pu(6u);
  let bStep = pu(8u);
  var acc = 0.0;
  for (var p = 0u; p < k; p++) {
    acc += a[ai] * b[bj];
    ai += aStep;
    bj += bStep;
  }
  out[l] = acc;
}
