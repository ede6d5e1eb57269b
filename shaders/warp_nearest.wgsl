// Nearest-neighbour warp (labels): the 32-bit words of x at floor(p + 0.5) per axis, or `outside`.
// Rounds exactly like the wasm kernel's float64 arithmetic: floor(pos + u + 0.5) = pos + floor(u) +
// (frac(u) >= 0.5), with frac computed exactly. The image is bound as up to four windows of W elements
// (see warp.wgsl). Params (the struct below, in order): t0, n, outside bits, flowBase, batches, d, h, w, c, W, yBase.
struct Params { t0: u32, n: u32, outside: u32, flowBase: u32, batches: u32, d: u32, h: u32, w: u32, c: u32, W: u32, yBase: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x0: array<u32>;
@group(0) @binding(2) var<storage, read> x1: array<u32>;
@group(0) @binding(3) var<storage, read> x2: array<u32>;
@group(0) @binding(4) var<storage, read> x3: array<u32>;
@group(0) @binding(5) var<storage, read> flow: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<u32>;
fn x(i: u32) -> u32 {
  let W = p.W;
  let k = i / W;
  if (k == 0u) { return x0[i]; }
  if (k == 1u) { return x1[i - W]; }
  if (k == 2u) { return x2[i - 2u * W]; }
  return x3[i - 3u * W];
}
fn nearest(pos: u32, u: f32) -> f32 {
  let r = floor(u);
  return f32(pos) + r + select(0.0, 1.0, u - r >= 0.5);
}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let g = p.t0 + l;
  let d = p.d; let h = p.h; let w = p.w; let c = p.c;
  let v = g / c;
  let vx = voxelOf(g, d, h, w, c);
  let b = vx.b; let z = vx.z; let yy = vx.y; let xx = vx.x; let ch = vx.ch;
  let f = 3u * v - p.flowBase;
  let qz = nearest(z, flow[f]);
  let qy = nearest(yy, flow[f + 1u]);
  let qx = nearest(xx, flow[f + 2u]);
  // NaN fails every comparison: outside
  if (qz >= 0.0 && qz < f32(d) && qy >= 0.0 && qy < f32(h) && qx >= 0.0 && qx < f32(w)) {
    y[g - p.yBase] = x((((b * d + u32(qz)) * h + u32(qy)) * w + u32(qx)) * c + ch);
  } else {
    y[g - p.yBase] = p.outside;
  }
}
