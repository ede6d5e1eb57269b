// conv3d forward (transposed = 0) and input gradient (transposed = 1) for CPU adapters (the 'direct'
// GEMM rule of ops/gemm.ts): the same sums as conv_data.wgsl + gemm_core.wgsl, computed directly. A
// thread owns one output position and 16 output channels (4 vec4 accumulators); it decomposes its
// position once, walks the taps in nested loops (no per-element index division, the cost that made
// the implicit-GEMM loaders slow on CPU drivers) and, per tap and source channel, does one load of the
// activation and 16 FMAs against a row of the weights. The 64 threads of a workgroup share the channel
// block and run the same loops, so a weight load is one address for all lanes (CPU drivers load it
// once: measured, docs/webgpu-kernels.md). No workgroup memory, no barriers.
//   forward:        y[pos, co] = bias[co] + sum_{tap, ci} x[pos * s - pad + tap, ci] * w[tap, ci, co]
//   input gradient: dx[pos, ci] = sum_{tap, co} dy[(pos + pad - tap) / s, co] * wT[tap, co, ci]
// N = the output's channels, CS = the source's; wt is row-major [taps * CS, N]. Windows as conv_data.
struct Params {
  groups: u32, tilesN: u32, M: u32, N: u32, t0: u32, srcBase: u32, outBase: u32, hasBias: u32, transposed: u32, a4: u32, b4: u32,
  d: i32, h: i32, w: i32, cin: u32, kd: i32, kh: i32, kw: i32, cout: u32,
  sd: i32, sh: i32, sw: i32, pd: i32, ph: i32, pw: i32, od: i32, oh: i32, ow: i32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> wt: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
// the same windows as vec4 (read-only aliases): src4 when CS % 4 == 0 (a4), wt4 when N % 4 == 0 (b4);
// CPU drivers load a vec4 per lane in one access where four scalars cost four
@group(0) @binding(5) var<storage, read> src4: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> wt4: array<vec4<f32>>;

// wt[row, n0 + 4q .. n0 + 4q + 3], 0 beyond N
fn w4(row: u32, c: u32) -> vec4<f32> {
  let i = row * p.N + c;
  if (p.b4 != 0u) { if (c < p.N) { return wt4[i >> 2u]; } return vec4<f32>(0.0); }
  if (c + 3u < p.N) { return vec4<f32>(wt[i], wt[i + 1u], wt[i + 2u], wt[i + 3u]); }
  var v = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) { if (c + j < p.N) { v[j] = wt[i + j]; } }
  return v;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let wg = wgLin(wid, nwg);
  if (wg >= p.groups) { return; }
  let n0 = (wg % p.tilesN) * 16u;
  // a thread past the last row computes row M - 1 (keeping the loops uniform) and stores nothing
  let live = (wg / p.tilesN) * 64u + li < p.M;
  let m = min((wg / p.tilesN) * 64u + li, p.M - 1u);
  let g = p.t0 + m;
  let tr = p.transposed != 0u;
  let cs = select(p.cin, p.cout, tr);
  // this thread's position: output (forward) or input (transposed) coordinates
  let ex = select(u32(p.ow), u32(p.w), tr);
  let ey = select(u32(p.oh), u32(p.h), tr);
  let ez = select(u32(p.od), u32(p.d), tr);
  let gx = qdm(g, ex);
  let gy = qdm(gx.x, ey);
  let gz = qdm(gy.x, ez);
  let b = i32(gz.x);
  let pz = i32(gz.y); let py = i32(gy.y); let px = i32(gx.y);
  var acc0 = vec4<f32>(0.0); var acc1 = vec4<f32>(0.0); var acc2 = vec4<f32>(0.0); var acc3 = vec4<f32>(0.0);
  let plane = select(vec3<i32>(p.d, p.h, p.w), vec3<i32>(p.od, p.oh, p.ow), tr);
  // The tap loops and the weight addresses are the same in every lane (no branch on the lane's
  // position around them): CPU drivers then load each weight once for the workgroup instead of per
  // lane. A tap outside the volume reads element 0 and contributes 0 (select).
  for (var kz = 0; kz < p.kd; kz++) {
    var sz: i32; var okz: bool;
    if (tr) { let t = pz + p.pd - kz; sz = t / p.sd; okz = t >= 0 && t % p.sd == 0 && sz < p.od; }
    else { sz = pz * p.sd - p.pd + kz; okz = sz >= 0 && sz < p.d; }
    for (var ky = 0; ky < p.kh; ky++) {
      var sy: i32; var oky: bool;
      if (tr) { let t = py + p.ph - ky; sy = t / p.sh; oky = t >= 0 && t % p.sh == 0 && sy < p.oh; }
      else { sy = py * p.sh - p.ph + ky; oky = sy >= 0 && sy < p.h; }
      for (var kx = 0; kx < p.kw; kx++) {
        var sx: i32; var okx: bool;
        if (tr) { let t = px + p.pw - kx; sx = t / p.sw; okx = t >= 0 && t % p.sw == 0 && sx < p.ow; }
        else { sx = px * p.sw - p.pw + kx; okx = sx >= 0 && sx < p.w; }
        let ok = okz && oky && okx;
        let base = select(0u, u32((((b * plane.x + sz) * plane.y + sy) * plane.z + sx) * i32(cs)) - p.srcBase, ok);
        let keep = select(0.0, 1.0, ok);
        let row0 = u32((kz * p.kh + ky) * p.kw + kx) * cs;
        if (p.a4 != 0u) {
          for (var c = 0u; c < cs; c += 4u) {
            let x4 = keep * src4[(base + c) >> 2u];
            let row = row0 + c;
            acc0 = fma(vec4<f32>(x4.x), w4(row, n0), acc0);
            acc1 = fma(vec4<f32>(x4.x), w4(row, n0 + 4u), acc1);
            acc2 = fma(vec4<f32>(x4.x), w4(row, n0 + 8u), acc2);
            acc3 = fma(vec4<f32>(x4.x), w4(row, n0 + 12u), acc3);
            acc0 = fma(vec4<f32>(x4.y), w4(row + 1u, n0), acc0);
            acc1 = fma(vec4<f32>(x4.y), w4(row + 1u, n0 + 4u), acc1);
            acc2 = fma(vec4<f32>(x4.y), w4(row + 1u, n0 + 8u), acc2);
            acc3 = fma(vec4<f32>(x4.y), w4(row + 1u, n0 + 12u), acc3);
            acc0 = fma(vec4<f32>(x4.z), w4(row + 2u, n0), acc0);
            acc1 = fma(vec4<f32>(x4.z), w4(row + 2u, n0 + 4u), acc1);
            acc2 = fma(vec4<f32>(x4.z), w4(row + 2u, n0 + 8u), acc2);
            acc3 = fma(vec4<f32>(x4.z), w4(row + 2u, n0 + 12u), acc3);
            acc0 = fma(vec4<f32>(x4.w), w4(row + 3u, n0), acc0);
            acc1 = fma(vec4<f32>(x4.w), w4(row + 3u, n0 + 4u), acc1);
            acc2 = fma(vec4<f32>(x4.w), w4(row + 3u, n0 + 8u), acc2);
            acc3 = fma(vec4<f32>(x4.w), w4(row + 3u, n0 + 12u), acc3);
          }
        } else {
          for (var c = 0u; c < cs; c++) {
            let v = vec4<f32>(keep * src[base + c]);
            let row = row0 + c;
            acc0 = fma(v, w4(row, n0), acc0);
            acc1 = fma(v, w4(row, n0 + 4u), acc1);
            acc2 = fma(v, w4(row, n0 + 8u), acc2);
            acc3 = fma(v, w4(row, n0 + 12u), acc3);
          }
        }
      }
    }
  }
  if (!live) { return; }
  let o = g * p.N + n0 - p.outBase;
  for (var j = 0u; j < 16u; j++) {
    let n = n0 + j;
    if (n >= p.N) { break; }
    var v: f32;
    switch (j / 4u) {
      case 0u: { v = acc0[j % 4u]; }
      case 1u: { v = acc1[j % 4u]; }
      case 2u: { v = acc2[j % 4u]; }
      default: { v = acc3[j % 4u]; }
    }
    if (p.hasBias != 0u) { v += bias[n]; }
    out[o + j] = v;
  }
}
