// x viewed as [outer, r, inner] -> out [outer, inner], one thread per output (short r).
// Params (the struct below, in order): t0 (first output), n, xBase, outBase, r, inner. OP 0 sum, 1 max, 2 min.
struct Params { t0: u32, n: u32, xBase: u32, outBase: u32, r: u32, inner: u32 }
@group(0) @binding(0) var<uniform> p: Params;
override OP: u32 = 0u;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let g = p.t0 + l;
  let r = p.r;
  let inner = p.inner;
  let o = g / inner;
  let k = g % inner;
  var i = o * r * inner + k - p.xBase;
  var acc = x[i];
  for (var j = 1u; j < r; j++) {
    i += inner;
    let v = x[i];
    if (OP == REDUCE_SUM) { acc += v; } else if (OP == REDUCE_MAX) { acc = select(acc, v, v > acc); } else { acc = select(acc, v, v < acc); }
  }
  out[g - p.outBase] = acc;
}
