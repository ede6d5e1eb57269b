// Scalar functions shared by the elementwise kernels, written for the same results as the wasm kernels
// where WGSL's builtins differ (pow of negative bases, tanh and sigmoid for large |x|).
fn powf(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  // WGSL rejects inf/NaN constants: the builtin on these runtime values gives them (0^-b = inf,
  // negative^fraction = NaN), as the wasm kernel's pow does.
  if (a == 0.0) { return select(pow(a, b), 0.0, b > 0.0); }
  if (a < 0.0) {
    if (b != floor(b)) { return pow(a, b); }
    let m = pow(-a, b);
    let half = b * 0.5;
    return select(m, -m, half != floor(half));
  }
  return pow(a, b);
}
fn sigmoidf(v: f32) -> f32 {
  if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); }
  let e = exp(v);
  return e / (1.0 + e);
}
fn tanhf(v: f32) -> f32 {
  let e = exp(-2.0 * abs(v));
  let t = (1.0 - e) / (1.0 + e);
  return select(t, -t, v < 0.0);
}
fn softplusf(v: f32) -> f32 {
  return max(v, 0.0) + log(1.0 + exp(-abs(v)));
}

// (s, c) + v: Knuth's two-sum, the exact error of s + v accumulated in c (the compensated dot products).
fn twoSum(x: vec2<f32>, v: f32) -> vec2<f32> {
  let s = x.x + v;
  let bb = s - x.x;
  let e = (x.x - (s - bb)) + (v - bb);
  return vec2<f32>(s, x.y + e);
}
