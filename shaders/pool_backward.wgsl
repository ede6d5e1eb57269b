// Adjoint of pooling, one thread per input voxel (gather): max routes dy to the FIRST maximum of the
// window in (z, y, x) scan order; voxels beyond od * fd (etc.) get 0. Params (the struct below, in order): t0, n, geometry (batches, d, h, w, c, fd, fh, fw, od, oh, ow),
// xBase, dyBase, dxBase.
struct Params { t0: u32, n: u32, batches: u32, d: u32, h: u32, w: u32, c: u32, fd: u32, fh: u32, fw: u32, od: u32, oh: u32, ow: u32, xBase: u32, dyBase: u32, dxBase: u32 }
@group(0) @binding(0) var<uniform> p: Params;
override OP: u32 = 0u;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let g = p.t0 + l;
  let d = p.d; let h = p.h; let w = p.w; let c = p.c;
  let fd = p.fd; let fh = p.fh; let fw = p.fw; let od = p.od; let oh = p.oh; let ow = p.ow;
  let v0 = voxelOf(g, d, h, w, c);
  let b = v0.b; let iz = v0.z; let iy = v0.y; let ix = v0.x; let ch = v0.ch;
  let oz = iz / fd; let oy = iy / fh; let ox = ix / fw;
  let o = g - p.dxBase;
  if (oz >= od || oy >= oh || ox >= ow) { dx[o] = 0.0; return; }
  let gv = dy[(((b * od + oz) * oh + oy) * ow + ox) * c + ch - p.dyBase];
  if (OP != POOL_MAX) { dx[o] = gv * (1.0 / f32(fd * fh * fw)); return; }
  var best = 0.0;
  var ba = 0u; var bq = 0u; var bs = 0u;
  var first = true;
  for (var a = 0u; a < fd; a++) {
    for (var q = 0u; q < fh; q++) {
      for (var s = 0u; s < fw; s++) {
        let v = x[(((b * d + oz * fd + a) * h + oy * fh + q) * w + ox * fw + s) * c + ch - p.xBase];
        if (first || v > best) { best = v; ba = a; bq = q; bs = s; first = false; }
      }
    }
  }
  let mine = ba == iz - oz * fd && bq == iy - oy * fh && bs == ix - ox * fw;
  dx[o] = select(0.0, gv, mine);
}
