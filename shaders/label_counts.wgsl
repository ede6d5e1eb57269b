// counts [numLabels, 3] += (|pred == l and truth == l|, |pred == l|, |truth == l|). Integer atomics
// (core WebGPU) give the same counts in any order. Params (the struct below, in order): t0, n, numLabels.
struct Params { t0: u32, n: u32, numLabels: i32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pred: array<i32>;
@group(0) @binding(2) var<storage, read> truth: array<i32>;
@group(0) @binding(3) var<storage, read_write> counts: array<atomic<i32>>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let nl = p.numLabels;
  let p = pred[l];
  let t = truth[l];
  if (p >= 0 && p < nl) { atomicAdd(&counts[u32(p * 3 + 1)], 1); }
  if (t >= 0 && t < nl) {
    atomicAdd(&counts[u32(t * 3 + 2)], 1);
    if (p == t) { atomicAdd(&counts[u32(t * 3)], 1); }
  }
}
