// `blendwarp convert`: models between blendwarp and PyTorch VoxelMorph, safetensors in, safetensors
// out, printing the layer-by-layer shapes (docs/voxelmorph.md). No compute backend is needed.
import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { FsStore } from './fs-store.js';
import { convertFromVoxelMorph, convertToVoxelMorph, formatLayers } from '../nn/vxm.js';
import { decodeSafetensors } from '../io/safetensors.js';
import { spatialCheckpointFromVxm } from '../synth/vxm-export.js';

const HELP = `usage:
  blendwarp convert --from vxm IN.safetensors --out OUT.safetensors [--int-steps N] [--bidir] [--inshape i,j[,k]]
      a PyTorch VoxelMorph VxmDense state_dict (safetensors.torch.save_file(model.state_dict(), IN))
      -> a blendwarp VxmDense checkpoint (vxmDenseFromCheckpoint in blendwarp/nn). int_steps is not in a
      state_dict: default 7 when it holds integrate.transformer.grid, else 0; inshape and int_downsize
      come from the grid buffers.
      --as spatial: write the synth pipeline's spatial checkpoint instead (OUT = <synth --out>/checkpoints/
      spatial.safetensors, marked trained), so \`blendwarp synth run --out ...\` uses the PyTorch-trained
      network as g_s; needs int_steps > 0, int_downsize 1 and the synth preset's spatial net sizes.
  blendwarp convert --to vxm IN.safetensors --out OUT.safetensors [--inshape i,j[,k]] [--int-steps N] [--int-downsize K]
      a blendwarp checkpoint -> VoxelMorph state_dict(s):
        a converted VxmDense                    -> OUT (options from its metadata)
        synth spatial (checkpoints/spatial.safetensors; needs --inshape)
          diffeomorphic (fwd.*)                 -> OUT for VxmDense(int_steps = --int-steps, default 7, int_downsize=1)
          two networks (fwd.* and bwd.*)        -> OUT (forward) and OUT-bwd (inverse), VxmDense(int_steps=0)
        a U-Net (segmenter-*.safetensors, appearance.safetensors)
                                                -> OUT with unet.* (vxm.networks.Unet) and head.* (a 3x3 conv)
      --inshape is VoxelMorph's (i, j, k) = the NIfTI's voxel dimensions (2D: i, j).
`;

function shapeOpt(v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const s = v.split(',').map(Number);
  if (s.length < 2 || s.length > 3 || s.some((x) => !Number.isInteger(x) || x < 1)) throw new Error(`--inshape: expected i,j or i,j,k (positive integers), got "${v}"`);
  return s;
}

function intOpt(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: expected an integer >= ${min}, got "${v}"`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv.length === 0) {
    process.stdout.write(HELP);
    return argv.length === 0 ? 1 : 0;
  }
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' },
      'int-steps': { type: 'string' }, 'int-downsize': { type: 'string' }, inshape: { type: 'string' },
      bidir: { type: 'boolean', default: false }, backend: { type: 'string' }, as: { type: 'string', default: 'vxm' },
    },
    allowPositionals: true,
    strict: true,
  });
  const dir = values.from ?? values.to;
  if ((values.from && values.to) || dir !== 'vxm') throw new Error(`convert: give exactly one of --from vxm or --to vxm (got ${values.from ? `--from ${values.from}` : ''}${values.to ? ` --to ${values.to}` : ''})`);
  if (positionals.length !== 1) throw new Error(`convert: expected one input .safetensors file, got ${positionals.length ? positionals.join(' ') : 'none'}`);
  const input = positionals[0]!;
  const out = values.out as string | undefined;
  if (!out) throw new Error('convert: --out OUT.safetensors is required');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(input));
  } catch (e) {
    throw new Error(`${input}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const store = new FsStore(dirname(out));
  const intSteps = intOpt('--int-steps', values['int-steps'] as string | undefined, 0);
  const inshape = shapeOpt(values.inshape as string | undefined);
  if (values.as !== 'vxm' && values.as !== 'spatial') throw new Error(`--as: expected vxm or spatial, got "${values.as}"`);
  if (values.as === 'spatial' && !values.from) throw new Error('--as spatial goes with --from vxm');
  if (values.from) {
    const r = values.as === 'spatial'
      ? spatialCheckpointFromVxm(decodeSafetensors(bytes, input).tensors, { intSteps, inshape, source: input })
      : convertFromVoxelMorph(bytes, { intSteps, bidir: values.bidir as boolean, inshape, source: input });
    console.log(`${input}: VoxelMorph VxmDense, ${r.options.inshape.length}D, inshape [${r.options.inshape.join(', ')}], encoder [${r.options.encoder.join(', ')}], decoder [${r.options.decoder.join(', ')}], int_steps ${r.options.intSteps}, int_downsize ${r.options.intDownsize}, bidir ${r.options.bidir}`);
    console.log(formatLayers(r.layers));
    await store.save(basename(out), r.bytes);
    console.log(`-> ${out} (${values.as === 'spatial' ? 'synth spatial checkpoint (fwd.*), marked trained' : 'blendwarp VxmDense checkpoint'}, ${r.layers.length} tensors)`);
    return 0;
  }
  const files = convertToVoxelMorph(bytes, { inshape, intSteps, intDownsize: intOpt('--int-downsize', values['int-downsize'] as string | undefined, 1), source: input });
  for (const f of files) {
    const ext = extname(out);
    const path = f.role === 'bwd' ? join(dirname(out), `${basename(out, ext)}-bwd${ext}`) : out;
    console.log(`${input}${f.role === 'bwd' ? ' (inverse network bwd.*)' : f.role === 'fwd' ? ' (forward network fwd.*)' : ''}: -> ${f.torch}`);
    console.log(formatLayers(f.layers));
    await store.save(basename(path), f.bytes);
    console.log(`-> ${path} (VoxelMorph state_dict, ${f.tensors.size} tensors)`);
  }
  return 0;
}
