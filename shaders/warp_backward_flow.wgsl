// dflow = d sum(warp(x, flow) * dy) / d flow, one-sided (floor) derivative as assembly/warp.ts.
// One thread per voxel. The image is bound as up to four windows of W elements (x0..x3, see warp.wgsl);
// field, dy and dflow as windows of this chunk. Params (the struct below, in order): t0 (first voxel), voxels, flowBase,
// dyBase, batches, d, h, w, c, W, dflowBase.
struct Params { t0: u32, n: u32, flowBase: u32, dyBase: u32, batches: u32, d: u32, h: u32, w: u32, c: u32, W: u32, dflowBase: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x0: array<f32>;
@group(0) @binding(2) var<storage, read> x1: array<f32>;
@group(0) @binding(3) var<storage, read> x2: array<f32>;
@group(0) @binding(4) var<storage, read> x3: array<f32>;
@group(0) @binding(5) var<storage, read> flow: array<f32>;
@group(0) @binding(6) var<storage, read> dy: array<f32>;
@group(0) @binding(7) var<storage, read_write> dflow: array<f32>;
fn x(i: u32) -> f32 {
  let W = p.W;
  let k = i / W;
  if (k == 0u) { return x0[i]; }
  if (k == 1u) { return x1[i - W]; }
  if (k == 2u) { return x2[i - 2u * W]; }
  return x3[i - 3u * W];
}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let v = p.t0 + l;
  let d = p.d; let h = p.h; let w = p.w; let c = p.c;
  let vx = voxelOf(v, d, h, w, 1u);
  let b = vx.b; let z = vx.z; let yy = vx.y; let xx = vx.x;
  let f = 3u * v - p.flowBase;
  let az = axisTaps(i32(z), flow[f], i32(d));
  let ay = axisTaps(i32(yy), flow[f + 1u], i32(h));
  let ax = axisTaps(i32(xx), flow[f + 2u], i32(w));
  let xb = b * d * h * w;
  let e000 = (xb + (az.c0 * h + ay.c0) * w + ax.c0) * c; let e001 = (xb + (az.c0 * h + ay.c0) * w + ax.c1) * c;
  let e010 = (xb + (az.c0 * h + ay.c1) * w + ax.c0) * c; let e011 = (xb + (az.c0 * h + ay.c1) * w + ax.c1) * c;
  let e100 = (xb + (az.c1 * h + ay.c0) * w + ax.c0) * c; let e101 = (xb + (az.c1 * h + ay.c0) * w + ax.c1) * c;
  let e110 = (xb + (az.c1 * h + ay.c1) * w + ax.c0) * c; let e111 = (xb + (az.c1 * h + ay.c1) * w + ax.c1) * c;
  var g000 = 0.0; var g001 = 0.0; var g010 = 0.0; var g011 = 0.0;
  var g100 = 0.0; var g101 = 0.0; var g110 = 0.0; var g111 = 0.0;
  for (var ch = 0u; ch < c; ch++) {
    let gv = dy[v * c + ch - p.dyBase];
    g000 += gv * x(e000 + ch); g001 += gv * x(e001 + ch); g010 += gv * x(e010 + ch); g011 += gv * x(e011 + ch);
    g100 += gv * x(e100 + ch); g101 += gv * x(e101 + ch); g110 += gv * x(e110 + ch); g111 += gv * x(e111 + ch);
  }
  let gz0 = ay.w0 * (ax.w0 * g000 + ax.w1 * g001) + ay.w1 * (ax.w0 * g010 + ax.w1 * g011);
  let gz1 = ay.w0 * (ax.w0 * g100 + ax.w1 * g101) + ay.w1 * (ax.w0 * g110 + ax.w1 * g111);
  let gy0 = az.w0 * (ax.w0 * g000 + ax.w1 * g001) + az.w1 * (ax.w0 * g100 + ax.w1 * g101);
  let gy1 = az.w0 * (ax.w0 * g010 + ax.w1 * g011) + az.w1 * (ax.w0 * g110 + ax.w1 * g111);
  let gx0 = az.w0 * (ay.w0 * g000 + ay.w1 * g010) + az.w1 * (ay.w0 * g100 + ay.w1 * g110);
  let gx1 = az.w0 * (ay.w0 * g001 + ay.w1 * g011) + az.w1 * (ay.w0 * g101 + ay.w1 * g111);
  let o = 3u * v - p.dflowBase;
  dflow[o] = az.m1 * gz1 - az.m0 * gz0;
  dflow[o + 1u] = ay.m1 * gy1 - ay.m0 * gy0;
  dflow[o + 2u] = ax.m1 * gx1 - ax.m0 * gx0;
}
