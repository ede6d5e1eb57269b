// dst[begin : begin + srcShape] = src, or += src (f32) when add. Words: 0 t0, 1 n, 2..7 src shape,
// 8..13 dst strides, 14..19 begin, 20 add, 21 dstBase (first element of the bound window of dst).
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  var rem = pu(0u) + l;
  var di = 0u - pu(21u);
  for (var k = 5i; k >= 0i; k--) {
    let s = pu(2u + u32(k));
    di += (rem % s + pu(14u + u32(k))) * pu(8u + u32(k));
    rem = rem / s;
  }
  if (pu(20u) != 0u) {
    dst[di] = bitcast<u32>(bitcast<f32>(dst[di]) + bitcast<f32>(src[l]));
  } else {
    dst[di] = src[l];
  }
}
