// out[bi] = A[bi] @ B[bi] with 16 x 16 tiles staged in workgroup memory (each operand value is read
// from storage once per tile instead of once per output). One workgroup per 16 x 16 output block.
// Words as matmul.wgsl: 0 t0, 1 groups, 2 m, 3 k, 4 ncols, 5 aRow, 6 aCol, 7 aBatch, 8 bRow, 9 bCol,
// 10 bBatch, 11 row blocks, 12 column blocks.
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
const T: u32 = 16u;
var<workgroup> ta: array<f32, 256>;
var<workgroup> tb: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let w = wgLin(wid, nwg);
  let live = w < pu(1u);
  let m = pu(2u); let k = pu(3u); let n = pu(4u);
  let rb = pu(11u); let cb = pu(12u);
  let bi = w / (rb * cb);
  let i0 = ((w / cb) % rb) * T;
  let j0 = (w % cb) * T;
  let r = lid.x / T;
  let c = lid.x % T;
  let i = i0 + r;
  let j = j0 + c;
  var acc = 0.0;
  for (var p0 = 0u; p0 < k; p0 += T) {
    // thread (r, c) stages A[i, p0 + c] and B[p0 + r, j]; outside the matrices: 0
    var av = 0.0;
    var bv = 0.0;
    if (live && i < m && p0 + c < k) { av = a[bi * pu(7u) + i * pu(5u) + (p0 + c) * pu(6u)]; }
    if (live && j < n && p0 + r < k) { bv = b[bi * pu(10u) + (p0 + r) * pu(8u) + j * pu(9u)]; }
    ta[lid.x] = av;
    tb[lid.x] = bv;
    workgroupBarrier();
    for (var q = 0u; q < T; q++) { acc += ta[r * T + q] * tb[q * T + c]; }
    workgroupBarrier();
  }
  if (live && i < m && j < n) { out[(bi * m + i) * n + j] = acc; }
}
