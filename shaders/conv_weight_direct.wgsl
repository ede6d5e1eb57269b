// conv3d weight gradient for CPU adapters (the 'direct' GEMM rule of ops/gemm.ts): the sums of
// conv_weight.wgsl + gemm_core.wgsl computed directly,
//   part[s, tap * cin + ci, co] = sum over output positions q of slice s of x[q * s - pad + tap, ci] * dy[q, co]
// A thread owns one row (tap, ci) and 16 output channels (4 vec4 accumulators) and walks the positions
// of its slice with coordinates stepped incrementally (no index division per position). All threads of
// a workgroup read the same dy row at each step (one address in every lane); x is one load per step.
// The host sums the slices (reduce). No workgroup memory, no barriers.
struct Params {
  groups: u32, tilesM: u32, tilesN: u32, M: u32, N: u32, K: u32, kPer: u32, t0: u32, xBase: u32, dyBase: u32, b4: u32,
  d: i32, h: i32, w: i32, cin: u32, kd: u32, kh: u32, kw: u32, cout: u32,
  sd: i32, sh: i32, sw: i32, pd: i32, ph: i32, pw: i32, od: i32, oh: i32, ow: i32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> part: array<f32>;
// dy as vec4 (a read-only alias) when N % 4 == 0 (b4): one access per lane instead of four
@group(0) @binding(4) var<storage, read> dy4v: array<vec4<f32>>;

fn dy4(i: u32, c: u32) -> vec4<f32> {
  if (p.b4 != 0u) { if (c < p.N) { return dy4v[i >> 2u]; } return vec4<f32>(0.0); }
  if (c + 3u < p.N) { return vec4<f32>(dy[i], dy[i + 1u], dy[i + 2u], dy[i + 3u]); }
  var v = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) { if (c + j < p.N) { v[j] = dy[i + j]; } }
  return v;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let wg = wgLin(wid, nwg);
  if (wg >= p.groups) { return; }
  let tiles = p.tilesM * p.tilesN;
  let s = wg / tiles;
  let rest = wg % tiles;
  let n0 = (rest % p.tilesN) * 16u;
  // a thread past the last row computes row M - 1 (keeping the loop uniform) and stores nothing
  let live = (rest / p.tilesN) * 64u + li < p.M;
  let r = min((rest / p.tilesN) * 64u + li, p.M - 1u);
  let tc = qdm(r, p.cin);
  let ci = tc.y;
  let t1 = qdm(tc.x, p.kw);
  let t2 = qdm(t1.x, p.kh);
  let kx = i32(t1.y); let ky = i32(t2.y); let kz = i32(t2.x);
  let q0 = s * p.kPer;
  let q1 = min(p.K, q0 + p.kPer);
  var acc0 = vec4<f32>(0.0); var acc1 = vec4<f32>(0.0); var acc2 = vec4<f32>(0.0); var acc3 = vec4<f32>(0.0);
  if (q0 < q1) {
    let g0 = p.t0 + q0;
    let gx = qdm(g0, u32(p.ow));
    let gy = qdm(gx.x, u32(p.oh));
    let gz = qdm(gy.x, u32(p.od));
    var ox = i32(gx.y); var oy = i32(gy.y); var oz = i32(gz.y); var b = i32(gz.x);
    for (var q = q0; q < q1; q++) {
      let iz = oz * p.sd - p.pd + kz;
      let iy = oy * p.sh - p.ph + ky;
      let ix = ox * p.sw - p.pw + kx;
      // no branch on the lane around the dy loads: one address for every lane (loaded once on CPU drivers)
      let ok = iz >= 0 && iz < p.d && iy >= 0 && iy < p.h && ix >= 0 && ix < p.w;
      let xi = select(0u, u32((((b * p.d + iz) * p.h + iy) * p.w + ix) * i32(p.cin) + i32(ci)) - p.xBase, ok);
      let v = vec4<f32>(select(0.0, x[xi], ok));
      let i = (p.t0 + q) * p.N + n0 - p.dyBase;
      acc0 = fma(v, dy4(i, n0), acc0);
      acc1 = fma(v, dy4(i + 4u, n0 + 4u), acc1);
      acc2 = fma(v, dy4(i + 8u, n0 + 8u), acc2);
      acc3 = fma(v, dy4(i + 12u, n0 + 12u), acc3);
      ox++;
      if (ox == p.ow) { ox = 0; oy++; if (oy == p.oh) { oy = 0; oz++; if (oz == p.od) { oz = 0; b++; } } }
    }
  }
  if (!live) { return; }
  let o = (s * p.M + r) * p.N + n0;
  for (var j = 0u; j < 16u; j++) {
    if (n0 + j >= p.N) { break; }
    var v: f32;
    switch (j / 4u) {
      case 0u: { v = acc0[j % 4u]; }
      case 1u: { v = acc1[j % 4u]; }
      case 2u: { v = acc2[j % 4u]; }
      default: { v = acc3[j % 4u]; }
    }
    part[o + j] = v;
  }
}
