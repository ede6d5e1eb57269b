// The GEMM core for CPU adapters (lavapipe/llvmpipe, SwiftShader): the same contract as gemm_core.wgsl
// (the op's file declares Params with groups/tilesM/tilesN and the loaders kRange, loadA4, loadB4,
// storeC4), without workgroup memory or barriers. CPU drivers run a workgroup's invocations as SIMD
// lanes of one thread and split it at every barrier; gemm_core's staged tiles cost more there than
// they save (docs/webgpu-kernels.md has the measurements). A workgroup of 64 threads computes a
// TM x TN tile (TM * TN = 1024), each thread a 4 x 4 block in registers straight from the loaders:
// per step of 4 along k, 4 vec4 loads of A and 4 of B feed 16 vec4 FMAs.
override TN: u32 = 32u;
override TM: u32 = 32u;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let wg = wgLin(wid, nwg);
  if (wg >= p.groups) { return; }
  let tiles = p.tilesM * p.tilesN;
  let s = wg / tiles;
  let rest = wg % tiles;
  let cm = TM / 4u;
  // consecutive threads take consecutive row blocks: B's loads are the same for a column of threads
  let m = (rest / p.tilesN) * TM + (li % cm) * 4u;
  let n = (rest % p.tilesN) * TN + (li / cm) * 4u;
  let kr = kRange(s);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k = kr.x; k < kr.y; k += 4u) {
    let a0 = loadA4(s, m, k, kr.y);
    let a1 = loadA4(s, m + 1u, k, kr.y);
    let a2 = loadA4(s, m + 2u, k, kr.y);
    let a3 = loadA4(s, m + 3u, k, kr.y);
    let b0 = loadB4(s, k, n, kr.y);
    let b1 = loadB4(s, k + 1u, n, kr.y);
    let b2 = loadB4(s, k + 2u, n, kr.y);
    let b3 = loadB4(s, k + 3u, n, kr.y);
    acc0 = fma(vec4<f32>(a0.x), b0, fma(vec4<f32>(a0.y), b1, fma(vec4<f32>(a0.z), b2, fma(vec4<f32>(a0.w), b3, acc0))));
    acc1 = fma(vec4<f32>(a1.x), b0, fma(vec4<f32>(a1.y), b1, fma(vec4<f32>(a1.z), b2, fma(vec4<f32>(a1.w), b3, acc1))));
    acc2 = fma(vec4<f32>(a2.x), b0, fma(vec4<f32>(a2.y), b1, fma(vec4<f32>(a2.z), b2, fma(vec4<f32>(a2.w), b3, acc2))));
    acc3 = fma(vec4<f32>(a3.x), b0, fma(vec4<f32>(a3.y), b1, fma(vec4<f32>(a3.z), b2, fma(vec4<f32>(a3.w), b3, acc3))));
  }
  storeC4(s, m, n, acc0);
  storeC4(s, m + 1u, n, acc1);
  storeC4(s, m + 2u, n, acc2);
  storeC4(s, m + 3u, n, acc3);
}
