// For the gather form of warp's image gradient: per axis, ceil(max |flow component|) over the whole
// field (non-finite components count 0, values capped at size + 2 where the sample is outside anyway).
// One workgroup per launch; a field above the binding limit is scanned in chunks, each launch folding
// into rad. Words: 0 t0 (first voxel), 1 voxels, 2 flowBase, 3 accumulate, 4..8 n, d, h, w, c. Output: 3 u32.
@group(0) @binding(1) var<storage, read> flow: array<f32>;
@group(0) @binding(2) var<storage, read_write> rad: array<u32>;
var<workgroup> part: array<vec3<f32>, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  let t = lid.x;
  let cap = vec3<f32>(f32(WS(1u) + 2u), f32(WS(2u) + 2u), f32(WS(3u) + 2u));
  var m = vec3<f32>(0.0);
  for (var v = t; v < pu(1u); v += WG) {
    let f = 3u * (pu(0u) + v) - pu(2u);
    let u = abs(vec3<f32>(flow[f], flow[f + 1u], flow[f + 2u]));
    // NaN fails u <= cap and maps to 0; +inf maps to the cap
    let ok = u == u;
    m = max(m, select(vec3<f32>(0.0), min(u, cap), ok));
  }
  part[t] = m;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { part[t] = max(part[t], part[t + s]); }
    workgroupBarrier();
  }
  if (t == 0u) {
    var c = vec3<u32>(ceil(part[0]));
    if (pu(3u) != 0u) { c = max(c, vec3<u32>(rad[0], rad[1], rad[2])); }
    rad[0] = c.x; rad[1] = c.y; rad[2] = c.z;
  }
}
