// Per-step cost of each synth network (docs/synth-results.md, "Speed"): CPU seconds (all threads of
// the process) and wall seconds per training step (forward + backward + Adam) of the `paper`
// networks on the OASIS-2D grid, compared in the same run with the grid padded to a multiple of 64
// (192 x 192, before) and the one-conv segmenter (before). Ratios, not absolute times, are the result.
// With --conv-compare: the SPEC networks at 192 x 160 and 96 x 80 (2 mm) and the 3D segmenter on a
// 56 x 48 x 40 grid, each timed with the wasm backend's direct convolutions and with Winograd (conv
// 'auto'), alternating, in one run.
//   node dist/bench/synth-steps.js [--steps N] [--threads N] [--conv-compare]
import { parseArgs } from 'node:util';
import { setBackend } from '../src/index.js';
import { presetConfig } from '../src/synth/pipeline.js';
import { AppearanceModel, Segmenter, SpatialModel } from '../src/synth/models.js';
import { Rng, tensor } from '../src/ops/create.js';
import { valueAndGrads } from '../src/tensor/autograd.js';
import { Adam } from '../src/nn/optim.js';
import type { ParamStore } from '../src/nn/init.js';
import type { Tensor } from '../src/tensor/tensor.js';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '4' }, threads: { type: 'string' }, 'conv-compare': { type: 'boolean' } } });
if (values.threads) process.env.BLENDWARP_THREADS = values.threads;
await setBackend('wasm');
const steps = Number(values.steps);
const c = presetConfig('paper');
const rng = new Rng(1);

async function perStep(params: ParamStore, loss: () => Tensor): Promise<{ cpu: number; wall: number }> {
  const opt = new Adam({ lr: 1e-3 });
  const list = params.list();
  const one = async () => {
    const { value, grads } = valueAndGrads(loss, list);
    opt.step(list, grads);
    for (const g of grads) g.dispose();
    await value.item();
    value.dispose();
  };
  await one(); // warm-up (threads start, buffers allocate)
  const c0 = process.cpuUsage(), t0 = performance.now();
  for (let i = 0; i < steps; i++) await one();
  const cu = process.cpuUsage(c0);
  opt.dispose();
  params.dispose();
  return { cpu: (cu.user + cu.system) / 1e6 / steps, wall: (performance.now() - t0) / 1000 / steps };
}

if (values['conv-compare']) {
  // Per network and grid: direct, then Winograd, twice each (alternating); the faster of each pair kept.
  const img = (n: number, h: number, w: number) => tensor(Float32Array.from({ length: n * h * w }, (_, i) => ((i * 7919) % 1000) / 1000), [n, 1, h, w, 1]);
  const lab = (n: number, h: number, w: number) => tensor(Int32Array.from({ length: n * h * w }, (_, i) => ((i * 31) >> 6) % 24), [n, 1, h, w, 1], 'i32');
  const nets: { name: string; run: (h: number, w: number) => Promise<{ cpu: number; wall: number }> }[] = [
    { name: 'spatial (also each SAS test-time step)', run: async (h, w) => {
      const x = img(1, h, w), y = img(1, h, w);
      const m = new SpatialModel(c.spatial, 2, new Rng(1));
      try { return await perStep(m.params, () => m.loss(x, y)); } finally { x.dispose(); y.dispose(); }
    } },
    { name: 'appearance', run: async (h, w) => {
      const x = img(1, h, w), y = img(1, h, w), nb = tensor(new Float32Array(h * w).fill(1), [1, 1, h, w, 1]), phi = tensor(new Float32Array(h * w * 3), [1, 1, h, w, 3]);
      const m = new AppearanceModel(c.appearance, 2, new Rng(1));
      try { return await perStep(m.params, () => m.loss(x, y, phi, y, nb)); } finally { for (const t of [x, y, nb, phi]) t.dispose(); }
    } },
    { name: 'segmenter (SPEC), batch of 2', run: async (h, w) => {
      const x = img(2, h, w), l = lab(2, h, w);
      const m = new Segmenter(c.segmenter, 2, 25, new Rng(1));
      try { return await perStep(m.params, () => m.loss(x, l)); } finally { x.dispose(); l.dispose(); }
    } },
  ];
  console.log('| network | grid | direct CPU s / step | Winograd CPU s / step | direct / Winograd | direct wall s | Winograd wall s |\n|---|---|---:|---:|---:|---:|---:|');
  for (const [h, w] of [[192, 160], [96, 80]] as const) {
    for (const net of nets) {
      const best: Record<string, { cpu: number; wall: number }> = {};
      for (let rep = 0; rep < 2; rep++) {
        for (const conv of ['direct', 'auto'] as const) {
          await setBackend('wasm', { wasm: { conv } });
          const r = await net.run(h, w);
          const b = best[conv];
          if (!b || r.cpu < b.cpu) best[conv] = r;
        }
      }
      const d = best['direct']!, a = best['auto']!;
      console.log(`| ${net.name} | ${h} x ${w} | ${d.cpu.toFixed(3)} | ${a.cpu.toFixed(3)} | ${(d.cpu / a.cpu).toFixed(2)}x | ${d.wall.toFixed(3)} | ${a.wall.toFixed(3)} |`);
    }
  }
  // The 3D SPEC segmenter on a quarter of the 2 mm brain grid (56 x 48 x 40 of 112 x 96 x 80), one volume.
  {
    const [d3, h3, w3] = [56, 48, 40];
    const best: Record<string, { cpu: number; wall: number }> = {};
    for (let rep = 0; rep < 2; rep++) {
      for (const conv of ['direct', 'auto'] as const) {
        await setBackend('wasm', { wasm: { conv } });
        const x = tensor(Float32Array.from({ length: d3 * h3 * w3 }, (_, i) => ((i * 7919) % 1000) / 1000), [1, d3, h3, w3, 1]);
        const l = tensor(Int32Array.from({ length: d3 * h3 * w3 }, (_, i) => ((i * 31) >> 6) % 24), [1, d3, h3, w3, 1], 'i32');
        const m = new Segmenter(c.segmenter, 3, 25, new Rng(1));
        const r = await perStep(m.params, () => m.loss(x, l));
        x.dispose(); l.dispose();
        const b = best[conv];
        if (!b || r.cpu < b.cpu) best[conv] = r;
      }
    }
    const d = best['direct']!, a = best['auto']!;
    console.log(`| 3D segmenter (SPEC), 1 volume | ${d3} x ${h3} x ${w3} | ${d.cpu.toFixed(3)} | ${a.cpu.toFixed(3)} | ${(d.cpu / a.cpu).toFixed(2)}x | ${d.wall.toFixed(3)} | ${a.wall.toFixed(3)} |`);
  }
  process.exit(0);
}

const rows: { name: string; grid: string; cpu: number; wall: number }[] = [];
for (const [h, w] of [[192, 192], [192, 160]] as const) {
  const img = (n = 1) => tensor(Float32Array.from({ length: n * h * w }, (_, i) => ((i * 7919) % 1000) / 1000), [n, 1, h, w, 1]);
  const lab = (n = 1) => tensor(Int32Array.from({ length: n * h * w }, (_, i) => ((i * 31) >> 6) % 24), [n, 1, h, w, 1], 'i32');
  const x = img(), y = img(), nb = tensor(new Float32Array(h * w).fill(1), [1, 1, h, w, 1]), phi = tensor(new Float32Array(h * w * 3), [1, 1, h, w, 3]);
  const grid = `${h} x ${w}`;
  const sp = new SpatialModel(c.spatial, 2, rng);
  rows.push({ name: 'spatial (also each SAS test-time step)', grid, ...(await perStep(sp.params, () => sp.loss(x, y))) });
  const ap = new AppearanceModel(c.appearance, 2, rng);
  rows.push({ name: 'appearance', grid, ...(await perStep(ap.params, () => ap.loss(x, y, phi, y, nb))) });
  const i1 = img(1), l1 = lab(1);
  const old = new Segmenter({ ...c.segmenter, net: { encoder: [32, 32, 64, 64, 128, 128], decoder: [128, 128, 64, 64, 32, 32, 32] } }, 2, 25, rng);
  rows.push({ name: 'segmenter, one conv per level (before), 1 slice', grid, ...(await perStep(old.params, () => old.loss(i1, l1))) });
  const seg = new Segmenter(c.segmenter, 2, 25, rng);
  rows.push({ name: 'segmenter, two convs per level (SPEC), 1 slice', grid, ...(await perStep(seg.params, () => seg.loss(i1, l1))) });
  const i2 = img(2), l2 = lab(2);
  const seg2 = new Segmenter(c.segmenter, 2, 25, rng);
  rows.push({ name: 'segmenter, two convs per level (SPEC), batch of 2', grid, ...(await perStep(seg2.params, () => seg2.loss(i2, l2))) });
  for (const t of [x, y, nb, phi, i1, l1, i2, l2]) t.dispose();
}
console.log(`| network | grid | CPU s / step | wall s / step |\n|---|---|---:|---:|`);
for (const r of rows) console.log(`| ${r.name} | ${r.grid} | ${r.cpu.toFixed(3)} | ${r.wall.toFixed(3)} |`);
process.exit(0);
