// AdaGrad, in place. Params (the struct below, in order): t0, n, lr, eps, weightDecay.
struct Params { t0: u32, n: u32, lr: f32, eps: f32, weightDecay: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> acc: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let pv = param[l];
  let gv = g[l] + p.weightDecay * pv;
  let av = acc[l] + gv * gv;
  acc[l] = av;
  param[l] = pv - p.lr * gv / (sqrt(av) + p.eps);
}
