// Stage 2 of warp's image gradient: the adjoint of trilinear sampling as a SCATTER. Each output voxel p
// adds w_corner(p) * dy[p, ch] to the 8 corners of its sample, as 64-bit fixed-point integers (units
// 2^-S, fixedShift in warp_common.wgsl) with two 32-bit atomicAdds: the low word, then the high word
// plus the carry the first add produced. Integer addition is associative, so the result is the same
// bits whatever the order the threads run in (deterministic), and bounded by construction (no overflow:
// see fixedShift). Cost per voxel: 8 corners x channels, independent of how far the field moves.
// acc holds (lo, hi) pairs per dx element, bound as up to four windows of W elements (W even).
// A non-finite dy (scale >= 0x7f800000) skips the scatter: stage 3 then writes NaN everywhere.
struct Params { t0: u32, n: u32, flowBase: u32, dyBase: u32, d: i32, h: i32, w: i32, c: u32, W: u32, vBits: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> flow: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> scale: array<u32>;
@group(0) @binding(4) var<storage, read_write> acc0: array<atomic<u32>>;
@group(0) @binding(5) var<storage, read_write> acc1: array<atomic<u32>>;
@group(0) @binding(6) var<storage, read_write> acc2: array<atomic<u32>>;
@group(0) @binding(7) var<storage, read_write> acc3: array<atomic<u32>>;

fn atomAdd(i: u32, v: u32) -> u32 {
  let k = i / p.W;
  let j = i - k * p.W;
  switch (k) {
    case 0u: { return atomicAdd(&acc0[j], v); }
    case 1u: { return atomicAdd(&acc1[j], v); }
    case 2u: { return atomicAdd(&acc2[j], v); }
    default: { return atomicAdd(&acc3[j], v); }
  }
}

// Adds round(v * 2^S) to the 64-bit pair of element e.
fn addFixed(e: u32, v: f32, S: i32) {
  let a = round(ldexp(v, S));
  if (a == 0.0) { return; }
  // split |a| (< 2^62, 24 significant bits) exactly into 32-bit words, then negate in two's complement
  let m = abs(a);
  let mhi = floor(ldexp(m, -32));
  var hi = u32(mhi);
  var lo = u32(m - ldexp(mhi, 32));
  if (a < 0.0) {
    lo = ~lo + 1u;
    hi = ~hi + select(0u, 1u, lo == 0u);
  }
  let old = atomAdd(2u * e, lo);
  let carry = select(0u, 1u, old + lo < old);
  atomAdd(2u * e + 1u, hi + carry);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let maxBits = scale[0];
  if (maxBits == 0u || maxBits >= 0x7f800000u) { return; }
  let S = fixedShift(maxBits, p.vBits);
  let v = p.t0 + l;
  let d = p.d; let h = p.h; let w = p.w;
  var r = v;
  let xx = i32(r % u32(w)); r /= u32(w);
  let yy = i32(r % u32(h)); r /= u32(h);
  let zz = i32(r % u32(d));
  let b = r / u32(d);
  let f = 3u * v - p.flowBase;
  let az = axisTaps(zz, flow[f], d);
  let ay = axisTaps(yy, flow[f + 1u], h);
  let ax = axisTaps(xx, flow[f + 2u], w);
  let vb = b * u32(d * h * w);
  let g = v * p.c - p.dyBase;
  for (var cz = 0u; cz < 2u; cz++) {
    let wz = select(az.w0, az.w1, cz == 1u);
    if (wz == 0.0) { continue; }
    let iz = select(az.c0, az.c1, cz == 1u);
    for (var cy = 0u; cy < 2u; cy++) {
      let wy = select(ay.w0, ay.w1, cy == 1u);
      if (wy == 0.0) { continue; }
      let iy = select(ay.c0, ay.c1, cy == 1u);
      for (var cx = 0u; cx < 2u; cx++) {
        let wx = select(ax.w0, ax.w1, cx == 1u);
        if (wx == 0.0) { continue; }
        let ix = select(ax.c0, ax.c1, cx == 1u);
        let wt = wz * wy * wx;
        let t = (vb + (iz * u32(h) + iy) * u32(w) + ix) * p.c;
        for (var ch = 0u; ch < p.c; ch++) { addFixed(t + ch, wt * dy[g + ch], S); }
      }
    }
  }
}
