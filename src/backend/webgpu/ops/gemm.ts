// Launch planning for the GEMM cores shared by conv and matmul. The adapter decides the core (one rule,
// docs/webgpu-kernels.md): hardware adapters run gemm_core.wgsl (256 threads, tiles staged in
// workgroup memory, 4 x 4 outputs per thread, vec4 loads); CPU adapters (AdapterSummary.software:
// lavapipe, SwiftShader, WARP, fallback adapters) run gemm_direct.wgsl (64 threads, no workgroup
// memory, no barriers: CPU drivers pay for every barrier), with the same loaders.

/** Which core a runtime uses: 'tiled' (gemm_core) or 'direct' (gemm_direct). */
export type GemmCore = 'tiled' | 'direct';

/** The program name of an op's loaders on the core. */
export function gemmProgram(loaders: string, core: GemmCore): string {
  return `${loaders}+${core === 'direct' ? 'gemm_direct' : 'gemm_core'}`;
}

/**
 * Tile shape: TN columns (16, 32 or 64: the smallest that holds N, up to 64) and TM rows, TM * TN =
 * 4096 (tiled: 256 threads x 16 outputs) or 1024 (direct: 64 threads x 16 outputs).
 */
export function gemmTile(n: number, core: GemmCore = 'tiled'): { TM: number; TN: number } {
  const TN = n <= 16 ? 16 : n <= 32 ? 32 : 64;
  return { TM: (core === 'tiled' ? 4096 : 1024) / TN, TN };
}

/** Workgroup counts of one GEMM launch: `slices` (batches or K splits) times the tiles of M x N. */
export function gemmGrid(m: number, n: number, slices: number, core: GemmCore = 'tiled'): { groups: number; tilesM: number; tilesN: number; TM: number; TN: number } {
  const { TM, TN } = gemmTile(n, core);
  const tilesM = Math.ceil(m / TM), tilesN = Math.ceil(n / TN);
  return { groups: slices * tilesM * tilesN, tilesM, tilesN, TM, TN };
}
