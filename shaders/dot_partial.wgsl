// Stage 1 of dotAcc: each workgroup sums the products of one block of 1024 elements and writes one
// compensated partial (s, c): every addition is a two-sum (Knuth), its rounding error carried in c,
// in the per-thread sums and in the tree over the workgroup. The products themselves are f32
// (relative error <= 2^-24 each); the sums then add no error beyond ~2^-24 |total| + O(n 2^-48) sum|a b|.
struct Params { n: u32, first: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<vec2<f32>>;
var<workgroup> part: array<vec2<f32>, 256>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let w = wgLin(wid, nwg);
  let t = lid.x;
  var acc = vec2<f32>(0.0);
  let base = w * 4u * WG;
  for (var q = 0u; q < 4u; q++) {
    let i = base + q * WG + t;
    if (i < p.n) { acc = twoSum(acc, a[i] * b[i]); }
  }
  part[t] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { let o = part[t + s]; part[t] = twoSum(vec2<f32>(part[t].x, part[t].y + o.y), o.x); }
    workgroupBarrier();
  }
  if (t == 0u && base < p.n) { partial[p.first + w] = part[0]; }
}
