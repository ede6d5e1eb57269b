// One separable pass of boxSum by running sums: src, dst viewed as [outer, len, inner];
// dst[o, i, k] = sum of src[o, j, k] for j in [i - r, i + r] (clamped to the line). One thread per
// segment of `seg` consecutive i of one (o, k) line: it sums the first window directly, then slides it
// (+ the entering value, - the leaving one), so a segment costs seg + 2r + 1 loads and the host picks
// seg >= 2r + 1: at most ~3 loads and 2 additions per element whatever the radius. The running sum is
// compensated (Neumaier two-sum: the rounding error of every addition is carried in c), so sliding over
// a long line does not drift the way a plain f32 running sum does.
// Launch: lines o in [o0, o0 + oc), positions i in [lo, hi) (a slab of planes when the tensor exceeds
// the binding limit), srcBase / dstBase the first elements of the bound windows.
struct Params {
  n: u32, o0: u32, lo: u32, hi: u32, len: u32, inner: u32, r: u32, seg: u32, nseg: u32, srcBase: u32, dstBase: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

struct Acc { s: f32, c: f32 }
fn addc(a: Acc, v: f32) -> Acc {
  let t = a.s + v;
  let e = select((v - t) + a.s, (a.s - t) + v, abs(a.s) >= abs(v));
  return Acc(t, a.c + e);
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  let k = l % p.inner;
  let q = l / p.inner;
  let sg = q % p.nseg;
  let o = p.o0 + q / p.nseg;
  let i0 = p.lo + sg * p.seg;
  let i1 = min(p.hi, i0 + p.seg);
  let r = p.r;
  let last = p.len - 1u;
  let line = o * p.len;
  // the window of i0: [i0 - r, i0 + r] clamped
  var a = Acc(0.0, 0.0);
  let j0 = select(0u, i0 - r, i0 >= r);
  let j1 = min(i0 + r, last);
  for (var j = j0; j <= j1; j++) { a = addc(a, src[(line + j) * p.inner + k - p.srcBase]); }
  dst[(line + i0) * p.inner + k - p.dstBase] = a.s + a.c;
  for (var i = i0 + 1u; i < i1; i++) {
    if (i + r <= last) { a = addc(a, src[(line + i + r) * p.inner + k - p.srcBase]); }
    if (i >= r + 1u) { a = addc(a, -src[(line + i - r - 1u) * p.inner + k - p.srcBase]); }
    dst[(line + i) * p.inner + k - p.dstBase] = a.s + a.c;
  }
}
