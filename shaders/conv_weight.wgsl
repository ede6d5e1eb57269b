// conv3d weight gradient as an implicit GEMM on gemm_core.wgsl with a split reduction:
//   dw[tap, ci, co] = sum over output positions q of x[q * s - pad + tap, ci] * dy[q, co]
// M = taps * cin (row r = (tap, ci)), N = cout, K = output positions of this launch. The K axis is long
// (every voxel), so it is cut into `splits` slices of kPer positions: workgroup slice s writes its
// partial tile to part[s, r, co], and the partials are summed by the parallel reduction (reduce_wg).
// A(r, q) = im2col(x)^T is gathered with scalar loads (consecutive q are cin apart); B = dy is
// row-major [positions, cout]: vec4 loads when cout % 4 == 0 (flag b4).
struct Params {
  groups: u32, tilesM: u32, tilesN: u32, M: u32, N: u32, K: u32, kPer: u32,
  t0: u32, xBase: u32, dyBase: u32, b4: u32,
  d: i32, h: i32, w: i32, cin: u32, kd: u32, kh: u32, kw: u32, cout: u32,
  sd: i32, sh: i32, sw: i32, pd: i32, ph: i32, pw: i32, od: i32, oh: i32, ow: i32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> dy: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> part: array<vec4<f32>>;

fn kRange(s: u32) -> vec2<u32> { return vec2<u32>(s * p.kPer, min(p.K, (s + 1u) * p.kPer)); }

fn loadA4(s: u32, r: u32, q: u32, kEnd: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (r >= p.M) { return v; }
  let tap = r / p.cin;
  let ci = r - tap * p.cin;
  let kx = i32(tap % p.kw);
  let t2 = tap / p.kw;
  let ky = i32(t2 % p.kh);
  let kz = i32(t2 / p.kh);
  for (var j = 0u; j < 4u; j++) {
    if (q + j >= kEnd) { break; }
    let g = p.t0 + q + j;
    let ox = i32(g % u32(p.ow)); var rr = g / u32(p.ow);
    let oy = i32(rr % u32(p.oh)); rr /= u32(p.oh);
    let oz = i32(rr % u32(p.od)); let b = i32(rr / u32(p.od));
    let iz = oz * p.sd - p.pd + kz;
    let iy = oy * p.sh - p.ph + ky;
    let ix = ox * p.sw - p.pw + kx;
    if (iz < 0 || iz >= p.d || iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) { continue; }
    let i = u32((((b * p.d + iz) * p.h + iy) * p.w + ix) * i32(p.cin) + i32(ci)) - p.xBase;
    v[j] = x[i >> 2u][i & 3u];
  }
  return v;
}

fn loadB4(s: u32, q: u32, n: u32, kEnd: u32) -> vec4<f32> {
  if (q >= kEnd || n >= p.N) { return vec4<f32>(0.0); }
  let i = (p.t0 + q) * p.N + n - p.dyBase;
  if ((p.b4 != 0u)) { return dy[i >> 2u]; }
  var v = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    if (n + j < p.N) { v[j] = dy[(i + j) >> 2u][(i + j) & 3u]; }
  }
  return v;
}

fn storeC4(s: u32, r: u32, n: u32, v: vec4<f32>) {
  if (r >= p.M || n >= p.N) { return; }
  let i = (s * p.M + r) * p.N + n;
  if ((p.b4 != 0u)) { part[i >> 2u] = v; return; }
  for (var j = 0u; j < 4u; j++) {
    if (n + j < p.N) { part[(i + j) >> 2u][(i + j) & 3u] = v[j]; }
  }
}
