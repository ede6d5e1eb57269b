// Integer block down-sampling of a [d, h, w] volume by (fd, fh, fw): the block mean for images
// (summed in f64 in the reference's order, one rounding to f32: bit-identical to it), the most
// frequent label for label maps (ties: the smallest label; labels are taken & 255). The remainder
// of an axis not divisible by its factor is dropped; the output is [od, oh, ow] = floor(in / f).

export function downsampleMean(src: usize, h: i32, w: i32, fd: i32, fh: i32, fw: i32, out: usize, od: i32, oh: i32, ow: i32): void {
  const inv = 1 / <f64>(fd * fh * fw);
  let o = out;
  for (let z = 0; z < od; z++) for (let y = 0; y < oh; y++) {
    if (fw == 2) {
      for (let x = 0; x < ow; x++, o += 4) {
        let s: f64 = 0;
        for (let a = 0; a < fd; a++) for (let b = 0; b < fh; b++) {
          const row = src + (((<usize>(z * fd + a) * <usize>h + <usize>(y * fh + b)) * <usize>w + <usize>(2 * x)) << 2);
          s += <f64>load<f32>(row);
          s += <f64>load<f32>(row, 4);
        }
        store<f32>(o, <f32>(s * inv));
      }
    } else {
      for (let x = 0; x < ow; x++, o += 4) {
        let s: f64 = 0;
        for (let a = 0; a < fd; a++) for (let b = 0; b < fh; b++) {
          const row = src + (((<usize>(z * fd + a) * <usize>h + <usize>(y * fh + b)) * <usize>w + <usize>(x * fw)) << 2);
          for (let c = 0; c < fw; c++) s += <f64>load<f32>(row + (<usize>c << 2));
        }
        store<f32>(o, <f32>(s * inv));
      }
    }
  }
}

/** `counts` is 256 zeroed i32 of scratch; it is left zeroed. */
export function downsampleMajority(src: usize, h: i32, w: i32, fd: i32, fh: i32, fw: i32, out: usize, od: i32, oh: i32, ow: i32, counts: usize): void {
  let o = out;
  for (let z = 0; z < od; z++) for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++, o += 4) {
    for (let a = 0; a < fd; a++) for (let b = 0; b < fh; b++) {
      const row = src + (((<usize>(z * fd + a) * <usize>h + <usize>(y * fh + b)) * <usize>w + <usize>(x * fw)) << 2);
      for (let c = 0; c < fw; c++) {
        const p = counts + (<usize>(load<i32>(row + (<usize>c << 2)) & 255) << 2);
        store<i32>(p, load<i32>(p) + 1);
      }
    }
    let best = 0, bestCount = load<i32>(counts);
    for (let a = 0; a < fd; a++) for (let b = 0; b < fh; b++) {
      const row = src + (((<usize>(z * fd + a) * <usize>h + <usize>(y * fh + b)) * <usize>w + <usize>(x * fw)) << 2);
      for (let c = 0; c < fw; c++) {
        const l = load<i32>(row + (<usize>c << 2)) & 255;
        const n = load<i32>(counts + (<usize>l << 2));
        if (n > bestCount || (n == bestCount && l < best)) { best = l; bestCount = n; }
      }
    }
    for (let a = 0; a < fd; a++) for (let b = 0; b < fh; b++) {
      const row = src + (((<usize>(z * fd + a) * <usize>h + <usize>(y * fh + b)) * <usize>w + <usize>(x * fw)) << 2);
      for (let c = 0; c < fw; c++) store<i32>(counts + (<usize>(load<i32>(row + (<usize>c << 2)) & 255) << 2), 0);
    }
    store<i32>(o, best);
  }
}
