// y[b, z, y, x, ch] = trilinear sample of x[b] at (z, y, x) + flow, zeros outside (per corner).
// One thread per output element. x may exceed the binding limit: it is bound as up to four windows of
// W elements each (x0..x3, starting at element xBase), the field and output as windows of this chunk.
// Params (the struct below, in order): t0, n, flowBase, yBase, batches, d, h, w, c, W, xBase.
struct Params { t0: u32, n: u32, flowBase: u32, yBase: u32, batches: u32, d: u32, h: u32, w: u32, c: u32, W: u32, xBase: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x0: array<f32>;
@group(0) @binding(2) var<storage, read> x1: array<f32>;
@group(0) @binding(3) var<storage, read> x2: array<f32>;
@group(0) @binding(4) var<storage, read> x3: array<f32>;
@group(0) @binding(5) var<storage, read> flow: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;
fn lx(i: u32) -> f32 {
  let j = i - p.xBase;
  let W = p.W;
  let k = j / W;
  if (k == 0u) { return x0[j]; }
  if (k == 1u) { return x1[j - W]; }
  if (k == 2u) { return x2[j - 2u * W]; }
  return x3[j - 3u * W];
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
  let f = v * 3u - p.flowBase;
  let az = axisTaps(i32(z), flow[f], i32(d));
  let ay = axisTaps(i32(yy), flow[f + 1u], i32(h));
  let ax = axisTaps(i32(xx), flow[f + 2u], i32(w));
  let xb = b * d * h * w;
  let r00 = (xb + (az.c0 * h + ay.c0) * w) * c + ch;
  let r01 = (xb + (az.c0 * h + ay.c1) * w) * c + ch;
  let r10 = (xb + (az.c1 * h + ay.c0) * w) * c + ch;
  let r11 = (xb + (az.c1 * h + ay.c1) * w) * c + ch;
  let x0o = ax.c0 * c; let x1o = ax.c1 * c;
  let v0 = ay.w0 * (ax.w0 * lx(r00 + x0o) + ax.w1 * lx(r00 + x1o)) + ay.w1 * (ax.w0 * lx(r01 + x0o) + ax.w1 * lx(r01 + x1o));
  let v1 = ay.w0 * (ax.w0 * lx(r10 + x0o) + ax.w1 * lx(r10 + x1o)) + ay.w1 * (ax.w0 * lx(r11 + x0o) + ax.w1 * lx(r11 + x1o));
  y[g - p.yBase] = az.w0 * v0 + az.w1 * v1;
}
