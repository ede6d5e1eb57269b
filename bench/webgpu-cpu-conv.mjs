// Per-conv and per-matmul CPU time of the two WebGPU GEMM cores (tiled: GPUs; direct: CPU adapters) on this
// machine's adapter, best of 3, both in one run (docs/webgpu-kernels.md). Run after `npm run build`:
//   node bench/webgpu-cpu-conv.mjs
import { WebGPUBackend } from '../dist/src/backend/webgpu/backend.js';
const cores = ['tiled', 'direct'];
const bs = {};
for (const core of cores) bs[core] = await WebGPUBackend.create({ gemmCore: core });
const cases = [];
const mk = (b, n) => { const s = b.alloc(4 * n); b.fill(s, n, 1, 'f32'); return s; };
for (const [m, k, n] of [[256, 256, 256], [7680, 144, 16], [1920, 288, 32]]) cases.push({ name: `mm ${m}x${k}x${n}`, fl: 2 * m * k * n, run: {}, setup(b) { const a = mk(b, m * k), bb = mk(b, k * n), c = mk(b, m * n); return () => b.matmul(a, bb, c, 1, m, k, n, false, false, m * k, k * n); } });
for (const [h, w, cin, cout] of [[96, 80, 16, 16], [96, 80, 2, 16], [48, 40, 32, 32]]) {
  const g = { n: 1, d: 1, h, w, cin, kd: 1, kh: 3, kw: 3, cout, sd: 1, sh: 1, sw: 1, pd: 0, ph: 1, pw: 1, od: 1, oh: h, ow: w };
  const fl = 2 * h * w * cin * cout * 9;
  cases.push({ name: `fwd ${h}x${w} ${cin}->${cout}`, fl, setup(b) { const x = mk(b, h * w * cin), wt = mk(b, 9 * cin * cout), y = mk(b, h * w * cout); return () => b.conv3d(x, wt, null, y, g); } });
  cases.push({ name: `dX  ${h}x${w} ${cin}->${cout}`, fl, setup(b) { const dx = mk(b, h * w * cin), wt = mk(b, 9 * cin * cout), y = mk(b, h * w * cout); return () => b.conv3dBackwardInput(y, wt, dx, g); } });
  cases.push({ name: `dW  ${h}x${w} ${cin}->${cout}`, fl, setup(b) { const x = mk(b, h * w * cin), dw = mk(b, 9 * cin * cout), y = mk(b, h * w * cout); return () => b.conv3dBackwardWeight(x, y, dw, g); } });
}
for (const c of cases) {
  const fns = {}; const best = {};
  for (const core of cores) { fns[core] = c.setup(bs[core]); fns[core](); await bs[core].sync(); best[core] = Infinity; }
  for (let r = 0; r < 3; r++) for (const core of cores) {
    const t = process.cpuUsage(); fns[core](); await bs[core].sync(); const u = process.cpuUsage(t); best[core] = Math.min(best[core], (u.user + u.system) / 1000);
  }
  console.log(c.name.padEnd(22), cores.map((k) => `${k} ${best[k].toFixed(1)} ms (${(c.fl / best[k] / 1e6).toFixed(2)})`).join('   '));
}
process.exit(0);
