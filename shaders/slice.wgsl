// out = x[begin : begin + outShape] over rank 6. Params: t0, n, the
// output shape, x's strides, begin (rank 6) and xBase (first element of the bound window of x).
struct Params { t0: u32, n: u32, xBase: u32, shape: array<vec4<u32>, 2>, xStrides: array<vec4<u32>, 2>, begin: array<vec4<u32>, 2> }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= p.n) { return; }
  var rem = p.t0 + l;
  var xi = 0u;
  for (var k = 5i; k >= 0i; k--) {
    let j = u32(k);
    let s = p.shape[j >> 2u][j & 3u];
    xi += (rem % s + p.begin[j >> 2u][j & 3u]) * p.xStrides[j >> 2u][j & 3u];
    rem = rem / s;
  }
  out[l] = x[xi - p.xBase];
}
