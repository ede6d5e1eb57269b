// x2 upsampling per axis with f = 2: MODE 0 nearest, 1 linear (PyTorch align_corners = false).
// Params (the struct below, in order): t0, n, geometry (batches, d, h, w, c, fd, fh, fw, od, oh, ow), xBase, yBase.
struct Params { t0: u32, n: u32, batches: u32, d: u32, h: u32, w: u32, c: u32, fd: u32, fh: u32, fw: u32, od: u32, oh: u32, ow: u32, xBase: u32, yBase: u32 }
@group(0) @binding(0) var<uniform> p: Params;
override MODE: u32 = 0u;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let g = p.t0 + l;
  let d = p.d; let h = p.h; let w = p.w; let c = p.c;
  let fd = p.fd; let fh = p.fh; let fw = p.fw; let od = p.od; let oh = p.oh; let ow = p.ow;
  let v0 = voxelOf(g, od, oh, ow, c);
  let b = v0.b; let oz = v0.z; let oy = v0.y; let ox = v0.x; let ch = v0.ch;
  if (MODE == 0u) {
    y[g - p.yBase] = x[(((b * d + oz / fd) * h + oy / fh) * w + ox / fw) * c + ch - p.xBase];
    return;
  }
  let tz = linTaps(oz, d, fd); let ty = linTaps(oy, h, fh); let tx = linTaps(ox, w, fw);
  var acc = 0.0;
  for (var a = 0u; a < tz.nt; a++) {
    let iz = select(tz.i1, tz.i0, a == 0u);
    let wz = select(tz.t, 1.0 - tz.t, a == 0u);
    for (var q = 0u; q < ty.nt; q++) {
      let iy = select(ty.i1, ty.i0, q == 0u);
      let wzy = wz * select(ty.t, 1.0 - ty.t, q == 0u);
      for (var s = 0u; s < tx.nt; s++) {
        let ix = select(tx.i1, tx.i0, s == 0u);
        let wt = wzy * select(tx.t, 1.0 - tx.t, s == 0u);
        acc += wt * x[(((b * d + iz) * h + iy) * w + ix) * c + ch - p.xBase];
      }
    }
  }
  y[g - p.yBase] = acc;
}
