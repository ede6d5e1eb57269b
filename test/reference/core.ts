// Plain-TypeScript float64 references for the core ops: obvious loops, no imports from src/.

export const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
export function strides(s: readonly number[]): number[] {
  const out = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) { out[i] = acc; acc *= s[i]!; }
  return out;
}
function unravel(i: number, s: readonly number[]): number[] {
  const idx = new Array<number>(s.length);
  for (let k = s.length - 1; k >= 0; k--) { idx[k] = i % s[k]!; i = Math.floor(i / s[k]!); }
  return idx;
}

export const unaryRef: Record<string, (v: number, p0: number, p1: number) => number> = {
  neg: (v) => -v,
  abs: (v) => Math.abs(v),
  exp: (v) => Math.exp(v),
  log: (v) => Math.log(v),
  sqrt: (v) => Math.sqrt(v),
  square: (v) => v * v,
  relu: (v) => Math.max(v, 0),
  leakyRelu: (v, a) => (v > 0 ? v : a * v),
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  tanh: (v) => Math.tanh(v),
  softplus: (v) => Math.log1p(Math.exp(v)),
  reciprocal: (v) => 1 / v,
  pow: (v, p) => v ** p,
  affine: (v, a, b) => v * a + b,
  clamp: (v, lo, hi) => Math.min(Math.max(v, lo), hi),
  step: (v) => (v > 0 ? 1 : 0),
  sign: (v) => Math.sign(v),
};

export const binaryRef: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: (a, b) => Math.max(a, b),
  minimum: (a, b) => Math.min(a, b),
  pow: (a, b) => a ** b,
  greater: (a, b) => (a > b ? 1 : 0),
  equal: (a, b) => (a === b ? 1 : 0),
};

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  return Array.from({ length: r }, (_, i) => Math.max(a[a.length - r + i] ?? 1, b[b.length - r + i] ?? 1));
}

export function binaryBroadcastRef(f: (a: number, b: number) => number, a: Float64Array, as: readonly number[], b: Float64Array, bs: readonly number[]): { y: Float64Array; shape: number[] } {
  const shape = broadcastShape(as, bs);
  const y = new Float64Array(size(shape));
  const sa = strides(as), sb = strides(bs);
  for (let i = 0; i < y.length; i++) {
    const idx = unravel(i, shape);
    let ia = 0, ib = 0;
    idx.forEach((v, k) => {
      const ka = k - (shape.length - as.length), kb = k - (shape.length - bs.length);
      if (ka >= 0 && as[ka] !== 1) ia += v * sa[ka]!;
      if (kb >= 0 && bs[kb] !== 1) ib += v * sb[kb]!;
    });
    y[i] = f(a[ia]!, b[ib]!);
  }
  return { y, shape };
}

/** Reduces over `axes` (keepDims shape returned). */
export function reduceRef(op: 'sum' | 'max' | 'min' | 'mean', x: Float64Array, s: readonly number[], axes: readonly number[]): { y: Float64Array; shape: number[] } {
  const shape = s.map((v, i) => (axes.includes(i) ? 1 : v));
  const init = op === 'max' ? -Infinity : op === 'min' ? Infinity : 0;
  const y = new Float64Array(size(shape)).fill(init);
  const so = strides(shape);
  for (let i = 0; i < x.length; i++) {
    const idx = unravel(i, s);
    let o = 0;
    idx.forEach((v, k) => { if (!axes.includes(k)) o += v * so[k]!; });
    if (op === 'max') y[o] = Math.max(y[o]!, x[i]!);
    else if (op === 'min') y[o] = Math.min(y[o]!, x[i]!);
    else y[o] = y[o]! + x[i]!;
  }
  if (op === 'mean') {
    const count = axes.reduce((a, k) => a * s[k]!, 1);
    for (let i = 0; i < y.length; i++) y[i] = y[i]! / count;
  }
  return { y, shape };
}

export function transposeRef(x: Float64Array, s: readonly number[], perm: readonly number[]): Float64Array {
  const outShape = perm.map((p) => s[p]!);
  const y = new Float64Array(x.length);
  const sx = strides(s);
  for (let i = 0; i < y.length; i++) {
    const idx = unravel(i, outShape);
    let o = 0;
    idx.forEach((v, k) => { o += v * sx[perm[k]!]!; });
    y[i] = x[o]!;
  }
  return y;
}

export function sliceRef(x: Float64Array, s: readonly number[], begin: readonly number[], sz: readonly number[]): Float64Array {
  const y = new Float64Array(size(sz));
  const sx = strides(s);
  for (let i = 0; i < y.length; i++) {
    const idx = unravel(i, sz);
    let o = 0;
    idx.forEach((v, k) => { o += (v + begin[k]!) * sx[k]!; });
    y[i] = x[o]!;
  }
  return y;
}

export function concatRef(xs: { data: Float64Array; shape: readonly number[] }[], axis: number): { y: Float64Array; shape: number[] } {
  const shape = [...xs[0]!.shape];
  shape[axis] = xs.reduce((a, x) => a + x.shape[axis]!, 0);
  const y = new Float64Array(size(shape));
  for (let i = 0; i < y.length; i++) {
    const idx = unravel(i, shape);
    let a = idx[axis]!;
    for (const x of xs) {
      if (a < x.shape[axis]!) {
        const j = [...idx]; j[axis] = a;
        const sx = strides(x.shape);
        y[i] = x.data[j.reduce((acc, v, k) => acc + v * sx[k]!, 0)]!;
        break;
      }
      a -= x.shape[axis]!;
    }
  }
  return { y, shape };
}

export function matmulRef(a: Float64Array, b: Float64Array, m: number, k: number, n: number, ta = false, tb = false): Float64Array {
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += (ta ? a[p * m + i]! : a[i * k + p]!) * (tb ? b[j * k + p]! : b[p * n + j]!);
    y[i * n + j] = s;
  }
  return y;
}

export function softmaxCrossEntropyRef(logits: Float64Array, labels: ArrayLike<number>, classes: number): number {
  const rows = logits.length / classes;
  let total = 0;
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < classes; c++) m = Math.max(m, logits[r * classes + c]!);
    let s = 0;
    for (let c = 0; c < classes; c++) s += Math.exp(logits[r * classes + c]! - m);
    total += Math.log(s) + m - logits[r * classes + labels[r]!]!;
  }
  return total / rows;
}

/** VoxelMorph's NCC computed with direct window sums (O(w^3) per voxel): -mean(cc). */
export function nccRef(I: Float64Array, J: Float64Array, s: readonly number[], win: number): number {
  const [n, d, h, w, c] = s as [number, number, number, number, number];
  const r = (win - 1) / 2;
  const rd = d > 1 ? r : 0, rh = h > 1 ? r : 0, rw = w > 1 ? r : 0;
  const ws = (2 * rd + 1) * (2 * rh + 1) * (2 * rw + 1);
  let total = 0;
  const at = (b: number, z: number, y: number, x: number, ch: number) => (((b * d + z) * h + y) * w + x) * c + ch;
  for (let b = 0; b < n; b++) for (let z = 0; z < d; z++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
    let Is = 0, Js = 0, I2 = 0, J2 = 0, IJ = 0;
    for (let dz = -rd; dz <= rd; dz++) for (let dy = -rh; dy <= rh; dy++) for (let dx = -rw; dx <= rw; dx++) {
      const zz = z + dz, yy = y + dy, xx = x + dx;
      if (zz < 0 || zz >= d || yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
      const i = I[at(b, zz, yy, xx, ch)]!, j = J[at(b, zz, yy, xx, ch)]!;
      Is += i; Js += j; I2 += i * i; J2 += j * j; IJ += i * j;
    }
    const uI = Is / ws, uJ = Js / ws;
    const cross = IJ - uJ * Is - uI * Js + uI * uJ * ws;
    const vI = I2 - 2 * uI * Is + uI * uI * ws;
    const vJ = J2 - 2 * uJ * Js + uJ * uJ * ws;
    total += (cross * cross) / (vI * vJ + 1e-5);
  }
  return -total / I.length;
}

/** Mean forward-difference penalty per spatial axis (size > 1), averaged over axes; optional weight [N,D,H,W,1]. */
export function smoothnessRef(u: Float64Array, s: readonly number[], penalty: 'l1' | 'l2', weight?: Float64Array): number {
  const [n, d, h, w, c] = s as [number, number, number, number, number];
  const dims = [d, h, w];
  const at = (b: number, z: number, y: number, x: number, ch: number) => (((b * d + z) * h + y) * w + x) * c + ch;
  let total = 0, axes = 0;
  for (let a = 0; a < 3; a++) {
    if (dims[a]! <= 1) continue;
    axes++;
    let sum = 0, count = 0;
    for (let b = 0; b < n; b++) for (let z = 0; z < d - (a === 0 ? 1 : 0); z++) for (let y = 0; y < h - (a === 1 ? 1 : 0); y++)
      for (let x = 0; x < w - (a === 2 ? 1 : 0); x++) for (let ch = 0; ch < c; ch++) {
        const diff = u[at(b, z + (a === 0 ? 1 : 0), y + (a === 1 ? 1 : 0), x + (a === 2 ? 1 : 0), ch)]! - u[at(b, z, y, x, ch)]!;
        const wgt = weight ? weight[((b * d + z) * h + y) * w + x]! : 1;
        sum += wgt * (penalty === 'l1' ? Math.abs(diff) : diff * diff);
        count++;
      }
    total += sum / count;
  }
  return total / axes;
}

export function softDiceRef(p: Float64Array, t: Float64Array, classes: number, eps = 1e-5): number {
  let acc = 0;
  for (let c = 0; c < classes; c++) {
    let inter = 0, sp = 0, st = 0;
    for (let i = c; i < p.length; i += classes) { inter += p[i]! * t[i]!; sp += p[i]!; st += t[i]!; }
    acc += (2 * inter) / (sp + st + eps);
  }
  return 1 - acc / classes;
}

export function diceRef(pred: ArrayLike<number>, truth: ArrayLike<number>, label: number): number {
  let inter = 0, a = 0, b = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] === label, q = truth[i] === label;
    if (p) a++;
    if (q) b++;
    if (p && q) inter++;
  }
  return a + b === 0 ? NaN : (2 * inter) / (a + b);
}
