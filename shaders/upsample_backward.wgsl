// Adjoint of upsample as a gather: each input voxel sums the weighted gradients of the output voxels
// whose taps read it (for f = 2 those lie in [2i - 2, 2i + 3] along the axis). Params (the struct below, in order): t0, n, geometry (batches, d, h, w, c, fd, fh, fw, od, oh, ow),
// dyBase, dxBase.
struct Params { t0: u32, n: u32, batches: u32, d: u32, h: u32, w: u32, c: u32, fd: u32, fh: u32, fw: u32, od: u32, oh: u32, ow: u32, dyBase: u32, dxBase: u32 }
@group(0) @binding(0) var<uniform> p: Params;
override MODE: u32 = 0u;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
fn lo(i: u32, f: u32) -> u32 { return select(i, max(2u * i, 2u) - 2u, f == 2u); }
fn hi(i: u32, f: u32, o: u32) -> u32 { return select(i + 1u, min(2u * i + 4u, o), f == 2u); }
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let g = p.t0 + l;
  let d = p.d; let h = p.h; let w = p.w; let c = p.c;
  let fd = p.fd; let fh = p.fh; let fw = p.fw; let od = p.od; let oh = p.oh; let ow = p.ow;
  let v0 = voxelOf(g, d, h, w, c);
  let b = v0.b; let iz = v0.z; let iy = v0.y; let ix = v0.x; let ch = v0.ch;
  var acc = 0.0;
  if (MODE == 0u) {
    for (var a = 0u; a < fd; a++) {
      for (var q = 0u; q < fh; q++) {
        for (var s = 0u; s < fw; s++) {
          acc += dy[(((b * od + iz * fd + a) * oh + iy * fh + q) * ow + ix * fw + s) * c + ch - p.dyBase];
        }
      }
    }
    dx[g - p.dxBase] = acc;
    return;
  }
  for (var oz = lo(iz, fd); oz < hi(iz, fd, od); oz++) {
    let wz = tapWeight(linTaps(oz, d, fd), iz);
    if (wz == 0.0) { continue; }
    for (var oy = lo(iy, fh); oy < hi(iy, fh, oh); oy++) {
      let wy = tapWeight(linTaps(oy, h, fh), iy);
      if (wy == 0.0) { continue; }
      for (var ox = lo(ix, fw); ox < hi(ix, fw, ow); ox++) {
        let wx = tapWeight(linTaps(ox, w, fw), ix);
        if (wx == 0.0) { continue; }
        acc += wz * wy * wx * dy[(((b * od + oz) * oh + oy) * ow + ox) * c + ch - p.dyBase];
      }
    }
  }
  dx[g - p.dxBase] = acc;
}
