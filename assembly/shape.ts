// Data movement over rank-6 shapes (callers pad with leading 1s): permute, slice, paste,
// gather/scatter along one axis, one-hot. All move 32-bit words, so they serve f32 and i32 alike.

@inline function ld(p: usize, k: i32): i32 { return load<i32>(p + (<usize>k << 2)); }

/** out = x.transpose(perm); `shape` and `perm` point to 6 i32. */
export function permute(x: usize, out: usize, shape: usize, perm: usize): void {
  // Strides of x, then gathered in output-axis order.
  let st0 = 1, st1 = 1, st2 = 1, st3 = 1, st4 = 1, st5 = 1;
  st5 = 1; st4 = ld(shape, 5); st3 = st4 * ld(shape, 4); st2 = st3 * ld(shape, 3); st1 = st2 * ld(shape, 2); st0 = st1 * ld(shape, 1);
  const xs0 = st0, xs1 = st1, xs2 = st2, xs3 = st3, xs4 = st4, xs5 = st5;
  const p0 = ld(perm, 0), p1 = ld(perm, 1), p2 = ld(perm, 2), p3 = ld(perm, 3), p4 = ld(perm, 4), p5 = ld(perm, 5);
  const n0 = ld(shape, p0), n1 = ld(shape, p1), n2 = ld(shape, p2), n3 = ld(shape, p3), n4 = ld(shape, p4), n5 = ld(shape, p5);
  const s0 = pick(p0, xs0, xs1, xs2, xs3, xs4, xs5), s1 = pick(p1, xs0, xs1, xs2, xs3, xs4, xs5),
    s2 = pick(p2, xs0, xs1, xs2, xs3, xs4, xs5), s3 = pick(p3, xs0, xs1, xs2, xs3, xs4, xs5),
    s4 = pick(p4, xs0, xs1, xs2, xs3, xs4, xs5), s5 = pick(p5, xs0, xs1, xs2, xs3, xs4, xs5);
  let o: usize = out;
  for (let i0 = 0; i0 < n0; i0++) for (let i1 = 0; i1 < n1; i1++) for (let i2 = 0; i2 < n2; i2++)
    for (let i3 = 0; i3 < n3; i3++) for (let i4 = 0; i4 < n4; i4++) {
      const base = i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3 + i4 * s4;
      for (let i5 = 0; i5 < n5; i5++) {
        store<i32>(o, load<i32>(x + (<usize>(base + i5 * s5) << 2)));
        o += 4;
      }
    }
}

@inline function pick(k: i32, a: i32, b: i32, c: i32, d: i32, e: i32, f: i32): i32 {
  return k == 0 ? a : k == 1 ? b : k == 2 ? c : k == 3 ? d : k == 4 ? e : f;
}

/** out = x[begin : begin + outShape]; each pointer is 6 i32. */
export function slice(x: usize, xShape: usize, begin: usize, out: usize, outShape: usize): void {
  const x1 = ld(xShape, 1), x2 = ld(xShape, 2), x3 = ld(xShape, 3), x4 = ld(xShape, 4), x5 = ld(xShape, 5);
  const n0 = ld(outShape, 0), n1 = ld(outShape, 1), n2 = ld(outShape, 2), n3 = ld(outShape, 3), n4 = ld(outShape, 4), n5 = ld(outShape, 5);
  const b0 = ld(begin, 0), b1 = ld(begin, 1), b2 = ld(begin, 2), b3 = ld(begin, 3), b4 = ld(begin, 4), b5 = ld(begin, 5);
  const run = <usize>n5 << 2;
  let o: usize = out;
  for (let i0 = 0; i0 < n0; i0++) for (let i1 = 0; i1 < n1; i1++) for (let i2 = 0; i2 < n2; i2++)
    for (let i3 = 0; i3 < n3; i3++) for (let i4 = 0; i4 < n4; i4++) {
      const off = ((((((i0 + b0) * x1 + i1 + b1) * x2 + i2 + b2) * x3 + i3 + b3) * x4 + i4 + b4) * x5 + b5);
      memory.copy(o, x + (<usize>off << 2), run);
      o += run;
    }
}

/** dst[begin : begin + srcShape] = src, or += src (f32) when add != 0. */
export function paste(src: usize, srcShape: usize, dst: usize, dstShape: usize, begin: usize, add: i32): void {
  const x1 = ld(dstShape, 1), x2 = ld(dstShape, 2), x3 = ld(dstShape, 3), x4 = ld(dstShape, 4), x5 = ld(dstShape, 5);
  const n0 = ld(srcShape, 0), n1 = ld(srcShape, 1), n2 = ld(srcShape, 2), n3 = ld(srcShape, 3), n4 = ld(srcShape, 4), n5 = ld(srcShape, 5);
  const b0 = ld(begin, 0), b1 = ld(begin, 1), b2 = ld(begin, 2), b3 = ld(begin, 3), b4 = ld(begin, 4), b5 = ld(begin, 5);
  const run = <usize>n5 << 2;
  let s: usize = src;
  for (let i0 = 0; i0 < n0; i0++) for (let i1 = 0; i1 < n1; i1++) for (let i2 = 0; i2 < n2; i2++)
    for (let i3 = 0; i3 < n3; i3++) for (let i4 = 0; i4 < n4; i4++) {
      const off = ((((((i0 + b0) * x1 + i1 + b1) * x2 + i2 + b2) * x3 + i3 + b3) * x4 + i4 + b4) * x5 + b5);
      const d = dst + (<usize>off << 2);
      if (add != 0) {
        for (let k = 0; k < n5; k++) {
          const p = <usize>k << 2;
          store<f32>(d + p, load<f32>(d + p) + load<f32>(s + p));
        }
      } else {
        memory.copy(d, s, run);
      }
      s += run;
    }
}

export function gather(x: usize, idx: usize, out: usize, outer: i32, axisLen: i32, inner: i32, nIdx: i32): void {
  const run = <usize>inner << 2;
  let o: usize = out;
  for (let a = 0; a < outer; a++) {
    for (let i = 0; i < nIdx; i++) {
      const j = ld(idx, i);
      memory.copy(o, x + (<usize>((a * axisLen + j) * inner) << 2), run);
      o += run;
    }
  }
}

export function scatterAddAcc(dy: usize, idx: usize, dx: usize, outer: i32, axisLen: i32, inner: i32, nIdx: i32): void {
  let s: usize = dy;
  for (let a = 0; a < outer; a++) {
    for (let i = 0; i < nIdx; i++) {
      const d = dx + (<usize>((a * axisLen + ld(idx, i)) * inner) << 2);
      for (let k = 0; k < inner; k++) {
        const p = <usize>k << 2;
        store<f32>(d + p, load<f32>(d + p) + load<f32>(s + p));
      }
      s += <usize>inner << 2;
    }
  }
}

export function oneHot(idx: usize, out: usize, n: i32, depth: i32, on: f32, off: f32): void {
  for (let i = 0; i < n; i++) {
    const j = ld(idx, i);
    const row = out + (<usize>(i * depth) << 2);
    for (let c = 0; c < depth; c++) store<f32>(row + (<usize>c << 2), c == j ? on : off);
  }
}
