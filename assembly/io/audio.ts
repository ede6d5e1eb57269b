// Audio features: Hann-windowed STFT by a real radix-2 FFT (an N/2-point complex FFT and one
// untangling pass), power spectrum, HTK mel filterbank, linear resampling of the time (and, for the
// linear spectrogram, frequency) axis, log. All in f64 like the TypeScript reference
// (test/reference/io.ts); the one output is float32.
//
// A frame's power row is computed only when the time resampling needs it (rows a and a + 1 of each
// output frame, two cached), so a long clip costs 2 * frames FFTs at most, not one per hop.

// @ts-ignore: decorator
@inline const TAU: f64 = 6.283185307179586; // 2 * Math.PI, exactly

/** Frames the hop produces: max(1, 1 + floor((len - nFft) / hop)). */
export function frameCount(len: i32, nFft: i32, hop: i32): i32 {
  const c = 1 + <i32>Math.floor(<f64>(len - nFft) / <f64>hop);
  return c > 1 ? c : 1;
}

/** Twiddles w_n^k = exp(-2 pi i k / n) for k < n / 2, as (cos, sin) pairs of f64. */
export function fftTwiddles(tw: usize, n: i32): void {
  for (let k = 0; k < n >> 1; k++) {
    const a = (-TAU * <f64>k) / <f64>n;
    store<f64>(tw + (<usize>k << 4), Math.cos(a));
    store<f64>(tw + (<usize>k << 4), Math.sin(a), 8);
  }
}

/**
 * In-place iterative radix-2 complex FFT of (re, im), m points (a power of two), using the twiddle
 * table of an (m * stride)-point transform (fftTwiddles): stride 1 for a plain FFT, 2 inside the real FFT.
 */
export function fftComplex(re: usize, im: usize, m: i32, tw: usize, stride: i32): void {
  for (let i = 1, j = 0; i < m; i++) {
    let bit = m >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const pi = <usize>i << 3, pj = <usize>j << 3;
      let t = load<f64>(re + pi); store<f64>(re + pi, load<f64>(re + pj)); store<f64>(re + pj, t);
      t = load<f64>(im + pi); store<f64>(im + pi, load<f64>(im + pj)); store<f64>(im + pj, t);
    }
  }
  for (let len = 2; len <= m; len <<= 1) {
    const half = len >> 1;
    const step = <usize>((m / len) * stride) << 4;
    for (let k = 0; k < half; k++) {
      const w = tw + <usize>k * step;
      const wr = load<f64>(w), wi = load<f64>(w, 8);
      for (let i = 0; i < m; i += len) {
        const pa = <usize>(i + k) << 3, pb = <usize>(i + k + half) << 3;
        const br = load<f64>(re + pb), bi = load<f64>(im + pb);
        const tr = br * wr - bi * wi, ti = br * wi + bi * wr;
        const ar = load<f64>(re + pa), ai = load<f64>(im + pa);
        store<f64>(re + pb, ar - tr); store<f64>(im + pb, ai - ti);
        store<f64>(re + pa, ar + tr); store<f64>(im + pa, ai + ti);
      }
    }
  }
}

// @ts-ignore: decorator
@inline function sample(sig: usize, len: i32, s: i32, win: usize, i: i32): f64 {
  return s < len ? <f64>load<f32>(sig + (<usize>s << 2)) * load<f64>(win + (<usize>i << 3)) : 0;
}

/** Power row [nFft/2 + 1] of the frame starting at sample `start` (Hann window `win`, twiddles of nFft). */
function powerRow(sig: usize, len: i32, start: i32, nFft: i32, win: usize, tw: usize, re: usize, im: usize, row: usize): void {
  if (nFft >= 4) {
    const m = nFft >> 1;
    for (let n = 0; n < m; n++) {
      store<f64>(re + (<usize>n << 3), sample(sig, len, start + 2 * n, win, 2 * n));
      store<f64>(im + (<usize>n << 3), sample(sig, len, start + 2 * n + 1, win, 2 * n + 1));
    }
    fftComplex(re, im, m, tw, 2);
    // X[k] = E[k] + w_N^k O[k], E = (Z[k] + conj Z[m-k]) / 2, O = (Z[k] - conj Z[m-k]) / 2i.
    const r0 = load<f64>(re), i0 = load<f64>(im);
    store<f64>(row, (r0 + i0) * (r0 + i0));
    store<f64>(row + (<usize>m << 3), (r0 - i0) * (r0 - i0));
    for (let k = 1; k < m; k++) {
      const pk = <usize>k << 3, pc = <usize>(m - k) << 3;
      const ar = load<f64>(re + pk), ai = load<f64>(im + pk);
      const br = load<f64>(re + pc), bi = -load<f64>(im + pc);
      const er = 0.5 * (ar + br), ei = 0.5 * (ai + bi);
      const or = 0.5 * (ai - bi), oi = -0.5 * (ar - br);
      const wr = load<f64>(tw + (<usize>k << 4)), wi = load<f64>(tw + (<usize>k << 4), 8);
      const xr = er + wr * or - wi * oi, xi = ei + wr * oi + wi * or;
      store<f64>(row + pk, xr * xr + xi * xi);
    }
  } else if (nFft == 2) {
    const a = sample(sig, len, start, win, 0), b = sample(sig, len, start + 1, win, 1);
    store<f64>(row, (a + b) * (a + b));
    store<f64>(row, (a - b) * (a - b), 8);
  } else {
    const a = sample(sig, len, start, win, 0);
    store<f64>(row, a * a);
  }
}

function hannWindow(win: usize, nFft: i32): void {
  for (let i = 0; i < nFft; i++) store<f64>(win + (<usize>i << 3), 0.5 - 0.5 * Math.cos((TAU * <f64>i) / <f64>nFft));
}

/** Bytes of scratch that logSpectrogram (and powerRows, with nMels = frames = 0) needs. */
export function spectrogramScratchBytes(nFft: i32, nMels: i32, frames: i32): i32 {
  const b = (nFft >> 1) + 1, half = nFft >> 1 > 1 ? nFft >> 1 : 1;
  // window, twiddles (half complex), re, im, rows a, b and the interpolated row, filters, the linear image
  return 8 * (nFft + 2 * half + 2 * half + 3 * b + nMels * b + (nMels > 0 ? 0 : frames * b));
}

/** Every power row of the STFT, [frameCount][nFft/2 + 1] f64 (no resampling). */
export function powerRows(sig: usize, len: i32, nFft: i32, hop: i32, out: usize, scratch: usize): void {
  const b = (nFft >> 1) + 1, half = nFft >> 1 > 1 ? nFft >> 1 : 1;
  const win = scratch, tw = win + (<usize>nFft << 3), re = tw + (<usize>half << 4), im = re + (<usize>half << 3);
  hannWindow(win, nFft);
  fftTwiddles(tw, nFft);
  const count = frameCount(len, nFft, hop);
  for (let f = 0; f < count; f++) powerRow(sig, len, f * hop, nFft, win, tw, re, im, out + <usize>f * (<usize>b << 3));
}

function hzToMel(f: f64): f64 {
  return 2595 * Math.log10(1 + f / 700);
}

function melToHz(m: f64): f64 {
  return 700 * (Math.pow(10, m / 2595) - 1);
}

/** HTK triangular mel filters, [nMels][nFft/2 + 1] f64. */
export function melFilters(out: usize, nMels: i32, nFft: i32, sampleRate: f64, fMin: f64, fMax: f64): void {
  const bins = (nFft >> 1) + 1;
  const mMin = hzToMel(fMin), mMax = hzToMel(fMax);
  for (let m = 0; m < nMels; m++) {
    const lo = melToHz(mMin + ((mMax - mMin) * <f64>m) / <f64>(nMels + 1));
    const mid = melToHz(mMin + ((mMax - mMin) * <f64>(m + 1)) / <f64>(nMels + 1));
    const hi = melToHz(mMin + ((mMax - mMin) * <f64>(m + 2)) / <f64>(nMels + 1));
    const row = out + <usize>m * (<usize>bins << 3);
    for (let k = 0; k < bins; k++) {
      const f = (<f64>k * sampleRate) / <f64>nFft;
      store<f64>(row + (<usize>k << 3), Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid))));
    }
  }
}

/**
 * The log-mel (nMels > 0) or log-spectrogram image [bands][frames] (float32, row-major) of a float32
 * signal: power rows linearly resampled in time to `frames`, then the mel filters, or for nMels = 0
 * the frequency axis linearly resampled to `bins`; values log(power + 1e-6).
 */
export function logSpectrogram(sig: usize, len: i32, nFft: i32, hop: i32, nMels: i32, frames: i32, bins: i32,
  sampleRate: f64, fMin: f64, fMax: f64, out: usize, scratch: usize): void {
  const b = (nFft >> 1) + 1, half = nFft >> 1 > 1 ? nFft >> 1 : 1, rowBytes = <usize>b << 3;
  const win = scratch, tw = win + (<usize>nFft << 3), re = tw + (<usize>half << 4), im = re + (<usize>half << 3);
  let rowA = im + (<usize>half << 3), rowB = rowA + rowBytes;
  const cur = rowB + rowBytes, fb = cur + rowBytes, image = fb + <usize>nMels * rowBytes;
  hannWindow(win, nFft);
  fftTwiddles(tw, nFft);
  if (nMels > 0) melFilters(fb, nMels, nFft, sampleRate, fMin, fMax);
  const count = frameCount(len, nFft, hop);
  let ia = -1, ib = -1;
  for (let i = 0; i < frames; i++) {
    let row = cur;
    if (count == frames) {
      powerRow(sig, len, i * hop, nFft, win, tw, re, im, cur);
    } else {
      const x = frames == 1 ? 0 : (<f64>i * <f64>(count - 1)) / <f64>(frames - 1);
      const a = <i32>Math.floor(x), bb = min(count - 1, a + 1), t = x - <f64>a;
      if (ia != a) {
        if (ib == a) {
          const p = rowA; rowA = rowB; rowB = p; ia = ib; ib = -1;
        } else {
          powerRow(sig, len, a * hop, nFft, win, tw, re, im, rowA); ia = a;
        }
      }
      if (bb != a && ib != bb) { powerRow(sig, len, bb * hop, nFft, win, tw, re, im, rowB); ib = bb; }
      const pb = bb == a ? rowA : rowB;
      for (let k = 0; k < b; k++) {
        const o = <usize>k << 3;
        store<f64>(cur + o, (1 - t) * load<f64>(rowA + o) + t * load<f64>(pb + o));
      }
    }
    if (nMels > 0) {
      for (let m = 0; m < nMels; m++) {
        const w = fb + <usize>m * rowBytes;
        let acc: f64 = 0;
        for (let k = 0; k < b; k++) acc += load<f64>(w + (<usize>k << 3)) * load<f64>(row + (<usize>k << 3));
        store<f32>(out + ((<usize>m * <usize>frames + <usize>i) << 2), <f32>Math.log(acc + 1e-6));
      }
    } else {
      memory.copy(image + <usize>i * rowBytes, row, rowBytes);
    }
  }
  if (nMels > 0) return;
  // The frequency axis, resampled from b bins to `bins`.
  for (let j = 0; j < bins; j++) {
    if (bins == b) {
      for (let f = 0; f < frames; f++) {
        store<f32>(out + ((<usize>j * <usize>frames + <usize>f) << 2), <f32>Math.log(load<f64>(image + <usize>f * rowBytes + (<usize>j << 3)) + 1e-6));
      }
      continue;
    }
    const x = bins == 1 ? 0 : (<f64>j * <f64>(b - 1)) / <f64>(bins - 1);
    const a = <i32>Math.floor(x), c = min(b - 1, a + 1), t = x - <f64>a;
    for (let f = 0; f < frames; f++) {
      const r = image + <usize>f * rowBytes;
      const v = (1 - t) * load<f64>(r + (<usize>a << 3)) + t * load<f64>(r + (<usize>c << 3));
      store<f32>(out + ((<usize>j * <usize>frames + <usize>f) << 2), <f32>Math.log(v + 1e-6));
    }
  }
}
