// out = op(x). Params (the struct below, in order): t0, n, p0, p1. OP codes: src/backend/op-table.ts (constants in opcodes.wgsl).
struct Params { t0: u32, n: u32, p0: f32, p1: f32 }
@group(0) @binding(0) var<uniform> p: Params;
override OP: u32 = 0u;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
fn unaryOp(v: f32, p0: f32, p1: f32) -> f32 {
  switch (OP) {
    case UNARY_NEG: { return -v; }
    case UNARY_ABS: { return abs(v); }
    case UNARY_EXP: { return exp(v); }
    case UNARY_LOG: { return log(v); }
    case UNARY_SQRT: { return sqrt(v); }
    case UNARY_SQUARE: { return v * v; }
    case UNARY_RELU: { return select(0.0, v, v > 0.0); }
    case UNARY_LEAKY_RELU: { return select(v * p0, v, v > 0.0); }
    case UNARY_SIGMOID: { return sigmoidf(v); }
    case UNARY_TANH: { return tanhf(v); }
    case UNARY_CLAMP: { return min(max(v, p0), p1); }
    case UNARY_AFFINE: { return v * p0 + p1; }
    case UNARY_POW: { return powf(v, p0); }
    case UNARY_SIGN: { return select(select(0.0, -1.0, v < 0.0), 1.0, v > 0.0); }
    case UNARY_RECIPROCAL: { return 1.0 / v; }
    case UNARY_SOFTPLUS: { return softplusf(v); }
    case UNARY_STEP: { return select(0.0, 1.0, v > 0.0); }
    default: { return v; }
  }
}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  out[l] = unaryOp(x[l], p.p0, p.p1);
}
