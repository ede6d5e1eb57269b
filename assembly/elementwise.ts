// Elementwise kernels: fills, copies, casts, unary maps and their derivatives, broadcasting binaries.

// Op codes: generated from src/backend/op-table.ts (scripts/gen-opcodes.mjs), short names here.
import {
  UNARY_NEG as NEG, UNARY_ABS as ABS, UNARY_EXP as EXP, UNARY_LOG as LOG, UNARY_SQRT as SQRT, UNARY_SQUARE as SQUARE,
  UNARY_RELU as RELU, UNARY_LEAKY_RELU as LEAKY, UNARY_SIGMOID as SIGMOID, UNARY_TANH as TANH, UNARY_CLAMP as CLAMP,
  UNARY_AFFINE as AFFINE, UNARY_POW as POW, UNARY_SIGN as SIGN, UNARY_RECIPROCAL as RECIP, UNARY_SOFTPLUS as SOFTPLUS,
  UNARY_STEP as STEP,
  BINARY_ADD as ADD, BINARY_SUB as SUB, BINARY_MUL as MUL, BINARY_DIV as DIV, BINARY_MAX as MAX, BINARY_MIN as MIN,
  BINARY_POW as BPOW, BINARY_GREATER as GREATER, BINARY_EQUAL as EQUAL,
} from './opcodes';

export function fill32(out: usize, n: i32, bits: i32): void {
  const v = i32x4.splat(bits);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), v);
  for (; i < n; i++) store<i32>(out + (<usize>i << 2), bits);
}

export function copyBytes(src: usize, dst: usize, bytes: i32): void {
  memory.copy(dst, src, <usize>bytes);
}

export function castI32ToF32(x: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>load<i32>(x + (<usize>i << 2)));
}

/** Rounds to nearest (labels stored as floats come back exact). */
export function castF32ToI32(x: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<i32>(out + (<usize>i << 2), <i32>Mathf.round(load<f32>(x + (<usize>i << 2))));
}

@inline function sigmoidf(v: f32): f32 {
  if (v >= 0) { const e = Mathf.exp(-v); return 1 / (1 + e); }
  const e = Mathf.exp(v);
  return e / (1 + e);
}

@inline function softplusf(v: f32): f32 {
  // log(1 + e^v) without overflow: max(v, 0) + log1p(e^-|v|)
  return (v > 0 ? v : <f32>0) + <f32>Math.log1p(Math.exp(-Math.abs(<f64>v)));
}

@inline function unaryScalar(op: i32, v: f32, p0: f32, p1: f32): f32 {
  switch (op) {
    case NEG: return -v;
    case ABS: return Mathf.abs(v);
    case EXP: return Mathf.exp(v);
    case LOG: return Mathf.log(v);
    case SQRT: return Mathf.sqrt(v);
    case SQUARE: return v * v;
    case RELU: return v > 0 ? v : 0;
    case LEAKY: return v > 0 ? v : v * p0;
    case SIGMOID: return sigmoidf(v);
    case TANH: return <f32>Math.tanh(<f64>v);
    case CLAMP: return Mathf.min(Mathf.max(v, p0), p1);
    case AFFINE: return v * p0 + p1;
    case POW: return Mathf.pow(v, p0);
    case SIGN: return v > 0 ? 1 : (v < 0 ? -1 : 0);
    case RECIP: return 1 / v;
    case SOFTPLUS: return softplusf(v);
    case STEP: return v > 0 ? 1 : 0;
  }
  return v;
}

export function unary(op: i32, x: usize, out: usize, n: i32, p0: f32, p1: f32): void {
  let i = 0;
  // SIMD paths for the ops that have one; the rest (transcendentals) run scalar.
  if (op == NEG || op == ABS || op == SQRT || op == SQUARE || op == RELU || op == LEAKY || op == CLAMP || op == AFFINE) {
    const zero = f32x4.splat(0), a = f32x4.splat(p0), b = f32x4.splat(p1);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const v = v128.load(x + off);
      let r: v128;
      if (op == NEG) r = f32x4.neg(v);
      else if (op == ABS) r = f32x4.abs(v);
      else if (op == SQRT) r = f32x4.sqrt(v);
      else if (op == SQUARE) r = f32x4.mul(v, v);
      else if (op == RELU) r = f32x4.max(v, zero);
      else if (op == LEAKY) r = v128.bitselect(v, f32x4.mul(v, a), f32x4.gt(v, zero));
      else if (op == CLAMP) r = f32x4.min(f32x4.max(v, a), b);
      else r = f32x4.add(f32x4.mul(v, a), b);
      v128.store(out + off, r);
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(out + off, unaryScalar(op, load<f32>(x + off), p0, p1));
  }
}

@inline function derivative(op: i32, v: f32, yv: f32, p0: f32, p1: f32): f32 {
  switch (op) {
    case NEG: return -1;
    case ABS: return v > 0 ? 1 : (v < 0 ? -1 : 0);
    case EXP: return yv;
    case LOG: return 1 / v;
    case SQRT: return 0.5 / yv;
    case SQUARE: return 2 * v;
    case RELU: return v > 0 ? 1 : 0;
    case LEAKY: return v > 0 ? 1 : p0;
    case SIGMOID: return yv * (1 - yv);
    case TANH: return 1 - yv * yv;
    case CLAMP: return v >= p0 && v <= p1 ? 1 : 0;
    case AFFINE: return p0;
    case POW: return p0 * Mathf.pow(v, p0 - 1);
    case RECIP: return -yv * yv;
    case SOFTPLUS: return sigmoidf(v);
  }
  return 0;
}

export function unaryGrad(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32, p0: f32, p1: f32): void {
  let i = 0;
  // SIMD paths compute exactly the scalar path's f32 operations (dy * derivative), four lanes at a time.
  if (op == NEG || op == SQUARE || op == RELU || op == LEAKY || op == CLAMP || op == AFFINE || op == EXP || op == SIGMOID || op == TANH) {
    const zero = f32x4.splat(0), one = f32x4.splat(1), two = f32x4.splat(2), a = f32x4.splat(p0), b = f32x4.splat(p1);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      const v = v128.load(x + off), yv = v128.load(y + off);
      let d: v128;
      if (op == NEG) d = f32x4.splat(-1);
      else if (op == SQUARE) d = f32x4.mul(two, v);
      else if (op == RELU) d = v128.bitselect(one, zero, f32x4.gt(v, zero));
      else if (op == LEAKY) d = v128.bitselect(one, a, f32x4.gt(v, zero));
      else if (op == CLAMP) d = v128.bitselect(one, zero, v128.and(f32x4.ge(v, a), f32x4.le(v, b)));
      else if (op == AFFINE) d = a;
      else if (op == EXP) d = yv;
      else if (op == SIGMOID) d = f32x4.mul(yv, f32x4.sub(one, yv));
      else d = f32x4.sub(one, f32x4.mul(yv, yv));
      v128.store(dx + off, f32x4.mul(v128.load(dy + off), d));
    }
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(dx + off, load<f32>(dy + off) * derivative(op, load<f32>(x + off), load<f32>(y + off), p0, p1));
  }
}

@inline function binaryScalar(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case ADD: return a + b;
    case SUB: return a - b;
    case MUL: return a * b;
    case DIV: return a / b;
    case MAX: return Mathf.max(a, b);
    case MIN: return Mathf.min(a, b);
    case BPOW: return Mathf.pow(a, b);
    case GREATER: return a > b ? 1 : 0;
    case EQUAL: return a == b ? 1 : 0;
  }
  return 0;
}

@inline function binaryVec(op: i32, a: v128, b: v128): v128 {
  if (op == ADD) return f32x4.add(a, b);
  if (op == SUB) return f32x4.sub(a, b);
  if (op == MUL) return f32x4.mul(a, b);
  if (op == DIV) return f32x4.div(a, b);
  if (op == MAX) return f32x4.max(a, b);
  return f32x4.min(a, b);
}

/** One innermost run: out[i] = a[i*sa] op b[i*sb], sa and sb in {0, 1}. */
@inline function binaryRun(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, len: i32): void {
  let i = 0;
  if (op <= MIN) {
    if (sa == 1 && sb == 1) {
      for (; i + 4 <= len; i += 4) {
        const off = <usize>i << 2;
        v128.store(out + off, binaryVec(op, v128.load(a + off), v128.load(b + off)));
      }
    } else if (sa == 1 && sb == 0) {
      const bv = v128.load32_splat(b);
      for (; i + 4 <= len; i += 4) {
        const off = <usize>i << 2;
        v128.store(out + off, binaryVec(op, v128.load(a + off), bv));
      }
    } else if (sa == 0 && sb == 1) {
      const av = v128.load32_splat(a);
      for (; i + 4 <= len; i += 4) {
        const off = <usize>i << 2;
        v128.store(out + off, binaryVec(op, av, v128.load(b + off)));
      }
    }
  }
  for (; i < len; i++) {
    store<f32>(out + (<usize>i << 2), binaryScalar(op, load<f32>(a + (<usize>(i * sa) << 2)), load<f32>(b + (<usize>(i * sb) << 2))));
  }
}

/**
 * Broadcasting binary op over a rank-6 shape (callers pad with leading 1s). `shape`, `as`, `bs` point to
 * 6 i32 each; a stride of 0 broadcasts. The innermost axis runs with SIMD when its strides are 0 or 1.
 */
export function binary(op: i32, a: usize, as: usize, b: usize, bs: usize, out: usize, shape: usize): void {
  const s0 = load<i32>(shape), s1 = load<i32>(shape, 4), s2 = load<i32>(shape, 8), s3 = load<i32>(shape, 12),
    s4 = load<i32>(shape, 16), s5 = load<i32>(shape, 20);
  const a0 = load<i32>(as), a1 = load<i32>(as, 4), a2 = load<i32>(as, 8), a3 = load<i32>(as, 12), a4 = load<i32>(as, 16), a5 = load<i32>(as, 20);
  const b0 = load<i32>(bs), b1 = load<i32>(bs, 4), b2 = load<i32>(bs, 8), b3 = load<i32>(bs, 12), b4 = load<i32>(bs, 16), b5 = load<i32>(bs, 20);
  let o: usize = out;
  const unitInner = (a5 == 0 || a5 == 1) && (b5 == 0 || b5 == 1);
  for (let i0 = 0; i0 < s0; i0++) for (let i1 = 0; i1 < s1; i1++) for (let i2 = 0; i2 < s2; i2++)
    for (let i3 = 0; i3 < s3; i3++) for (let i4 = 0; i4 < s4; i4++) {
      const ao = i0 * a0 + i1 * a1 + i2 * a2 + i3 * a3 + i4 * a4;
      const bo = i0 * b0 + i1 * b1 + i2 * b2 + i3 * b3 + i4 * b4;
      if (unitInner) {
        binaryRun(op, a + (<usize>ao << 2), a5, b + (<usize>bo << 2), b5, o, s5);
      } else {
        for (let i5 = 0; i5 < s5; i5++) {
          store<f32>(o + (<usize>i5 << 2), binaryScalar(op, load<f32>(a + (<usize>(ao + i5 * a5) << 2)), load<f32>(b + (<usize>(bo + i5 * b5) << 2))));
        }
      }
      o += <usize>s5 << 2;
    }
}

export function select(cond: usize, a: usize, b: usize, out: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const off = <usize>i << 2;
    store<f32>(out + off, load<f32>(cond + off) != 0 ? load<f32>(a + off) : load<f32>(b + off));
  }
}
