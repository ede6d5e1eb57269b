// Stage 1 of dotAcc: each workgroup sums the products of one block of 1024 elements by a tree (pairwise)
// and writes one partial. Words: 0 t0 (unused), 1 n (elements in this window), 2 first partial index.
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let w = wgLin(wid, nwg);
  let n = pu(1u);
  let t = lid.x;
  var acc = 0.0;
  let base = w * 4u * WG;
  for (var q = 0u; q < 4u; q++) {
    let i = base + q * WG + t;
    if (i < n) { acc += a[i] * b[i]; }
  }
  part[t] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { part[t] += part[t + s]; }
    workgroupBarrier();
  }
  if (t == 0u && base < n) { partial[pu(2u) + w] = part[0]; }
}
