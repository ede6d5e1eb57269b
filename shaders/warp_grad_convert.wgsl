// Stage 3 of warp's image gradient: dx = the 64-bit fixed-point sums (lo, hi pairs) back to f32:
// the magnitude's words are converted separately (the high word exactly scaled by 2^32, the low word
// rounded once), the sign reapplied, and the whole scaled by 2^-S (ldexp: exact). NaN everywhere when
// dy was not finite. One thread per dx element of this chunk; acc bound as the matching window.
struct Params { n: u32, accBase: u32, dxBase: u32, e0: u32, vBits: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> acc: array<u32>;
@group(0) @binding(2) var<storage, read> scale: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let e = p.e0 + l;
  let maxBits = scale[0];
  if (maxBits >= 0x7f800000u) { dx[e - p.dxBase] = bitcast<f32>(maxBits | 0x7fc00000u); return; }
  var lo = acc[2u * e - p.accBase];
  var hi = acc[2u * e + 1u - p.accBase];
  let neg = (hi & 0x80000000u) != 0u;
  if (neg) {
    lo = ~lo + 1u;
    hi = ~hi + select(0u, 1u, lo == 0u);
  }
  let mag = ldexp(f32(hi), 32) + f32(lo);
  let v = ldexp(mag, -fixedShift(maxBits, p.vBits));
  dx[e - p.dxBase] = select(v, -v, neg);
}
