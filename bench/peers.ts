// The peer engines of `npm run bench`: tfjs (cpu, wasm), onnxruntime-node (native), a plain JS loop.
// Each takes the same numbers as ours, in its own native layout where that differs (ONNX is
// channels-first); layout conversion happens once, outside the timed call.
import { oneNodeModel } from './onnx.js';

export type Timed = () => unknown;

// ---- tfjs ------------------------------------------------------------------------------------

// The umbrella package registers the cpu backend and the gradients; tfjs-backend-wasm is separate.
type Tf = typeof import('@tensorflow/tfjs');

export interface TfPeer {
  name: 'tfjs-cpu' | 'tfjs-wasm';
  tf: Tf;
}

export async function loadTfjs(): Promise<{ tf: Tf | null; wasmMissing: string | null }> {
  let tf: Tf | null = null;
  try {
    tf = await import('@tensorflow/tfjs');
  } catch (e) {
    return { tf: null, wasmMissing: `@tensorflow/tfjs not loadable: ${(e as Error).message}` };
  }
  let wasmMissing: string | null = null;
  try {
    await import(/* @vite-ignore */ '@tensorflow/tfjs-backend-wasm' as string);
  } catch {
    wasmMissing = '@tensorflow/tfjs-backend-wasm is not installed (npm i -D @tensorflow/tfjs-backend-wasm)';
  }
  return { tf, wasmMissing };
}

export async function useTfBackend(tf: Tf, name: 'cpu' | 'wasm'): Promise<boolean> {
  try {
    return (await tf.setBackend(name)) && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** tfjs conv3d forward / input gradient / weight gradient on channels-last data (tfjs's own layout). */
export function tfConv(tf: Tf, kind: 'fwd' | 'bwd-input' | 'bwd-weight', x: Float32Array, xShape: number[],
  w: Float32Array, wShape: number[], dy: Float32Array, yShape: number[]): { run: Timed; dispose(): void } {
  const xt = tf.tensor5d(x, xShape as [number, number, number, number, number]);
  const wt = tf.tensor5d(w, wShape as [number, number, number, number, number]);
  const dyt = tf.tensor5d(dy, yShape as [number, number, number, number, number]);
  const run = (): Float32Array => {
    let out;
    if (kind === 'fwd') out = tf.conv3d(xt, wt, 1, 'same');
    else if (kind === 'bwd-input') {
      out = tf.engine().runKernel('Conv3DBackpropInputV2', { dy: dyt, filter: wt }, { strides: 1, pad: 'same', inputShape: xShape }) as import('@tensorflow/tfjs').Tensor;
    } else {
      out = tf.engine().runKernel('Conv3DBackpropFilterV2', { x: xt, dy: dyt }, { strides: 1, pad: 'same', filterShape: wShape }) as import('@tensorflow/tfjs').Tensor;
    }
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return data;
  };
  return { run, dispose: () => { xt.dispose(); wt.dispose(); dyt.dispose(); } };
}

export function tfMatmul(tf: Tf, a: Float32Array, b: Float32Array, n: number): { run: Timed; dispose(): void } {
  const at = tf.tensor2d(a, [n, n]);
  const bt = tf.tensor2d(b, [n, n]);
  const run = (): Float32Array => {
    const out = tf.matMul(at, bt);
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return data;
  };
  return { run, dispose: () => { at.dispose(); bt.dispose(); } };
}

// ---- onnxruntime-node ---------------------------------------------------------------------------

type Ort = typeof import('onnxruntime-node');

export async function loadOrt(): Promise<Ort | null> {
  try {
    return await import('onnxruntime-node');
  } catch {
    return null;
  }
}

export interface OrtCase {
  run: () => Promise<Float32Array>;
  dispose(): Promise<void>;
}

async function ortSession(ort: Ort, model: Uint8Array, threads: number, feeds: Record<string, { data: Float32Array; shape: number[] }>): Promise<OrtCase> {
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential',
  });
  const inputs: Record<string, import('onnxruntime-node').Tensor> = {};
  for (const [name, f] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', f.data, f.shape);
  return {
    run: async () => {
      const out = await session.run(inputs);
      return out['y']!.data as Float32Array;
    },
    dispose: () => session.release(),
  };
}

/** NDHWC -> NCDHW (ONNX's layout), once, outside timing. */
export function toChannelsFirst(x: Float32Array, n: number, d: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  const sp = d * h * w;
  for (let b = 0; b < n; b++) {
    for (let v = 0; v < sp; v++) {
      for (let ch = 0; ch < c; ch++) out[(b * c + ch) * sp + v] = x[(b * sp + v) * c + ch]!;
    }
  }
  return out;
}

/** [kd, kh, kw, cin, cout] -> [cout, cin, kd, kh, kw]. */
export function weightsToOnnx(w: Float32Array, k: number, cin: number, cout: number): Float32Array {
  const out = new Float32Array(w.length);
  const taps = k * k * k;
  for (let t = 0; t < taps; t++) {
    for (let ci = 0; ci < cin; ci++) {
      for (let co = 0; co < cout; co++) out[(co * cin + ci) * taps + t] = w[(t * cin + ci) * cout + co]!;
    }
  }
  return out;
}

export function ortConv(ort: Ort, threads: number, xCF: Float32Array, xShapeCF: number[], wOnnx: Float32Array, k: number, cout: number): Promise<OrtCase> {
  const [n, cin, d, h, w] = xShapeCF as [number, number, number, number, number];
  const p = (k - 1) / 2;
  const model = oneNodeModel('Conv', { x: xShapeCF, w: [cout, cin, k, k, k] }, [n, cout, d, h, w], [
    { name: 'kernel_shape', ints: [k, k, k] }, { name: 'pads', ints: [p, p, p, p, p, p] }, { name: 'strides', ints: [1, 1, 1] },
  ]);
  return ortSession(ort, model, threads, { x: { data: xCF, shape: xShapeCF }, w: { data: wOnnx, shape: [cout, cin, k, k, k] } });
}

export function ortMatmul(ort: Ort, threads: number, a: Float32Array, b: Float32Array, n: number): Promise<OrtCase> {
  const model = oneNodeModel('MatMul', { a: [n, n], b: [n, n] }, [n, n]);
  return ortSession(ort, model, threads, { a: { data: a, shape: [n, n] }, b: { data: b, shape: [n, n] } });
}

/**
 * Our warp through GridSample (opset 20, 5-D, linear, zeros padding, align_corners = 1): the
 * displacement field in voxels becomes a normalized sampling grid [N, D, H, W, 3] in (x, y, z) order.
 */
export function ortWarp(ort: Ort, threads: number, xCF: Float32Array, flow: Float32Array, d: number, h: number, w: number, c: number): Promise<OrtCase> {
  const grid = new Float32Array(d * h * w * 3);
  const sx = 2 / (w - 1), sy = 2 / (h - 1), sz = 2 / (d - 1);
  let i = 0;
  for (let z = 0; z < d; z++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++) {
        grid[3 * i] = (x + flow[3 * i + 2]!) * sx - 1;
        grid[3 * i + 1] = (y + flow[3 * i + 1]!) * sy - 1;
        grid[3 * i + 2] = (z + flow[3 * i]!) * sz - 1;
      }
    }
  }
  const model = oneNodeModel('GridSample', { x: [1, c, d, h, w], grid: [1, d, h, w, 3] }, [1, c, d, h, w], [
    { name: 'mode', s: 'linear' }, { name: 'padding_mode', s: 'zeros' }, { name: 'align_corners', i: 1 },
  ]);
  return ortSession(ort, model, threads, { x: { data: xCF, shape: [1, c, d, h, w] }, grid: { data: grid, shape: [1, d, h, w, 3] } });
}

// ---- plain JS loop ----------------------------------------------------------------------------

/** Trilinear warp with zero padding per corner, channels-last: the obvious loop, no tricks. */
export function jsWarp(x: Float32Array, flow: Float32Array, y: Float32Array, d: number, h: number, w: number, c: number): void {
  let v = 0;
  for (let z = 0; z < d; z++) {
    for (let yy = 0; yy < h; yy++) {
      for (let xx = 0; xx < w; xx++, v++) {
        const pz = z + flow[3 * v]!, py = yy + flow[3 * v + 1]!, px = xx + flow[3 * v + 2]!;
        const z0 = Math.floor(pz), y0 = Math.floor(py), x0 = Math.floor(px);
        const tz = pz - z0, ty = py - y0, tx = px - x0;
        for (let ch = 0; ch < c; ch++) {
          let acc = 0;
          for (let k = 0; k < 8; k++) {
            const zi = z0 + (k >> 2), yi = y0 + ((k >> 1) & 1), xi = x0 + (k & 1);
            if (zi < 0 || zi >= d || yi < 0 || yi >= h || xi < 0 || xi >= w) continue;
            const wt = ((k >> 2) ? tz : 1 - tz) * (((k >> 1) & 1) ? ty : 1 - ty) * ((k & 1) ? tx : 1 - tx);
            acc += wt * x[((zi * h + yi) * w + xi) * c + ch]!;
          }
          y[v * c + ch] = acc;
        }
      }
    }
  }
}

// ---- tfjs on WebGPU ----------------------------------------------------------------------------

/**
 * Registers tfjs-backend-webgpu on the runtime's WebGPU (in Node: the `webgpu` package's Dawn object,
 * the same one our backend uses, installed as navigator.gpu) and makes it the active tfjs backend.
 * Returns the adapter description tfjs got, or null when the package or an adapter is missing.
 */
export async function useTfWebgpu(tf: Tf, gpu: GPU): Promise<string | null> {
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  try {
    await import(/* @vite-ignore */ '@tensorflow/tfjs-backend-webgpu' as string);
  } catch {
    return null;
  }
  try {
    if (!(await tf.setBackend('webgpu')) || tf.getBackend() !== 'webgpu') return null;
  } catch {
    return null;
  }
  const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
  return `${info?.vendor ?? ''} ${info?.architecture ?? ''}`.trim() || 'webgpu';
}

/** Waits until tfjs-webgpu has run everything queued (its commands are flushed first): the time to completion, no readback. */
export async function tfWebgpuDone(tf: Tf): Promise<void> {
  const be = tf.backend() as unknown as { submitQueue?: () => void; endComputePassEncoder?: () => void; commandEncoder?: unknown; device?: GPUDevice };
  if (be.commandEncoder) {
    be.endComputePassEncoder?.();
    be.submitQueue?.();
  }
  await be.device?.queue.onSubmittedWorkDone();
}

/** tfjs 2D convolution, channels-last, 'same' padding, stride 1. */
export function tfConv2d(tf: Tf, x: Float32Array, xShape: [number, number, number, number], w: Float32Array, wShape: [number, number, number, number]): { op: () => import('@tensorflow/tfjs').Tensor; dispose(): void } {
  const xt = tf.tensor4d(x, xShape), wt = tf.tensor4d(w, wShape);
  return { op: () => tf.conv2d(xt, wt, 1, 'same'), dispose: () => { xt.dispose(); wt.dispose(); } };
}
