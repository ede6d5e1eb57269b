// `blendwarp synth`: placeholder until the synth pipeline lands (being written now).
export async function main(_argv: string[]): Promise<number> {
  throw new Error('blendwarp synth: not available yet in this version');
}
