// `blendwarp gblend`: placeholder until the gblend pipeline lands (being written now).
export async function main(_argv: string[]): Promise<number> {
  throw new Error('blendwarp gblend: not available yet in this version');
}
