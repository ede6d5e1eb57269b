// CPU time (all threads of the process: lavapipe's included) and wall per training step of the synth
// quick spatial model shape (2D 96 x 80), on each engine in argv (default webgpu,wasm; webgpu:tiled and
// webgpu:direct pick the GEMM core). Run after `npm run build`: node bench/webgpu-cpu-step.mjs webgpu:tiled,webgpu:direct,wasm
import { createBackend } from '../dist/src/backend/create.js';
import { engine } from '../dist/src/tensor/engine.js';
import * as bw from '../dist/src/index.js';
import { UNet } from '../dist/src/nn/unet.js';
const engines = (process.argv[2] ?? 'webgpu,wasm').split(',');
const [h, w] = [96, 80];
const rnd = (n, s) => { let x = s; return Float32Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648)); };
for (const e of engines) {
  const [en, core] = e.split(':'); const b = await createBackend(en, core ? { webgpu: { gemmCore: core } } : {});
  engine.backend = b;
  const net = new UNet({ inChannels: 2, encoder: [16, 32, 32, 32], decoder: [32, 32, 32, 32, 16, 16], outChannels: 3, dims: 2 }, new bw.Rng(1));
  const moving = bw.tensor(rnd(h * w, 9), [1, 1, h, w, 1]), fixed = bw.tensor(rnd(h * w, 10), [1, 1, h, w, 1]);
  const input = bw.concat([moving, fixed], -1);
  const adam = new bw.Adam({ lr: 1e-4 });
  const params = net.params.list();
  const step = async () => {
    const { value, grads } = bw.valueAndGrads(() => {
      const flow = net.forward(input);
      return bw.add(bw.mse(bw.warp(moving, flow), fixed), bw.mulScalar(bw.smoothness(flow), 0.01));
    }, params);
    adam.step(params, grads);
    grads.forEach((g) => g.dispose());
    await value.data();
    value.dispose();
  };
  await step(); await step();
  let cpu = Infinity, wall = Infinity;
  for (let i = 0; i < 5; i++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    await step();
    const u = process.cpuUsage(c0);
    cpu = Math.min(cpu, (u.user + u.system) / 1000); wall = Math.min(wall, performance.now() - t0);
  }
  console.log(`${e}${b.rt ? ' (' + b.rt.gemmCore + ')' : ''}: step CPU ${cpu.toFixed(0)} ms, wall ${wall.toFixed(0)} ms (best of 5)`);
  if (b.rt?.profileReport) { const r = await b.rt.profileReport(); if (r) console.log(r.split('\n').slice(0, 14).join('\n')); }
}
process.exit(0);
