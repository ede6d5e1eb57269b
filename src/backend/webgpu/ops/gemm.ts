// Launch planning for the tiled GEMM core (shaders/gemm_core.wgsl) shared by conv and matmul.

/** Tile shape: TN columns (16, 32 or 64: the smallest that holds N, up to 64) and TM = 4096 / TN rows. */
export function gemmTile(n: number): { TM: number; TN: number } {
  const TN = n <= 16 ? 16 : n <= 32 ? 32 : 64;
  return { TM: 4096 / TN, TN };
}

/** Workgroup counts of one GEMM launch: `slices` (batches or K splits) times the tiles of M x N. */
export function gemmGrid(m: number, n: number, slices: number): { groups: number; tilesM: number; tilesN: number; TM: number; TN: number } {
  const { TM, TN } = gemmTile(n);
  const tilesM = Math.ceil(m / TM), tilesN = Math.ceil(n / TN);
  return { groups: slices * tilesM * tilesN, tilesM, tilesN, TM, TN };
}
