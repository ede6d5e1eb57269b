// Stage 1 of warp's image gradient: max |dy| over all of dy, as f32 bits folded into scale[0] with
// atomicMax (the bits of non-negative floats order like the floats; NaN and inf land at or above
// 0x7f800000, which tells the later stages that dy is not finite). A workgroup tree per 1024 elements,
// one atomic per workgroup. scale[0] must be 0 before the first launch.
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> scale: array<atomic<u32>>;
var<workgroup> part: array<u32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let base = wgLin(wid, nwg) * 4u * WG;
  let t = lid.x;
  var m = 0u;
  for (var q = 0u; q < 4u; q++) {
    let i = base + q * WG + t;
    if (i < p.n) { m = max(m, bitcast<u32>(dy[i]) & 0x7fffffffu); }
  }
  part[t] = m;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { part[t] = max(part[t], part[t + s]); }
    workgroupBarrier();
  }
  if (t == 0u && base < p.n) { atomicMax(&scale[0], part[0]); }
}
