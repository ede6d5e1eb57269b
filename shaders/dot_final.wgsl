// Stage 2 of dotAcc: one workgroup folds the m compensated partials (s, c) (strided per thread, then
// a tree, every addition a two-sum) and adds the total to out[outIndex], compensated as well.
struct Params { m: u32, outIndex: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partial: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
var<workgroup> part: array<vec2<f32>, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let t = lid.x;
  var acc = vec2<f32>(0.0);
  for (var i = t; i < p.m; i += WG) {
    let q = partial[i];
    acc = twoSum(vec2<f32>(acc.x, acc.y + q.y), q.x);
  }
  part[t] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { let o = part[t + s]; part[t] = twoSum(vec2<f32>(part[t].x, part[t].y + o.y), o.x); }
    workgroupBarrier();
  }
  if (t == 0u) {
    let r = twoSum(vec2<f32>(part[0].x, part[0].y), out[p.outIndex]);
    out[p.outIndex] = r.x + r.y;
  }
}
