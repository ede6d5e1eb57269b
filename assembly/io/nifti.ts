// NIfTI voxel decoding: stored datatype (either byte order) -> float32, with scl_slope/scl_inter.
// Each value is converted to f64, scaled as x * slope + inter in f64 and rounded once to f32: the
// same arithmetic as the TypeScript reference (DataView read, JS number math, Float32Array store),
// so the results are bit-identical.

/** NIfTI-1 datatype codes: uint8 2, int16 4, int32 8, float32 16, float64 64, int8 256, uint16 512. */
export function decodeVoxels(src: usize, out: usize, n: i32, code: i32, swap: bool, slope: f64, inter: f64): void {
  if (code == 2) {
    for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(<f64>load<u8>(src + <usize>i) * slope + inter));
  } else if (code == 256) {
    for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(<f64>load<i8>(src + <usize>i) * slope + inter));
  } else if (code == 4) {
    if (swap) for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(<f64><i16>bswap<u16>(load<u16>(src + (<usize>i << 1))) * slope + inter));
    else for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(<f64>load<i16>(src + (<usize>i << 1)) * slope + inter));
  } else if (code == 512) {
    if (swap) for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(<f64>bswap<u16>(load<u16>(src + (<usize>i << 1))) * slope + inter));
    else for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(<f64>load<u16>(src + (<usize>i << 1)) * slope + inter));
  } else if (code == 8) {
    if (swap) for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(<f64><i32>bswap<u32>(load<u32>(src + (<usize>i << 2))) * slope + inter));
    else for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(<f64>load<i32>(src + (<usize>i << 2)) * slope + inter));
  } else if (code == 16) {
    if (swap) for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(<f64>reinterpret<f32>(bswap<u32>(load<u32>(src + (<usize>i << 2)))) * slope + inter));
    else for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(<f64>load<f32>(src + (<usize>i << 2)) * slope + inter));
  } else if (code == 64) {
    if (swap) for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(reinterpret<f64>(bswap<u64>(load<u64>(src + (<usize>i << 3)))) * slope + inter));
    else for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(load<f64>(src + (<usize>i << 3)) * slope + inter));
  } else {
    unreachable();
  }
}
