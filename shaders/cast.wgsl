// OP 0: i32 -> f32; OP 1: f32 -> i32 rounding half up (as JavaScript's Math.round, like the wasm kernel).
struct Params { t0: u32, n: u32 }
@group(0) @binding(0) var<uniform> p: Params;
override OP: u32 = 0u;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  if (OP == 0u) {
    out[l] = bitcast<u32>(f32(bitcast<i32>(x[l])));
  } else {
    let v = bitcast<f32>(x[l]);
    // floor(v + 0.5) would round 0.49999997 up; compare the exact fraction instead
    let r = floor(v);
    let q = select(r, r + 1.0, v - r >= 0.5);
    out[l] = bitcast<u32>(i32(q));
  }
}
