// Adam / AdamW with the bias corrections folded into lrT and epsT, in place.
// Words: 0 t0, 1 n, 2 lrT, 3 beta1, 4 beta2, 5 epsT, 6 weightDecay, 7 decoupledLr.
@group(0) @binding(1) var<storage, read_write> p: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  let b1 = pf(3u); let b2 = pf(4u);
  let pv = p[l];
  let gv = g[l] + pf(6u) * pv;
  let mv = b1 * m[l] + (1.0 - b1) * gv;
  let vv = b2 * v[l] + (1.0 - b2) * (gv * gv);
  m[l] = mv;
  v[l] = vv;
  p[l] = pv * (1.0 - pf(7u)) - pf(2u) * mv / (sqrt(vv) + pf(5u));
}
