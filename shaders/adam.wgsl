// Adam / AdamW with the bias corrections folded into lrT and epsT, in place.
// Params (the struct below, in order): t0, n, lrT, beta1, beta2, epsT, weightDecay, decoupledLr.
struct Params { t0: u32, n: u32, lrT: f32, beta1: f32, beta2: f32, epsT: f32, weightDecay: f32, decoupledLr: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let b1 = p.beta1; let b2 = p.beta2;
  let pv = param[l];
  let gv = g[l] + p.weightDecay * pv;
  let mv = b1 * m[l] + (1.0 - b1) * gv;
  let vv = b2 * v[l] + (1.0 - b2) * (gv * gv);
  m[l] = mv;
  v[l] = vv;
  param[l] = pv * (1.0 - p.decoupledLr) - p.lrT * mv / (sqrt(vv) + p.epsT);
}
