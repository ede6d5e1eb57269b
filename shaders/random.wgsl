// PCG32 (XSH-RR 64/32), the same streams as assembly/random.ts, with 64-bit state as u32 pairs.
// Element i of a stream is draw i: each thread jumps the seeded state ahead by its index with the
// precomputed powers of the LCG (table: seeded state, inc, then (mult, plus) for 2^k steps, k < 32).
// OP 0 uniform [p0, p1), 1 normal (mean p0, std p1; Box-Muller on draw pairs 2j, 2j + 1, one thread
// per pair), 2 dropout mask (keep p0). Params (the struct below, in order): t0, n (elements in this window), p0, p1.
struct Params { t0: u32, n: u32, p0: f32, p1: f32 }
@group(0) @binding(0) var<uniform> p: Params;
override OP: u32 = 0u;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> table: array<u32>;
fn mul32(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu; let a1 = a >> 16u; let b0 = b & 0xffffu; let b1 = b >> 16u;
  let p00 = a0 * b0; let p01 = a0 * b1; let p10 = a1 * b0; let p11 = a1 * b1;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return vec2<u32>((p00 & 0xffffu) | (mid << 16u), p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u));
}
fn mul64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let p = mul32(a.x, b.x);
  return vec2<u32>(p.x, p.y + a.x * b.y + a.y * b.x);
}
fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
  let lo = a.x + b.x;
  return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}
var<private> state: vec2<u32>;
var<private> inc: vec2<u32>;
const MULT = vec2<u32>(0x4C957F2Du, 0x5851F42Du);
fn next() -> u32 {
  let old = state;
  state = add64(mul64(old, MULT), inc);
  // ((old >> 18) ^ old) >> 27, low 32 bits
  let s = vec2<u32>((old.x >> 18u) | (old.y << 14u), old.y >> 18u);
  let xr = vec2<u32>(s.x ^ old.x, s.y ^ old.y);
  let xs = (xr.x >> 27u) | (xr.y << 5u);
  let rot = old.y >> 27u;
  return (xs >> rot) | (xs << ((32u - rot) & 31u));
}
fn jump(i: u32) {
  state = vec2<u32>(table[0], table[1]);
  inc = vec2<u32>(table[2], table[3]);
  for (var k = 0u; k < 32u; k++) {
    if (((i >> k) & 1u) != 0u) {
      let e = 4u + 4u * k;
      state = add64(mul64(vec2<u32>(table[e], table[e + 1u]), state), vec2<u32>(table[e + 2u], table[e + 3u]));
    }
  }
}
fn uniform01() -> f32 { return f32(next() >> 8u) * (1.0 / 16777216.0); }
// WGSL lets log, sin and cos be loose (sin/cos: 2^-11 absolute; SwiftShader's are), so Box-Muller
// uses its own: log by exponent split and the atanh series, sin/cos of 2 pi u by quadrant reduction
// (exact in f32: u has 24 bits) and Taylor polynomials on [-pi/4, pi/4]; both within ~1e-7.
fn logAccurate(v: f32) -> f32 {
  let fr = frexp(v);
  var m = fr.fract;
  var e = fr.exp;
  if (m < 0.70710678) { m = 2.0 * m; e = e - 1; }
  let z = (m - 1.0) / (m + 1.0);
  let z2 = z * z;
  let series = z * (2.0 + z2 * (2.0 / 3.0 + z2 * (2.0 / 5.0 + z2 * (2.0 / 7.0 + z2 * (2.0 / 9.0)))));
  return f32(e) * 0.69314718 + series;
}
fn sinCos2Pi(u: f32) -> vec2<f32> {
  let x = 4.0 * u;
  let q = round(x);
  let t = (x - q) * 1.5707963;
  let t2 = t * t;
  let s = t * (1.0 - t2 / 6.0 * (1.0 - t2 / 20.0 * (1.0 - t2 / 42.0 * (1.0 - t2 / 72.0))));
  let c = 1.0 - t2 / 2.0 * (1.0 - t2 / 12.0 * (1.0 - t2 / 30.0 * (1.0 - t2 / 56.0)));
  switch (u32(q) & 3u) {
    case 0u: { return vec2<f32>(s, c); }
    case 1u: { return vec2<f32>(c, -s); }
    case 2u: { return vec2<f32>(-s, -c); }
    default: { return vec2<f32>(-c, s); }
  }
}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  let n = p.n;
  if (OP == 1u) {
    let e = 2u * l;
    if (e >= n) { return; }
    jump(p.t0 + e);
    let u1 = 1.0 - uniform01();
    let u2 = uniform01();
    let rr = sqrt(-2.0 * logAccurate(u1));
    let sc = sinCos2Pi(u2);
    out[e] = p.p0 + p.p1 * (rr * sc.y);
    if (e + 1u < n) { out[e + 1u] = p.p0 + p.p1 * (rr * sc.x); }
    return;
  }
  if (l >= n) { return; }
  jump(p.t0 + l);
  let u = uniform01();
  if (OP == 0u) {
    out[l] = p.p0 + (p.p1 - p.p0) * u;
  } else {
    out[l] = select(0.0, 1.0 / p.p0, u < p.p0);
  }
}
