// Run by test/runtimes.test.ts under Deno: imports the built package and prints a few results on the
// backend named by the first argument (wasm, or webgpu on Deno's own navigator.gpu).
import * as bw from '../../dist/src/index.js';
import { logSpectrogramImage } from '../../dist/src/gblend/features.js';
import { defaultGeometry, encodeNifti, readNifti } from '../../dist/src/io/nifti.js';
import { downsampleImage } from '../../dist/src/synth/preprocess.js';

const backend = (Deno.args[0] ?? 'wasm') as 'wasm' | 'webgpu';
await bw.init(backend);
const x = bw.tensor(Float32Array.from({ length: 2 * 6 * 5 * 3 }, (_, i) => Math.sin(i)), [1, 2, 6, 5, 3]);
const w = bw.tensor(Float32Array.from({ length: 27 * 3 * 4 }, (_, i) => Math.cos(i) * 0.1), [3, 3, 3, 3, 4]);
const y = bw.conv3d(x, w);
const flow = bw.full([1, 2, 6, 5, 3], 0.3);
const warped = bw.warp(x, flow);
const { value, grads } = bw.valueAndGrads(() => bw.sum(bw.square(bw.conv3d(x, w))), [w]);
// Reads are asynchronous on WebGPU: awaited on every backend.
const out = {
  runtime: 'deno',
  backend: bw.getBackend().info().name,
  conv: Array.from((await y.data()).slice(0, 8)),
  warp: Array.from((await warped.data()).slice(0, 8)),
  loss: (await value.data())[0],
  grad: Array.from((await grads[0]!.data()).slice(0, 8)),
  // The io kernels (assembly/io/): a log-mel image, a block mean, a decoded int16 NIfTI with scaling.
  logmel: Array.from(logSpectrogramImage(Float32Array.from({ length: 3000 }, (_, i) => Math.sin(0.1 * i)), 8000, { nMels: 8, frames: 4 }).data.slice(0, 8)),
  down: Array.from(downsampleImage(Float32Array.from({ length: 4 * 6 * 5 }, (_, i) => Math.cos(i)), [4, 6, 5], 2).data),
  nifti: Array.from((await readNifti(encodeNifti({ dims: [3, 2, 2], data: Array.from({ length: 12 }, (_, i) => i * 1000 - 5000), datatype: 'int16', geometry: defaultGeometry() }), 'deno.nii')).data),
};
bw.getBackend().dispose();
console.log(JSON.stringify(out));
