// Type-checked by test/package.test.ts with `tsc --strict --noEmit` and skipLibCheck false, in a
// project that installed only the packed tarball (no @types/node, no @webgpu/types).
import { init, info, Rng, randomNormal, conv3d, valueAndGrads, sum, type Tensor, type RuntimeInfo } from 'blendwarp';
import { UNet, Adam, encodeCheckpoint, MemoryStore, type BlobStore } from 'blendwarp/nn';
import { readNifti, writeNifti, geometryFromAffine, type NiftiVolume } from 'blendwarp/io';
import { loadMnistDigits, buildTwoViewMnist, type GBlendResultsJson } from 'blendwarp/gblend';
import { type SynthResultsJson, type MethodResult } from 'blendwarp/synth';
import { wrap, proxy, type SynthService, type StageProgress } from 'blendwarp/workers';
import { startSynthWorker, type ServiceWorker } from 'blendwarp/workers/node';

export async function main(bytes: Uint8Array): Promise<number> {
  await init('wasm', { wasm: { threads: 2 } });
  const where: RuntimeInfo = await info();
  const x: Tensor = randomNormal([1, 4, 4, 4, 1], new Rng(1));
  const w = randomNormal([3, 3, 3, 1, 2], new Rng(2));
  const { grads } = valueAndGrads(() => sum(conv3d(x, w, null, { padding: 'same' })), [w]);
  const net = new UNet({ inChannels: 1, encoder: [4], decoder: [4, 4], outChannels: 1, dims: 2 }, new Rng(3));
  const store: BlobStore = new MemoryStore();
  await store.save('ckpt', await encodeCheckpoint(net.params, new Adam({ lr: 1e-3 }), {}));
  const vol: NiftiVolume = await readNifti(bytes, 'in.nii.gz');
  const out: Uint8Array = await writeNifti({ dims: vol.dims, data: vol.data, datatype: 'float32', geometry: geometryFromAffine(vol.affine) });
  const digits = await loadMnistDigits();
  buildTwoViewMnist(digits, { trainPerClass: 10, testPerClass: 10 }, Math.random);
  const worker: ServiceWorker<SynthService> = startSynthWorker();
  const { results } = await worker.service.runStage('run', proxy((p: StageProgress) => console.log(p.stage, p.step, p.total)));
  const synthJson: SynthResultsJson | undefined = results;
  const best: number = synthJson?.methods[0]?.dice_mean ?? 0;
  const m: MethodResult = { name: 'x', dice_mean: 1, dice_std: 0, per_label: {}, subjects: [] };
  const g: GBlendResultsJson['methods'][number]['top1_std'] = 0;
  await worker.terminate();
  const remote = wrap<SynthService>({} as Parameters<typeof wrap>[0]);
  void remote;
  return best + m.dice_mean + g + out.length + grads.length + (where.runtime === 'node' ? 1 : 0);
}
