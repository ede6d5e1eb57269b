// out[i] = a[i . aStrides] op b[i . bStrides] over a rank-6 shape. Words: 0 t0, 1 n, 2 aBase, 3 bBase
// (first element of each bound window), 4..9 shape, 10..15 a strides, 16..21 b strides.
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
  if (l >= pu(1u)) { return; }
  var rem = pu(0u) + l;
  var ai = 0u;
  var bi = 0u;
  for (var k = 5i; k >= 0i; k--) {
    let s = pu(4u + u32(k));
    let q = rem % s;
    rem = rem / s;
    ai += q * pu(10u + u32(k));
    bi += q * pu(16u + u32(k));
  }
  out[l] = binOp(a[ai - pu(2u)], b[bi - pu(3u)]);
}
