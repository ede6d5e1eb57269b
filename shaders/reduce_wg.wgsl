// x viewed as [outer, r, inner] -> out [outer, nb, inner]: one workgroup per output and block of B
// along r (nb = ceil(r / B)); each thread folds at most B / 256 values, then a tree over the workgroup.
// Long sums run as several such passes (the host repeats until r <= B), so every sum is a tree of
// short sequential runs and stays accurate without f64. Params (the struct below, in order): t0 (first output), n (workgroups
// = outputs * nb), xBase, outBase, r, inner, B, nb. OP 0 sum, 1 max, 2 min.
struct Params { t0: u32, n: u32, xBase: u32, outBase: u32, r: u32, inner: u32, B: u32, nb: u32 }
@group(0) @binding(0) var<uniform> p: Params;
override OP: u32 = 0u;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
var<workgroup> part: array<f32, 256>;
fn fold(a: f32, v: f32) -> f32 {
  if (OP == REDUCE_SUM) { return a + v; }
  if (OP == REDUCE_MAX) { return select(a, v, v > a); }
  return select(a, v, v < a);
}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let w = wgLin(wid, nwg);
  let live = w < p.n;
  let nb = p.nb;
  let B = p.B;
  let g = p.t0 + w / nb;
  let q = w % nb;
  let r = p.r;
  let inner = p.inner;
  let o = g / inner;
  let k = g % inner;
  let t = lid.x;
  var acc = 0.0;
  var have = false;
  if (live) {
    let base = o * r * inner + k - p.xBase;
    let j1 = min(r, q * B + B);
    for (var j = q * B + t; j < j1; j += WG) {
      let v = x[base + j * inner];
      if (have) { acc = fold(acc, v); } else { acc = v; have = true; }
    }
  }
  part[t] = acc;
  workgroupBarrier();
  // a thread without elements takes thread 0's value (neutral for max/min) or 0 (sum)
  if (!have) { part[t] = select(part[0], 0.0, OP == REDUCE_SUM); }
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { part[t] = fold(part[t], part[t + s]); }
    workgroupBarrier();
  }
  if (t == 0u && live) { out[(o * nb + q) * inner + k - p.outBase] = part[0]; }
}
