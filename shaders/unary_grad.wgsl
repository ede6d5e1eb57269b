// dx = dy * op'(x), y = op(x). Params (the struct below, in order): t0, n, p0, p1.
struct Params { t0: u32, n: u32, p0: f32, p1: f32 }
@group(0) @binding(0) var<uniform> p: Params;
override OP: u32 = 0u;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
fn deriv(v: f32, yv: f32, p0: f32, p1: f32) -> f32 {
  switch (OP) {
    case UNARY_NEG: { return -1.0; }
    case UNARY_ABS: { return select(select(0.0, -1.0, v < 0.0), 1.0, v > 0.0); }
    case UNARY_EXP: { return yv; }
    case UNARY_LOG: { return 1.0 / v; }
    case UNARY_SQRT: { return 0.5 / yv; }
    case UNARY_SQUARE: { return 2.0 * v; }
    case UNARY_RELU: { return select(0.0, 1.0, v > 0.0); }
    case UNARY_LEAKY_RELU: { return select(p0, 1.0, v > 0.0); }
    case UNARY_SIGMOID: { return yv * (1.0 - yv); }
    case UNARY_TANH: { return 1.0 - yv * yv; }
    case UNARY_CLAMP: { return select(0.0, 1.0, v >= p0 && v <= p1); }
    case UNARY_AFFINE: { return p0; }
    case UNARY_POW: { return p0 * powf(v, p0 - 1.0); }
    case UNARY_RECIPROCAL: { return -yv * yv; }
    case UNARY_SOFTPLUS: { return sigmoidf(v); }
    default: { return 0.0; }
  }
}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  dx[l] = dy[l] * deriv(x[l], y[l], p.p0, p.p1);
}
