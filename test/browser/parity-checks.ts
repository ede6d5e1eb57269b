// A parity subset that runs in any runtime with WebGPU (Deno, a Chromium page, a dedicated worker):
// each check computes the same values on the wasm and webgpu backends of the same runtime and
// reports the largest relative difference; one more check runs the io kernels against their
// TypeScript reference. Runtime-neutral: imports only the library and test/reference/io.ts.
import * as bw from '../../src/index.js';
import { runMethod } from '../../src/gblend/methods.js';
import { logSpectrogramImage } from '../../src/gblend/features.js';
import { parseNifti, encodeNifti, defaultGeometry } from '../../src/io/nifti.js';
import { downsampleLabels } from '../../src/synth/preprocess.js';
import { decodeVoxelsRef, downsampleLabelsRef, logSpectrogramImageRef } from '../reference/io.js';

export interface ParityCheck { name: string; maxErr: number; n: number }
export interface ParityReport { adapter: unknown; checks: ParityCheck[] }

const data = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k));

async function onBoth(name: string, f: () => Promise<number[]>, checks: ParityCheck[]): Promise<void> {
  await bw.setBackend('wasm');
  const want = await f();
  await bw.setBackend('webgpu');
  const got = await f();
  let maxErr = got.length === want.length ? 0 : Infinity;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!));
    maxErr = Math.max(maxErr, Number.isNaN(e) ? Infinity : e);
  }
  checks.push({ name, maxErr, n: want.length });
}

async function values(...ts: bw.Tensor[]): Promise<number[]> {
  const out: number[] = [];
  for (const t of ts) out.push(...await t.data());
  return out;
}

export async function runParity(): Promise<ParityReport> {
  const checks: ParityCheck[] = [];
  await onBoth('conv3d and its gradients', async () => {
    const x = bw.tensor(data(2 * 5 * 6 * 7 * 3, 1), [2, 5, 6, 7, 3]);
    const w = bw.tensor(data(27 * 3 * 5, 2).map((v) => v * 0.2), [3, 3, 3, 3, 5]);
    const b = bw.tensor(data(5, 3), [5]);
    const { value, grads } = bw.valueAndGrads(() => bw.sum(bw.square(bw.conv3d(x, w, b, { stride: [1, 2, 1] }))), [x, w, b]);
    const out = await values(value, ...grads);
    for (const t of [x, w, b, value, ...grads]) t.dispose();
    return out;
  }, checks);
  await onBoth('warp and its gradients', async () => {
    const x = bw.tensor(data(1 * 4 * 9 * 8 * 2, 3), [1, 4, 9, 8, 2]);
    const f = bw.tensor(data(4 * 9 * 8 * 3, 4).map((v) => 2.5 * v), [1, 4, 9, 8, 3]);
    const { value, grads } = bw.valueAndGrads(() => bw.sum(bw.square(bw.warp(x, f))), [x, f]);
    const out = await values(value, ...grads);
    for (const t of [x, f, value, ...grads]) t.dispose();
    return out;
  }, checks);
  await onBoth('pooling, upsampling, box sums', async () => {
    const x = bw.tensor(data(2 * 3 * 5 * 4 * 3, 5), [2, 3, 5, 4, 3]);
    const { value, grads } = bw.valueAndGrads(() => bw.add(
      bw.sum(bw.square(bw.upsample(bw.maxPool(x), 'linear'))),
      bw.sum(bw.mul(bw.boxSum(x, [1, 2, 1]), bw.avgPool(bw.upsample(x, 'nearest'))))), [x]);
    const out = await values(value, ...grads);
    for (const t of [x, value, ...grads]) t.dispose();
    return out;
  }, checks);
  await onBoth('seeded random draws', async () => {
    const r = new bw.Rng(42);
    const u = bw.randomUniform([1001], r), n = bw.randomNormal([999], r, 1, 2);
    const out = await values(u, n);
    u.dispose(); n.dispose();
    return out;
  }, checks);
  await onBoth('a training step (conv, relu, pool, dense, cross-entropy, Adam)', async () => {
    const x = bw.tensor(data(2 * 1 * 8 * 8 * 2, 5), [2, 1, 8, 8, 2]);
    const labels = bw.tensor(new Int32Array([1, 0]), [2], 'i32');
    const w1 = bw.tensor(data(9 * 2 * 4, 6).map((v) => v * 0.3), [1, 3, 3, 2, 4]);
    const w2 = bw.tensor(data(64 * 3, 7).map((v) => v * 0.1), [64, 3]);
    const params = [w1, w2];
    const loss = () => {
      const h = bw.maxPool(bw.relu(bw.conv3d(x, w1)));
      return bw.softmaxCrossEntropy(bw.matmul(bw.reshape(h, [2, 64]), w2), labels);
    };
    const opt = new bw.Adam({ lr: 0.05 });
    const { value, grads } = bw.valueAndGrads(loss, params);
    opt.step(params, grads);
    const after = bw.tidy(loss);
    const out = await values(value, after, w1, w2);
    for (const t of [x, labels, w1, w2, value, after, ...grads]) t.dispose();
    opt.dispose();
    return out;
  }, checks);
  await onBoth('G-Blend end to end (gradient estimator: training, weights, evaluation)', async () => {
    const blobs = (n: number, k: number) => {
      const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
      const mod = (name: string, s: number, q: number) => ({ name, shape: [6], data: data(n * 6, q).map((v, j) => v + (j % 6 === labels[Math.floor(j / 6)] ? s : 0)) });
      return { modalities: [mod('a', 1.2, k), mod('b', 0.4, k + 1)], classes: 3, labels };
    };
    const r = await runMethod('gblend-grad', blobs(48, 1), blobs(30, 3), {
      epochs: 2, gradBatches: 1, train: { optimizer: 'adam', lr: 0.01, batchSize: 16 },
      encoders: { a: { kind: 'mlp', hidden: [8] }, b: { kind: 'mlp', hidden: [8] } },
    }, 1);
    return [...r.history.flatMap((h) => [h.stepLoss, ...h.val.map((v) => v.loss)]), ...Object.values(r.weights!)];
  }, checks);
  {
    // The io kernels (assembly/io/, compiled synchronously on first use, here on a page's main
    // thread or in a worker) against their TypeScript reference; no backend involved.
    const sig = data(3000, 8);
    const a = Array.from(logSpectrogramImage(sig, 8000, { nMels: 8, frames: 6 }).data);
    const b = Array.from(logSpectrogramImageRef(sig, 8000, { nMels: 8, frames: 6 }).data);
    const lab = Int32Array.from({ length: 4 * 6 * 6 }, (_, i) => (i * 7) % 5);
    a.push(...downsampleLabels(lab, [4, 6, 6], 2).data);
    b.push(...downsampleLabelsRef(lab, [4, 6, 6], 2).data);
    const file = encodeNifti({ dims: [5, 3, 2], data: data(30, 9).map((v) => v * 1000), datatype: 'int16', geometry: defaultGeometry() });
    a.push(...parseNifti(file, 'page.nii').data);
    b.push(...decodeVoxelsRef(file, 352, 30, 'int16', true, 1, 0));
    let maxErr = a.length === b.length ? 0 : Infinity;
    for (let i = 0; i < b.length; i++) maxErr = Math.max(maxErr, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
    checks.push({ name: 'io kernels (log-mel, majority down-sampling, NIfTI decoding) vs their TypeScript reference', maxErr, n: b.length });
  }
  const adapter = (bw.getBackend().info() as { adapter?: unknown }).adapter;
  bw.getBackend().dispose();
  return { adapter, checks };
}
