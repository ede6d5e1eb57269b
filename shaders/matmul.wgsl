// out[bi] = A[bi] @ B[bi], A and B read through (row, column, batch) strides so transposes cost nothing.
// One thread per output element. Params (the struct below, in order): t0, n, m, k, ncols, aRow, aCol, aBatch,
// bRow, bCol, bBatch.
struct Params { t0: u32, n: u32, m: u32, k: u32, ncols: u32, aRow: u32, aCol: u32, aBatch: u32, bRow: u32, bCol: u32, bBatch: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let g = p.t0 + l;
  let m = p.m;
  let k = p.k;
  let n = p.ncols;
  let j = g % n;
  let i = (g / n) % m;
  let bi = g / (n * m);
  var ai = bi * p.aBatch + i * p.aRow;
  var bj = bi * p.bBatch + j * p.bCol;
  let aStep = p.aCol;
  let bStep = p.bRow;
  var acc = 0.0;
  for (var p = 0u; p < k; p++) {
    acc += a[ai] * b[bj];
    ai += aStep;
    bj += bStep;
  }
  out[l] = acc;
}
