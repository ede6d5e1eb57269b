// dx = dy * op'(x), y = op(x). Words: 0 t0, 1 n, 2 p0, 3 p1.
override OP: u32 = 0u;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
fn deriv(v: f32, yv: f32, p0: f32, p1: f32) -> f32 {
  switch (OP) {
    case 0u: { return -1.0; }
    case 1u: { return select(select(0.0, -1.0, v < 0.0), 1.0, v > 0.0); }
    case 2u: { return yv; }
    case 3u: { return 1.0 / v; }
    case 4u: { return 0.5 / yv; }
    case 5u: { return 2.0 * v; }
    case 6u: { return select(0.0, 1.0, v > 0.0); }
    case 7u: { return select(p0, 1.0, v > 0.0); }
    case 8u: { return yv * (1.0 - yv); }
    case 9u: { return 1.0 - yv * yv; }
    case 10u: { return select(0.0, 1.0, v >= p0 && v <= p1); }
    case 11u: { return p0; }
    case 12u: { return p0 * powf(v, p0 - 1.0); }
    case 14u: { return -yv * yv; }
    case 15u: { return sigmoidf(v); }
    default: { return 0.0; }
  }
}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  dx[l] = dy[l] * deriv(x[l], y[l], pf(2u), pf(3u));
}
