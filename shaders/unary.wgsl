// out = op(x). Words: 0 t0, 1 n, 2 p0, 3 p1. OP codes as src/backend/wasm/backend.ts (UNARY).
override OP: u32 = 0u;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
fn unaryOp(v: f32, p0: f32, p1: f32) -> f32 {
  switch (OP) {
    case 0u: { return -v; }
    case 1u: { return abs(v); }
    case 2u: { return exp(v); }
    case 3u: { return log(v); }
    case 4u: { return sqrt(v); }
    case 5u: { return v * v; }
    case 6u: { return select(0.0, v, v > 0.0); }
    case 7u: { return select(v * p0, v, v > 0.0); }
    case 8u: { return sigmoidf(v); }
    case 9u: { return tanhf(v); }
    case 10u: { return min(max(v, p0), p1); }
    case 11u: { return v * p0 + p1; }
    case 12u: { return powf(v, p0); }
    case 13u: { return select(select(0.0, -1.0, v < 0.0), 1.0, v > 0.0); }
    case 14u: { return 1.0 / v; }
    case 15u: { return softplusf(v); }
    case 16u: { return select(0.0, 1.0, v > 0.0); }
    default: { return v; }
  }
}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  out[l] = unaryOp(x[l], pf(2u), pf(3u));
}
