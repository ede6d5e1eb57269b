// SGD with momentum (PyTorch semantics), in place. Words: 0 t0, 1 n, 2 lr, 3 momentum, 4 weightDecay, 5 nesterov.
@group(0) @binding(1) var<storage, read_write> p: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  let pv = p[l];
  let gv = g[l] + pf(4u) * pv;
  let vv = pf(3u) * v[l] + gv;
  v[l] = vv;
  let step = select(vv, gv + pf(3u) * vv, pu(5u) != 0u);
  p[l] = pv - pf(2u) * step;
}
