// out[bi] = A[bi] @ B[bi] on gemm_core.wgsl; slice s of the core is the batch index. A and B are read
// through (row, column, batch) strides, so transposes cost nothing; vec4 loads where the unit stride
// runs along the loaded axis and everything is 4-aligned (flag a4: A's columns; b4: B's columns), else
// scalar loads of the same bindings. c4: n % 4 == 0, the output written as vec4.
struct Params {
  groups: u32, tilesM: u32, tilesN: u32, M: u32, N: u32, K: u32,
  aRow: u32, aCol: u32, aBatch: u32, bRow: u32, bCol: u32, bBatch: u32, a4: u32, b4: u32, c4: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<vec4<f32>>;

fn kRange(s: u32) -> vec2<u32> { return vec2<u32>(0u, p.K); }

fn loadA4(s: u32, m: u32, k: u32, kEnd: u32) -> vec4<f32> {
  if (m >= p.M || k >= kEnd) { return vec4<f32>(0.0); }
  let i = s * p.aBatch + m * p.aRow + k * p.aCol;
  if ((p.a4 != 0u)) { return a[i >> 2u]; }
  var v = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    if (k + j < kEnd) { let e = i + j * p.aCol; v[j] = a[e >> 2u][e & 3u]; }
  }
  return v;
}

fn loadB4(s: u32, k: u32, n: u32, kEnd: u32) -> vec4<f32> {
  if (k >= kEnd || n >= p.N) { return vec4<f32>(0.0); }
  let i = s * p.bBatch + k * p.bRow + n * p.bCol;
  if ((p.b4 != 0u)) { return b[i >> 2u]; }
  var v = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    if (n + j < p.N) { let e = i + j * p.bCol; v[j] = b[e >> 2u][e & 3u]; }
  }
  return v;
}

fn storeC4(s: u32, m: u32, n: u32, v: vec4<f32>) {
  if (m >= p.M || n >= p.N) { return; }
  let i = (s * p.M + m) * p.N + n;
  if ((p.c4 != 0u)) { out[i >> 2u] = v; return; }
  for (var j = 0u; j < 4u; j++) {
    if (n + j < p.N) { out[(i + j) >> 2u][(i + j) & 3u] = v[j]; }
  }
}
