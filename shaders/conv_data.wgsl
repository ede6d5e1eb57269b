// conv3d forward (transposed = 0) and its input gradient (transposed = 1) as implicit GEMMs on
// gemm_core.wgsl, channels-last so that both operands are row-major along the reduction:
//   forward:  y[pos, co] = bias[co] + sum_{tap, ci} x[pos * s - pad + tap, ci] * w[tap, ci, co]
//             M = output positions, N = cout, K = taps * cin, A = im2col(x) (read in place), B = w.
//   input gradient: dx[pos, ci] = sum_{tap, co} dy[(pos + pad - tap) / s, co] * wT[tap, co, ci]
//             M = input positions, N = cin, K = taps * cout, A = the strided gather of dy (0 where the
//             division is not exact or out of range), B = w with its two channel axes swapped.
// In both, src is the gathered activation with CS channels per position, B is row-major [K, N] and the
// result row-major [positions, N]. vec4 loads (flags, uniform branches: one pipeline per tile shape): a4 when CS % 4 == 0 (4 consecutive k share a tap),
// b4 when N % 4 == 0; otherwise scalar loads of the same vec4-typed bindings. Windows: t0 is the
// first output row of the launch, srcBase / outBase the first elements of the bound windows (a
// launch covers a slab of depth planes when a tensor exceeds the binding limit).
struct Params {
  groups: u32, tilesM: u32, tilesN: u32, M: u32, N: u32, K: u32,
  t0: u32, srcBase: u32, outBase: u32, hasBias: u32, transposed: u32, a4: u32, b4: u32,
  d: i32, h: i32, w: i32, cin: u32, kd: u32, kh: u32, kw: u32, cout: u32,
  sd: i32, sh: i32, sw: i32, pd: i32, ph: i32, pw: i32, od: i32, oh: i32, ow: i32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> wt: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;

fn kRange(s: u32) -> vec2<u32> { return vec2<u32>(0u, p.K); }

// Element index into src of (row position m, reduction index k), or -1 where the tap reads padding.
fn srcIndex(m: u32, k: u32) -> i32 {
  let cs = select(p.cin, p.cout, (p.transposed != 0u));
  let tap = k / cs;
  let ch = k - tap * cs;
  let kx = i32(tap % p.kw);
  let t2 = tap / p.kw;
  let ky = i32(t2 % p.kh);
  let kz = i32(t2 / p.kh);
  let g = p.t0 + m;
  if (!(p.transposed != 0u)) {
    let ox = i32(g % u32(p.ow)); var r = g / u32(p.ow);
    let oy = i32(r % u32(p.oh)); r /= u32(p.oh);
    let oz = i32(r % u32(p.od)); let b = i32(r / u32(p.od));
    let iz = oz * p.sd - p.pd + kz;
    let iy = oy * p.sh - p.ph + ky;
    let ix = ox * p.sw - p.pw + kx;
    if (iz < 0 || iz >= p.d || iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) { return -1; }
    return (((b * p.d + iz) * p.h + iy) * p.w + ix) * i32(cs) + i32(ch) - i32(p.srcBase);
  }
  let ix = i32(g % u32(p.w)); var r = g / u32(p.w);
  let iy = i32(r % u32(p.h)); r /= u32(p.h);
  let iz = i32(r % u32(p.d)); let b = i32(r / u32(p.d));
  let tz = iz + p.pd - kz;
  let ty = iy + p.ph - ky;
  let tx = ix + p.pw - kx;
  if (tz < 0 || ty < 0 || tx < 0 || tz % p.sd != 0 || ty % p.sh != 0 || tx % p.sw != 0) { return -1; }
  let oz = tz / p.sd; let oy = ty / p.sh; let ox = tx / p.sw;
  if (oz >= p.od || oy >= p.oh || ox >= p.ow) { return -1; }
  return (((b * p.od + oz) * p.oh + oy) * p.ow + ox) * i32(cs) + i32(ch) - i32(p.srcBase);
}

fn src1(i: i32) -> f32 {
  if (i < 0) { return 0.0; }
  return src[u32(i) >> 2u][u32(i) & 3u];
}

fn loadA4(s: u32, m: u32, k: u32, kEnd: u32) -> vec4<f32> {
  if (m >= p.M || k >= kEnd) { return vec4<f32>(0.0); }
  if ((p.a4 != 0u)) {
    // k is a multiple of 4 and the channel count too: k..k+3 are one tap, 4 contiguous channels
    let i = srcIndex(m, k);
    if (i < 0) { return vec4<f32>(0.0); }
    return src[u32(i) >> 2u];
  }
  var v = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    if (k + j < kEnd) { v[j] = src1(srcIndex(m, k + j)); }
  }
  return v;
}

fn loadB4(s: u32, k: u32, n: u32, kEnd: u32) -> vec4<f32> {
  if (k >= kEnd || n >= p.N) { return vec4<f32>(0.0); }
  let i = k * p.N + n;
  if ((p.b4 != 0u)) { return wt[i >> 2u]; }
  var v = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    if (n + j < p.N) { v[j] = wt[(i + j) >> 2u][(i + j) & 3u]; }
  }
  return v;
}

fn storeC4(s: u32, m: u32, n: u32, v: vec4<f32>) {
  if (m >= p.M || n >= p.N) { return; }
  let i = (p.t0 + m) * p.N + n - p.outBase;
  var r = v;
  if (p.hasBias != 0u) {
    for (var j = 0u; j < 4u; j++) { if (n + j < p.N) { r[j] += bias[n + j]; } }
  }
  if ((p.b4 != 0u)) { out[i >> 2u] = r; return; }
  for (var j = 0u; j < 4u; j++) {
    if (n + j < p.N) { out[(i + j) >> 2u][(i + j) & 3u] = r[j]; }
  }
}
