// dx = adjoint of warp w.r.t. the image, as a GATHER (WGSL has no float atomics and a CAS loop would
// make the sums order-dependent): dx[v] sums w_corner(p) * dy[p] over the output voxels p whose
// sample has v as a corner. A sample moves at most R voxels per axis (R from warp_radius), so only
// p within R + 1 of v along each axis can reach v. Cost per voxel grows with (2R + 3)^3: fine for
// registration fields of a few voxels, slow for fields that move far.
// One thread per dx element. Field and dy are read anywhere within the radius: each is bound as up to
// three windows of W elements; dx as the window of this chunk.
// Words: 0 t0, 1 n, 2 dxBase, 4..8 n, d, h, w, c, 9 W.
@group(0) @binding(1) var<storage, read> f0: array<f32>;
@group(0) @binding(2) var<storage, read> f1: array<f32>;
@group(0) @binding(3) var<storage, read> f2: array<f32>;
@group(0) @binding(4) var<storage, read> g0: array<f32>;
@group(0) @binding(5) var<storage, read> g1: array<f32>;
@group(0) @binding(6) var<storage, read> g2: array<f32>;
@group(0) @binding(7) var<storage, read> rad: array<u32>;
@group(0) @binding(8) var<storage, read_write> dx: array<f32>;
fn flow(i: u32) -> f32 {
  let W = pu(9u);
  let k = i / W;
  if (k == 0u) { return f0[i]; }
  if (k == 1u) { return f1[i - W]; }
  return f2[i - 2u * W];
}
fn dy(i: u32) -> f32 {
  let W = pu(9u);
  let k = i / W;
  if (k == 0u) { return g0[i]; }
  if (k == 1u) { return g1[i - W]; }
  return g2[i - 2u * W];
}
fn tapOf(a: Axis, i: i32) -> f32 {
  return select(0.0, a.w0, a.i0 == i) + select(0.0, a.w1, a.i0 + 1 == i);
}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  let g = pu(0u) + l;
  let d = i32(WS(1u)); let h = i32(WS(2u)); let w = i32(WS(3u)); let c = WS(4u);
  let ch = g % c;
  var r = g / c;
  let ix = i32(r % u32(w)); r /= u32(w);
  let iy = i32(r % u32(h)); r /= u32(h);
  let iz = i32(r % u32(d));
  let b = r / u32(d);
  let rz = i32(rad[0]) + 1; let ry = i32(rad[1]) + 1; let rx = i32(rad[2]) + 1;
  let vb = b * u32(d * h * w);
  var acc = 0.0;
  for (var pz = max(iz - rz, 0); pz <= min(iz + rz, d - 1); pz++) {
    for (var py = max(iy - ry, 0); py <= min(iy + ry, h - 1); py++) {
      for (var px = max(ix - rx, 0); px <= min(ix + rx, w - 1); px++) {
        let p = vb + u32((pz * h + py) * w + px);
        let az = axisTaps(pz, flow(3u * p), d);
        let wz = tapOf(az, iz);
        if (wz == 0.0) { continue; }
        let ay = axisTaps(py, flow(3u * p + 1u), h);
        let wy = tapOf(ay, iy);
        if (wy == 0.0) { continue; }
        let ax = axisTaps(px, flow(3u * p + 2u), w);
        let wx = tapOf(ax, ix);
        if (wx == 0.0) { continue; }
        acc += wz * wy * wx * dy(p * c + ch);
      }
    }
  }
  dx[g - pu(2u)] = acc;
}
