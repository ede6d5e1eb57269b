// out = x[begin : begin + outShape] over rank 6. Words: 0 t0, 1 n, 2..7 out shape, 8..13 x strides, 14..19 begin,
// 20 xBase (first element of the bound window of x).
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let l = lin(wid, nwg, lid);
  if (l >= pu(1u)) { return; }
  var rem = pu(0u) + l;
  var xi = 0u;
  for (var k = 5i; k >= 0i; k--) {
    let s = pu(2u + u32(k));
    xi += (rem % s + pu(14u + u32(k))) * pu(8u + u32(k));
    rem = rem / s;
  }
  out[l] = x[xi - pu(20u)];
}
