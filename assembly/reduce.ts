// Reductions over one axis of a [outer, r, inner] view, argmax, and the dot product that G-Blend's
// gradient statistics are built from.
import { REDUCE_SUM, REDUCE_MAX } from './opcodes';

export function reduce(op: i32, x: usize, out: usize, outer: i32, r: i32, inner: i32): void {
  // op: REDUCE_SUM, REDUCE_MAX or REDUCE_MIN (src/backend/op-table.ts)
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const row = x + (<usize>(o * r) << 2);
      let res: f64;
      if (op == REDUCE_SUM) {
        // f64 lanes keep long sums (means over whole volumes) accurate.
        let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
        let i = 0;
        for (; i + 4 <= r; i += 4) {
          const v = v128.load(row + (<usize>i << 2));
          acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(v));
          acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
        }
        const acc = f64x2.add(acc0, acc1);
        res = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
        for (; i < r; i++) res += <f64>load<f32>(row + (<usize>i << 2));
      } else {
        let m = load<f32>(row);
        for (let i = 1; i < r; i++) {
          const v = load<f32>(row + (<usize>i << 2));
          m = op == REDUCE_MAX ? (v > m ? v : m) : (v < m ? v : m);
        }
        res = <f64>m;
      }
      store<f32>(out + (<usize>o << 2), <f32>res);
    }
    return;
  }
  for (let o = 0; o < outer; o++) {
    const dst = out + (<usize>(o * inner) << 2);
    const src0 = x + (<usize>(o * r * inner) << 2);
    memory.copy(dst, src0, <usize>inner << 2);
    for (let k = 1; k < r; k++) {
      const src = src0 + (<usize>(k * inner) << 2);
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const off = <usize>i << 2;
        const a = v128.load(dst + off), b = v128.load(src + off);
        v128.store(dst + off, op == REDUCE_SUM ? f32x4.add(a, b) : (op == REDUCE_MAX ? f32x4.max(a, b) : f32x4.min(a, b)));
      }
      for (; i < inner; i++) {
        const off = <usize>i << 2;
        const a = load<f32>(dst + off), b = load<f32>(src + off);
        store<f32>(dst + off, op == REDUCE_SUM ? a + b : (op == REDUCE_MAX ? (b > a ? b : a) : (b < a ? b : a)));
      }
    }
  }
}

export function argmax(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>(r * cols) << 2);
    let best = load<f32>(row), bi = 0;
    for (let c = 1; c < cols; c++) {
      const v = load<f32>(row + (<usize>c << 2));
      if (v > best) { best = v; bi = c; }
    }
    store<i32>(out + (<usize>r << 2), bi);
  }
}

export function dotAcc(a: usize, b: usize, n: i32, out: usize, outIndex: i32): void {
  let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const off = <usize>i << 2;
    const p = f32x4.mul(v128.load(a + off), v128.load(b + off));
    acc0 = f64x2.add(acc0, f64x2.promote_low_f32x4(p));
    acc1 = f64x2.add(acc1, f64x2.promote_low_f32x4(v128.shuffle<f32>(p, p, 2, 3, 0, 1)));
  }
  const acc = f64x2.add(acc0, acc1);
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; i < n; i++) s += <f64>load<f32>(a + (<usize>i << 2)) * <f64>load<f32>(b + (<usize>i << 2));
  const dst = out + (<usize>outIndex << 2);
  store<f32>(dst, <f32>(<f64>load<f32>(dst) + s));
}
