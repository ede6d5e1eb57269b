// A short self-test of a backend's kernels against another backend (the WebAssembly one, whose
// kernels the test suite checks against float64 references): `auto` runs it before it hands out
// WebGPU on a hardware adapter, since a driver can compile a shader and still compute wrong numbers.
// Small awkward shapes (odd sizes, channels not a multiple of 4), one launch per kernel family that
// the pipelines lean on (about 6 s on lavapipe on a busy 2-core machine, test/backend-auto.test.ts).
import type { Backend, ConvGeometry, DType, Storage } from './backend.js';

interface Case {
  name: string;
  /** Runs the kernel on `b` over inputs written by `input`, returns the output and its size. */
  run(b: Backend, input: (data: Float32Array | Int32Array) => Storage): { out: Storage; count: number; dtype: DType };
  tol: number;
}

/** Deterministic data in [-1, 1) (an LCG: the same numbers on both backends). */
function data(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return scale * (s / 2 ** 31 - 1);
  });
}

const conv: ConvGeometry = { n: 2, d: 3, h: 5, w: 6, cin: 3, kd: 3, kh: 3, kw: 3, cout: 5, sd: 1, sh: 1, sw: 1, pd: 1, ph: 1, pw: 1, od: 3, oh: 5, ow: 6 };
const convX = conv.n * conv.d * conv.h * conv.w * conv.cin, convW = 27 * conv.cin * conv.cout, convY = conv.n * conv.od * conv.oh * conv.ow * conv.cout;

const CASES: Case[] = [
  {
    name: 'matmul', tol: 1e-4,
    run: (b, input) => {
      const out = b.alloc(4 * 3 * 7 * 9);
      b.matmul(input(data(3 * 7 * 11, 1)), input(data(11 * 9, 2)), out, 3, 7, 11, 9, false, false, 7 * 11, 0);
      return { out, count: 3 * 7 * 9, dtype: 'f32' };
    },
  },
  {
    name: 'conv3d', tol: 1e-4,
    run: (b, input) => {
      const out = b.alloc(4 * convY);
      b.conv3d(input(data(convX, 3)), input(data(convW, 4)), input(data(conv.cout, 5)), out, conv);
      return { out, count: convY, dtype: 'f32' };
    },
  },
  {
    name: 'conv3dBackwardInput', tol: 1e-4,
    run: (b, input) => {
      const out = b.alloc(4 * convX);
      b.conv3dBackwardInput(input(data(convY, 6)), input(data(convW, 4)), out, conv);
      return { out, count: convX, dtype: 'f32' };
    },
  },
  {
    name: 'conv3dBackwardWeight', tol: 1e-3,
    run: (b, input) => {
      const out = b.alloc(4 * convW);
      b.conv3dBackwardWeight(input(data(convX, 3)), input(data(convY, 6)), out, conv);
      return { out, count: convW, dtype: 'f32' };
    },
  },
  {
    name: 'warp', tol: 1e-4,
    run: (b, input) => {
      const n = 1, d = 4, h = 5, w = 6, c = 3, vox = n * d * h * w;
      const out = b.alloc(4 * vox * c);
      b.warp(input(data(vox * c, 7)), input(data(vox * 3, 8, 2.5)), out, n, d, h, w, c);
      return { out, count: vox * c, dtype: 'f32' };
    },
  },
  {
    name: 'warpBackward (field)', tol: 1e-3,
    run: (b, input) => {
      const n = 1, d = 4, h = 5, w = 6, c = 3, vox = n * d * h * w;
      const dx = input(new Float32Array(vox * c)), dflow = b.alloc(4 * vox * 3);
      b.warpBackward(input(data(vox * c, 7)), input(data(vox * 3, 8, 2.5)), input(data(vox * c, 9)), dx, dflow, n, d, h, w, c);
      return { out: dflow, count: vox * 3, dtype: 'f32' };
    },
  },
  {
    name: 'boxSum', tol: 1e-4,
    run: (b, input) => {
      const out = b.alloc(4 * 5 * 6 * 7 * 2);
      b.boxSum(input(data(5 * 6 * 7 * 2, 10)), out, 1, 5, 6, 7, 2, 1, 2, 2);
      return { out, count: 5 * 6 * 7 * 2, dtype: 'f32' };
    },
  },
  {
    name: 'softmaxCrossEntropy', tol: 1e-5,
    run: (b, input) => {
      const loss = b.alloc(4 * 13), probs = b.alloc(4 * 13 * 10);
      b.softmaxCrossEntropy(input(data(130, 11, 4)), input(Int32Array.from({ length: 13 }, (_, i) => (i * 7) % 10)), loss, probs, 13, 10);
      return { out: loss, count: 13, dtype: 'f32' };
    },
  },
  {
    name: 'reduce sum', tol: 1e-4,
    run: (b, input) => {
      const out = b.alloc(4 * 3 * 5);
      b.reduce('sum', input(data(3 * 1000 * 5, 12)), out, 3, 1000, 5);
      return { out, count: 15, dtype: 'f32' };
    },
  },
  {
    name: 'unary sigmoid', tol: 1e-6,
    run: (b, input) => {
      const out = b.alloc(4 * 1001);
      b.unary('sigmoid', input(data(1001, 13, 8)), out, 1001, 0, 0);
      return { out, count: 1001, dtype: 'f32' };
    },
  },
];

/**
 * Runs every case on `candidate` and on `reference`; returns null when they agree (|a - r| <= tol
 * (1 + |r|) everywhere), else a line naming the first kernel that does not.
 */
export async function selfTest(candidate: Backend, reference: Backend): Promise<string | null> {
  for (const c of CASES) {
    const results: (Float32Array | Int32Array)[] = [];
    for (const b of [candidate, reference]) {
      const owned: Storage[] = [];
      const input = (d: Float32Array | Int32Array) => {
        const s = b.alloc(Math.max(4, 4 * d.length));
        b.write(s, d);
        owned.push(s);
        return s;
      };
      let out: Storage | null = null;
      try {
        const r = c.run(b, input);
        out = r.out;
        results.push(await b.read(r.out, r.dtype, r.count));
      } catch (e) {
        if (b === candidate) return `${c.name} failed: ${(e as Error).message}`;
        throw e;
      } finally {
        for (const s of owned) b.free(s);
        if (out) b.free(out);
      }
    }
    const [a, r] = results as [Float32Array, Float32Array];
    for (let i = 0; i < r.length; i++) {
      if (!(Math.abs(a[i]! - r[i]!) <= c.tol * (1 + Math.abs(r[i]!)))) {
        return `${c.name} gave ${a[i]} at index ${i} where the WebAssembly kernel gives ${r[i]}`;
      }
    }
  }
  return null;
}
