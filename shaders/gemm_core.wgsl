// The tiled GEMM core shared by conv3d (forward, input gradient, weight gradient: implicit GEMM, 2D is
// D = 1) and matmul. C[s][m, n] = sum over k in kRange(s) of A(s, m, k) * B(s, k, n): the op's file,
// composed before this one ("op+gemm_core"), declares `struct Params` (with groups, tilesM, tilesN)
// and the loaders
//   kRange(s) -> vec2<u32>                k range of slice s (a batch of matmul, a split of a long K)
//   loadA4(s, m, k, kEnd) -> vec4<f32>    A(s, m, k..k+3), 0 outside or at k >= kEnd
//   loadB4(s, k, n, kEnd) -> vec4<f32>    B(s, k, n..n+3), 0 outside
//   storeC4(s, m, n, v)                   writes C(s, m, n..n+3) (the op clips to its bounds)
// A workgroup of 256 threads computes a TM x TN tile of C (TM * TN = 4096): each thread a 4 x 4 block
// held in registers. Per step of TK = 8 along k the workgroup stages A (TM x TK, transposed) and
// B (TK x TN) in workgroup memory with one vec4 load per 4 values, then every thread does 16 FMAs per
// pair of vec4 reads of workgroup memory. Workgroup memory: 8 KiB (A) + 2 KiB (B), within the 16 KiB
// WebGPU default; 256 invocations, the most SwiftShader allows.
override TN: u32 = 64u;
override TM: u32 = 64u;
const TK: u32 = 8u;
var<workgroup> As: array<vec4<f32>, 512>; // [TK][TM / 4]: rows 4r..4r+3 of one k in a vec4
var<workgroup> Bs: array<vec4<f32>, 128>; // [TK][TN / 4]
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let wg = wgLin(wid, nwg);
  if (wg >= p.groups) { return; }
  let tiles = p.tilesM * p.tilesN;
  let s = wg / tiles;
  let rest = wg % tiles;
  let m0 = (rest / p.tilesN) * TM;
  let n0 = (rest % p.tilesN) * TN;
  let cn = TN / 4u;
  let cm = TM / 4u;
  let tx = li % cn;
  let ty = li / cn;
  let kr = kRange(s);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = kr.x; k0 < kr.y; k0 += TK) {
    // A tile: TM rows x 2 vec4 along k
    for (var i = li; i < TM * 2u; i += 256u) {
      let r = i >> 1u;
      let kq = (i & 1u) * 4u;
      let v = loadA4(s, m0 + r, k0 + kq, kr.y);
      let at = kq * cm + (r >> 2u);
      let c = r & 3u;
      As[at][c] = v.x;
      As[at + cm][c] = v.y;
      As[at + 2u * cm][c] = v.z;
      As[at + 3u * cm][c] = v.w;
    }
    // B tile: TK rows x TN / 4 vec4 along n
    for (var i = li; i < TN * 2u; i += 256u) {
      let kk = i / cn;
      let nq = i % cn;
      Bs[kk * cn + nq] = loadB4(s, k0 + kk, n0 + nq * 4u, kr.y);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let a = As[kk * cm + ty];
      let b = Bs[kk * cn + tx];
      acc0 = fma(vec4<f32>(a.x), b, acc0);
      acc1 = fma(vec4<f32>(a.y), b, acc1);
      acc2 = fma(vec4<f32>(a.z), b, acc2);
      acc3 = fma(vec4<f32>(a.w), b, acc3);
    }
    workgroupBarrier();
  }
  let m = m0 + ty * 4u;
  let n = n0 + tx * 4u;
  storeC4(s, m, n, acc0);
  storeC4(s, m + 1u, n, acc1);
  storeC4(s, m + 2u, n, acc2);
  storeC4(s, m + 3u, n, acc3);
}
