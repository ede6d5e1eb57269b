// Float64 (and BigInt) references of the kernels that had none in this folder: the PCG32 draws,
// gather, one-hot, argmax, select, casts, softmax, label counts, the optimizer update rules.
// Obvious loops, independent of src/.

// ---- PCG32 (O'Neill, XSH-RR 64/32) with BigInt: the one generator of the kernels ---------------
const M64 = (1n << 64n) - 1n;
const MULT = 6364136223846793005n;

/** The u32 draws of stream (seed, stream) from its start. */
export function pcg32Ref(seed: number, stream: number, count: number): number[] {
  const inc = ((BigInt(stream >>> 0) << 1n) | 1n) & M64;
  let state = 0n;
  const next = (): number => {
    const old = state;
    state = (old * MULT + inc) & M64;
    const xorshifted = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rot = Number(old >> 59n);
    return ((xorshifted >>> rot) | (xorshifted << ((32 - rot) & 31))) >>> 0;
  };
  next();
  state = (state + BigInt(seed >>> 0)) & M64;
  next();
  return Array.from({ length: count }, next);
}

/** Uniform in [0, 1) from the top 24 bits of each draw (as the kernels do). */
const unit = (u: number) => (u >>> 8) / 16777216;

export function randomUniformRef(n: number, seed: number, stream: number, lo: number, hi: number): Float64Array {
  return Float64Array.from(pcg32Ref(seed, stream, n), (u) => Math.fround(lo + Math.fround(hi - lo) * Math.fround(unit(u))));
}

/** Box-Muller on consecutive pairs of draws (cos for even elements, sin for odd). */
export function randomNormalRef(n: number, seed: number, stream: number, mean: number, std: number): Float64Array {
  const u = pcg32Ref(seed, stream, n + (n % 2));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - unit(u[i]!))), t = 2 * Math.PI * unit(u[i + 1]!);
    out[i] = mean + std * r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(t);
  }
  return out;
}

/** Inverted dropout mask: 1 / keep where the uniform draw is below keep, else 0. */
export function dropoutMaskRef(n: number, keep: number, seed: number, stream: number): Float64Array {
  return Float64Array.from(pcg32Ref(seed, stream, n), (u) => (Math.fround(unit(u)) < Math.fround(keep) ? 1 / Math.fround(keep) : 0));
}

// ---- data movement, selection, integer outputs ------------------------------------------------
export const fillRef = (n: number, value: number): Float64Array => new Float64Array(n).fill(value);
/** A copy and an i32 -> f32 cast: the same numbers (integers up to 2^24 are exact in f32). */
export const copyRef = (x: ArrayLike<number>): Float64Array => Float64Array.from(x);
export const castI32ToF32Ref = (x: ArrayLike<number>): Float64Array => Float64Array.from(x, (v) => Math.fround(v));

/** x viewed as [outer, axisLen, inner]: out[o, i, :] = x[o, idx[i], :]. */
export function gatherRef(x: Float64Array, outer: number, axisLen: number, inner: number, idx: ArrayLike<number>): Float64Array {
  const out = new Float64Array(outer * idx.length * inner);
  for (let o = 0; o < outer; o++) for (let i = 0; i < idx.length; i++) for (let k = 0; k < inner; k++) {
    out[(o * idx.length + i) * inner + k] = x[(o * axisLen + idx[i]!) * inner + k]!;
  }
  return out;
}

export function oneHotRef(labels: ArrayLike<number>, depth: number, on: number, off: number): Float64Array {
  const out = new Float64Array(labels.length * depth).fill(off);
  for (let i = 0; i < labels.length; i++) if (labels[i]! >= 0 && labels[i]! < depth) out[i * depth + labels[i]!] = on;
  return out;
}

/** Index of the first maximum of each row. */
export function argmaxRef(x: ArrayLike<number>, rows: number, cols: number): Int32Array {
  return Int32Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let j = 1; j < cols; j++) if (x[r * cols + j]! > x[r * cols + best]!) best = j;
    return best;
  });
}

export function selectRef(cond: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: cond.length }, (_, i) => (cond[i] ? a[i]! : b[i]!));
}

/** f32 -> i32 rounding half up (JavaScript's Math.round): floor(v) + 1 when the fraction is >= 0.5. */
export function castF32ToI32Ref(x: ArrayLike<number>): Int32Array {
  return Int32Array.from({ length: x.length }, (_, i) => {
    const v = x[i]!, f = Math.floor(v);
    return v - f >= 0.5 ? f + 1 : f;
  });
}

/** Row-wise softmax: exp(x - max) / sum. */
export function softmaxRef(x: ArrayLike<number>, classes: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / classes; r++) {
    let m = -Infinity;
    for (let j = 0; j < classes; j++) m = Math.max(m, x[r * classes + j]!);
    let s = 0;
    for (let j = 0; j < classes; j++) s += Math.exp(x[r * classes + j]! - m);
    for (let j = 0; j < classes; j++) out[r * classes + j] = Math.exp(x[r * classes + j]! - m) / s;
  }
  return out;
}

/** counts [numLabels, 3]: (|pred == l and truth == l|, |pred == l|, |truth == l|). */
export function labelCountsRef(pred: ArrayLike<number>, truth: ArrayLike<number>, numLabels: number): Int32Array {
  const c = new Int32Array(numLabels * 3);
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i]!, t = truth[i]!;
    if (p === t && p >= 0 && p < numLabels) c[3 * p]!++;
    if (p >= 0 && p < numLabels) c[3 * p + 1]!++;
    if (t >= 0 && t < numLabels) c[3 * t + 2]!++;
  }
  return c;
}

/** Sum over lists of <a[i], b[i]>. */
export function dotRef(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): number {
  let s = 0;
  a.forEach((x, k) => { for (let i = 0; i < x.length; i++) s += x[i]! * b[k]![i]!; });
  return s;
}

// ---- optimizer update rules (PyTorch's), applied for a sequence of gradients -------------------
export function sgdRef(p0: ArrayLike<number>, grads: readonly ArrayLike<number>[], o: { lr: number; momentum: number; weightDecay: number; nesterov: boolean }): Float64Array {
  const p = Float64Array.from(p0), v = new Float64Array(p.length);
  for (const g of grads) for (let i = 0; i < p.length; i++) {
    const gi = g[i]! + o.weightDecay * p[i]!;
    v[i] = o.momentum * v[i]! + gi;
    p[i] = p[i]! - o.lr * (o.nesterov ? gi + o.momentum * v[i]! : v[i]!);
  }
  return p;
}

export function adamRef(p0: ArrayLike<number>, grads: readonly ArrayLike<number>[], o: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; decoupled: boolean }): Float64Array {
  const p = Float64Array.from(p0), m = new Float64Array(p.length), v = new Float64Array(p.length);
  grads.forEach((g, s) => {
    const step = s + 1;
    for (let i = 0; i < p.length; i++) {
      if (o.decoupled) p[i] = p[i]! * (1 - o.lr * o.weightDecay);
      const gi = g[i]! + (o.decoupled ? 0 : o.weightDecay * p[i]!);
      m[i] = o.beta1 * m[i]! + (1 - o.beta1) * gi;
      v[i] = o.beta2 * v[i]! + (1 - o.beta2) * gi * gi;
      const mh = m[i]! / (1 - o.beta1 ** step), vh = v[i]! / (1 - o.beta2 ** step);
      p[i] = p[i]! - (o.lr * mh) / (Math.sqrt(vh) + o.eps);
    }
  });
  return p;
}

export function adagradRef(p0: ArrayLike<number>, grads: readonly ArrayLike<number>[], o: { lr: number; eps: number; weightDecay: number }): Float64Array {
  const p = Float64Array.from(p0), acc = new Float64Array(p.length);
  for (const g of grads) for (let i = 0; i < p.length; i++) {
    const gi = g[i]! + o.weightDecay * p[i]!;
    acc[i] = acc[i]! + gi * gi;
    p[i] = p[i]! - (o.lr * gi) / (Math.sqrt(acc[i]!) + o.eps);
  }
  return p;
}
