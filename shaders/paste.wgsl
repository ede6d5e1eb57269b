// dst[begin : begin + srcShape] = src, or += src (f32) when add. Params: t0,
// n, src's shape, dst's strides, begin (rank 6), add and dstBase (first element of the bound window of dst).
struct Params { t0: u32, n: u32, add: u32, dstBase: u32, shape: array<vec4<u32>, 2>, dstStrides: array<vec4<u32>, 2>, begin: array<vec4<u32>, 2> }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  var rem = p.t0 + l;
  var di = 0u - p.dstBase;
  for (var k = 5i; k >= 0i; k--) {
    let j = u32(k);
    let s = p.shape[j >> 2u][j & 3u];
    di += (rem % s + p.begin[j >> 2u][j & 3u]) * p.dstStrides[j >> 2u][j & 3u];
    rem = rem / s;
  }
  if (p.add != 0u) {
    dst[di] = bitcast<u32>(bitcast<f32>(dst[di]) + bitcast<f32>(src[l]));
  } else {
    dst[di] = src[l];
  }
}
