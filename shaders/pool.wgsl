// Max (OP 0) or average (OP 1) pooling, window = stride = f per axis. Params (the struct below, in order): t0, n, geometry (batches, d, h, w, c, fd, fh, fw, od, oh, ow),
// xBase, yBase (first elements of the bound windows: large tensors run in D slabs).
struct Params { t0: u32, n: u32, batches: u32, d: u32, h: u32, w: u32, c: u32, fd: u32, fh: u32, fw: u32, od: u32, oh: u32, ow: u32, xBase: u32, yBase: u32 }
@group(0) @binding(0) var<uniform> p: Params;
override OP: u32 = 0u;
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
  var acc = 0.0;
  var first = true;
  for (var a = 0u; a < fd; a++) {
    for (var q = 0u; q < fh; q++) {
      for (var s = 0u; s < fw; s++) {
        let v = x[(((b * d + oz * fd + a) * h + oy * fh + q) * w + ox * fw + s) * c + ch - p.xBase];
        if (first) { acc = v; first = false; }
        else if (OP == POOL_MAX) { acc = max(acc, v); }
        else { acc += v; }
      }
    }
  }
  if (OP != POOL_MAX) { acc *= 1.0 / f32(fd * fh * fw); }
  y[g - p.yBase] = acc;
}
