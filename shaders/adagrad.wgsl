// AdaGrad, in place. Words: 0 t0, 1 n, 2 lr, 3 eps, 4 weightDecay.
@group(0) @binding(1) var<storage, read_write> p: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> acc: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  let pv = p[l];
  let gv = g[l] + pf(4u) * pv;
  let av = acc[l] + gv * gv;
  acc[l] = av;
  p[l] = pv - pf(2u) * gv / (sqrt(av) + pf(3u));
}
