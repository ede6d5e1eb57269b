// out[i] = a[i . aStrides] op b[i . bStrides] over a rank-6 shape. Params: t0 (first
// thread of this chunk), n, aBase and bBase (first element of each bound window), the shape and the
// operands' strides (rank 6, outermost first).
struct Params { t0: u32, n: u32, aBase: u32, bBase: u32, shape: array<vec4<u32>, 2>, aStrides: array<vec4<u32>, 2>, bStrides: array<vec4<u32>, 2> }
@group(0) @binding(0) var<uniform> p: Params;
override OP: u32 = 0u;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
fn binOp(x: f32, y: f32) -> f32 {
  switch (OP) {
    case BINARY_ADD: { return x + y; }
    case BINARY_SUB: { return x - y; }
    case BINARY_MUL: { return x * y; }
    case BINARY_DIV: { return x / y; }
    case BINARY_MAX: { return max(x, y); }
    case BINARY_MIN: { return min(x, y); }
    case BINARY_POW: { return powf(x, y); }
    case BINARY_GREATER: { return select(0.0, 1.0, x > y); }
    case BINARY_EQUAL: { return select(0.0, 1.0, x == y); }
    default: { return 0.0; }
  }
}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  var rem = p.t0 + l;
  var ai = 0u;
  var bi = 0u;
  for (var k = 5i; k >= 0i; k--) {
    let j = u32(k);
    let s = p.shape[j >> 2u][j & 3u];
    let q = rem % s;
    rem = rem / s;
    ai += q * p.aStrides[j >> 2u][j & 3u];
    bi += q * p.bStrides[j >> 2u][j & 3u];
  }
  out[l] = binOp(a[ai - p.aBase], b[bi - p.bBase]);
}
