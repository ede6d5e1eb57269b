// Direct 3D convolution, channels-last, and its two adjoints (input and weight gradients).
//
// Layout: x [n, d, h, w, cin], weights [kd, kh, kw, cin, cout], y [n, od, oh, ow, cout], bias [cout].
// `geom` points to 18 i32: n, d, h, w, cin, kd, kh, kw, cout, sd, sh, sw, pd, ph, pw, od, oh, ow
// (s* = stride, p* = zero-padding voxels before each axis, o* = output sizes).
//   y[b, oz, oy, ox, co] = bias[co] + sum_{kz,ky,kx,ci} x[b, oz*sd-pd+kz, oy*sh-ph+ky, ox*sw-pw+kx, ci]
//                                                        * w[kz, ky, kx, ci, co]   (x outside = 0)
//
// Design (no scratch memory, nothing allocated):
// - borders are handled by clipping the tap ranges per output voxel instead of padding the input;
// - forward: 4 output voxels along W x 8 output channels (two f32x4) per register block; one input
//   value is splatted per step. For a fixed (kz, ky) tap row the (kx, ci) pairs are contiguous in both
//   x and w, so the innermost loop is a single run of length (kx range) * cin;
// - input gradient: gather form (a correlation with the flipped kernel, no scatter), contracting
//   over cout with f32x4 partial sums reduced horizontally once per output;
// - weight gradient: per (batch, oz) plane, per tap, 4 input channels x 8 output channels
//   accumulated in registers over the (oy, ox) plane, vectorised over cout.
// Channel counts that are not multiples of 4 (or 8) fall back to smaller blocks and scalar tails.
import { fmadd } from './fma';

// ---- small helpers ---------------------------------------------------------------------------

// Result slots of conv_taps (module globals: the runtime is `stub`, nothing may be allocated).
let conv_k0: i32 = 0;
let conv_kn: i32 = 0;

// Taps kk in [0, k) that connect input index i to an output index o = (i + p - kk) / s with
// (i + p - kk) % s == 0 and 0 <= o < out: they are conv_k0, conv_k0 + s, ... (conv_kn of them);
// the output index falls by one per tap step.
@inline function conv_taps(i: i32, p: i32, s: i32, k: i32, out: i32): void {
  const t = i + p;
  const lo = max<i32>(0, t - s * (out - 1));
  const hi = min<i32>(k - 1, t);
  if (t < 0 || lo > hi) {
    conv_k0 = 0;
    conv_kn = 0;
    return;
  }
  const first = lo + (t - lo) % s;
  if (first > hi) {
    conv_k0 = 0;
    conv_kn = 0;
    return;
  }
  conv_k0 = first;
  conv_kn = (hi - first) / s + 1;
}

// First output index o >= 0 with o*s - p + k >= 0, i.e. ceil((p - k) / s) clamped at 0.
@inline function conv_outLo(p: i32, k: i32, s: i32): i32 {
  const a = p - k;
  return a <= 0 ? 0 : (a + s - 1) / s;
}

// One past the last output index o < out with o*s - p + k <= size - 1.
@inline function conv_outHi(p: i32, k: i32, s: i32, size: i32, out: i32): i32 {
  const a = size - 1 + p - k;
  return a < 0 ? 0 : min<i32>(out, a / s + 1);
}

@inline function conv_hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

function conv_zero(p: usize, count: i32): void {
  memory.fill(p, 0, <usize>count << 2);
}

// ---- forward ---------------------------------------------------------------------------------
// Shared arguments of the forward blocks: xp = first input value of voxel 0 for the first tap,
// xv = bytes between consecutive output voxels in x, wp = weight of that tap for the block's first
// output channel, yp/yv = output of voxel 0 and bytes between voxels, bp = bias (0: none);
// nz/ny tap rows with strides xzs/wzs and xys/wys; len (kx, ci) steps with weight stride wjs.

function conv_f4x8(xp: usize, xv: usize, wp: usize, yp: usize, yv: usize, bp: usize,
  nz: i32, xzs: usize, wzs: usize, ny: i32, xys: usize, wys: usize, len: i32, wjs: usize): void {
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0);
  if (bp != 0) { b0 = v128.load(bp); b1 = v128.load(bp, 16); }
  let a00 = b0, a01 = b1, a10 = b0, a11 = b1, a20 = b0, a21 = b1, a30 = b0, a31 = b1;
  const xv2 = xv + xv, xv3 = xv2 + xv;
  let xz = xp, wz = wp;
  for (let z = 0; z < nz; z++) {
    let xy = xz, wy = wz;
    for (let q = 0; q < ny; q++) {
      let xq = xy, wq = wy;
      for (let j = 0; j < len; j++) {
        const w0 = v128.load(wq), w1 = v128.load(wq, 16);
        let s = v128.load32_splat(xq);
        a00 = fmadd(s, w0, a00); a01 = fmadd(s, w1, a01);
        s = v128.load32_splat(xq + xv);
        a10 = fmadd(s, w0, a10); a11 = fmadd(s, w1, a11);
        s = v128.load32_splat(xq + xv2);
        a20 = fmadd(s, w0, a20); a21 = fmadd(s, w1, a21);
        s = v128.load32_splat(xq + xv3);
        a30 = fmadd(s, w0, a30); a31 = fmadd(s, w1, a31);
        xq += 4; wq += wjs;
      }
      xy += xys; wy += wys;
    }
    xz += xzs; wz += wzs;
  }
  v128.store(yp, a00); v128.store(yp, a01, 16); yp += yv;
  v128.store(yp, a10); v128.store(yp, a11, 16); yp += yv;
  v128.store(yp, a20); v128.store(yp, a21, 16); yp += yv;
  v128.store(yp, a30); v128.store(yp, a31, 16);
}

function conv_f4x4(xp: usize, xv: usize, wp: usize, yp: usize, yv: usize, bp: usize,
  nz: i32, xzs: usize, wzs: usize, ny: i32, xys: usize, wys: usize, len: i32, wjs: usize): void {
  let b0 = f32x4.splat(0);
  if (bp != 0) b0 = v128.load(bp);
  let a0 = b0, a1 = b0, a2 = b0, a3 = b0;
  const xv2 = xv + xv, xv3 = xv2 + xv;
  let xz = xp, wz = wp;
  for (let z = 0; z < nz; z++) {
    let xy = xz, wy = wz;
    for (let q = 0; q < ny; q++) {
      let xq = xy, wq = wy;
      for (let j = 0; j < len; j++) {
        const w0 = v128.load(wq);
        a0 = fmadd(v128.load32_splat(xq), w0, a0);
        a1 = fmadd(v128.load32_splat(xq + xv), w0, a1);
        a2 = fmadd(v128.load32_splat(xq + xv2), w0, a2);
        a3 = fmadd(v128.load32_splat(xq + xv3), w0, a3);
        xq += 4; wq += wjs;
      }
      xy += xys; wy += wys;
    }
    xz += xzs; wz += wzs;
  }
  v128.store(yp, a0); yp += yv;
  v128.store(yp, a1); yp += yv;
  v128.store(yp, a2); yp += yv;
  v128.store(yp, a3);
}

// One output channel (a cout remainder) for 4 voxels: vectorised over the contiguous (kx, ci) run
// instead, with the 4 strided weights gathered per step, partial sums reduced at the end.
function conv_f4x1(xp: usize, xv: usize, wp: usize, yp: usize, yv: usize, bp: usize,
  nz: i32, xzs: usize, wzs: usize, ny: i32, xys: usize, wys: usize, len: i32, wjs: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0;
  const xv2 = xv + xv, xv3 = xv2 + xv;
  const wj2 = wjs + wjs, wj3 = wj2 + wjs, wj4 = wj2 + wj2;
  const len4 = len >> 2;
  let xz = xp, wz = wp;
  for (let z = 0; z < nz; z++) {
    let xy = xz, wy = wz;
    for (let q = 0; q < ny; q++) {
      let xq = xy, wq = wy;
      for (let j = 0; j < len4; j++) {
        let w0 = v128.load32_splat(wq);
        w0 = v128.load32_lane(wq + wjs, w0, 1);
        w0 = v128.load32_lane(wq + wj2, w0, 2);
        w0 = v128.load32_lane(wq + wj3, w0, 3);
        a0 = fmadd(v128.load(xq), w0, a0);
        a1 = fmadd(v128.load(xq + xv), w0, a1);
        a2 = fmadd(v128.load(xq + xv2), w0, a2);
        a3 = fmadd(v128.load(xq + xv3), w0, a3);
        xq += 16; wq += wj4;
      }
      for (let j = len4 << 2; j < len; j++) {
        const w0 = load<f32>(wq);
        t0 += load<f32>(xq) * w0;
        t1 += load<f32>(xq + xv) * w0;
        t2 += load<f32>(xq + xv2) * w0;
        t3 += load<f32>(xq + xv3) * w0;
        xq += 4; wq += wjs;
      }
      xy += xys; wy += wys;
    }
    xz += xzs; wz += wzs;
  }
  const b0: f32 = bp != 0 ? load<f32>(bp) : 0;
  store<f32>(yp, b0 + conv_hsum(a0) + t0); yp += yv;
  store<f32>(yp, b0 + conv_hsum(a1) + t1); yp += yv;
  store<f32>(yp, b0 + conv_hsum(a2) + t2); yp += yv;
  store<f32>(yp, b0 + conv_hsum(a3) + t3);
}

function conv_f1x8(xp: usize, wp: usize, yp: usize, bp: usize,
  nz: i32, xzs: usize, wzs: usize, ny: i32, xys: usize, wys: usize, len: i32, wjs: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  if (bp != 0) { a0 = v128.load(bp); a1 = v128.load(bp, 16); }
  let xz = xp, wz = wp;
  for (let z = 0; z < nz; z++) {
    let xy = xz, wy = wz;
    for (let q = 0; q < ny; q++) {
      let xq = xy, wq = wy;
      for (let j = 0; j < len; j++) {
        const s = v128.load32_splat(xq);
        a0 = fmadd(s, v128.load(wq), a0);
        a1 = fmadd(s, v128.load(wq, 16), a1);
        xq += 4; wq += wjs;
      }
      xy += xys; wy += wys;
    }
    xz += xzs; wz += wzs;
  }
  v128.store(yp, a0); v128.store(yp, a1, 16);
}

function conv_f1x4(xp: usize, wp: usize, yp: usize, bp: usize,
  nz: i32, xzs: usize, wzs: usize, ny: i32, xys: usize, wys: usize, len: i32, wjs: usize): void {
  let a0 = f32x4.splat(0);
  if (bp != 0) a0 = v128.load(bp);
  let xz = xp, wz = wp;
  for (let z = 0; z < nz; z++) {
    let xy = xz, wy = wz;
    for (let q = 0; q < ny; q++) {
      let xq = xy, wq = wy;
      for (let j = 0; j < len; j++) {
        a0 = fmadd(v128.load32_splat(xq), v128.load(wq), a0);
        xq += 4; wq += wjs;
      }
      xy += xys; wy += wys;
    }
    xz += xzs; wz += wzs;
  }
  v128.store(yp, a0);
}

function conv_f1x1(xp: usize, wp: usize, yp: usize, bp: usize,
  nz: i32, xzs: usize, wzs: usize, ny: i32, xys: usize, wys: usize, len: i32, wjs: usize): void {
  let a0 = f32x4.splat(0);
  let t0: f32 = 0;
  const wj2 = wjs + wjs, wj3 = wj2 + wjs, wj4 = wj2 + wj2;
  const len4 = len >> 2;
  let xz = xp, wz = wp;
  for (let z = 0; z < nz; z++) {
    let xy = xz, wy = wz;
    for (let q = 0; q < ny; q++) {
      let xq = xy, wq = wy;
      for (let j = 0; j < len4; j++) {
        let w0 = v128.load32_splat(wq);
        w0 = v128.load32_lane(wq + wjs, w0, 1);
        w0 = v128.load32_lane(wq + wj2, w0, 2);
        w0 = v128.load32_lane(wq + wj3, w0, 3);
        a0 = fmadd(v128.load(xq), w0, a0);
        xq += 16; wq += wj4;
      }
      for (let j = len4 << 2; j < len; j++) {
        t0 += load<f32>(xq) * load<f32>(wq);
        xq += 4; wq += wjs;
      }
      xy += xys; wy += wys;
    }
    xz += xzs; wz += wzs;
  }
  const b0: f32 = bp != 0 ? load<f32>(bp) : 0;
  store<f32>(yp, b0 + conv_hsum(a0) + t0);
}

export function conv3d(x: usize, w: usize, bias: usize, y: usize, geom: usize): void {
  conv3dRows(x, w, bias, y, geom, 0, load<i32>(geom, 0) * load<i32>(geom, 60) * load<i32>(geom, 64));
}

// Output rows [r0, r1) of the flattened (b, oz, oy) axis: the unit a thread takes (threads.ts).
export function conv3dRows(x: usize, w: usize, bias: usize, y: usize, geom: usize, r0: i32, r1: i32): void {
  const n = load<i32>(geom, 0), d = load<i32>(geom, 4), h = load<i32>(geom, 8), wd = load<i32>(geom, 12);
  const cin = load<i32>(geom, 16), kd = load<i32>(geom, 20), kh = load<i32>(geom, 24), kw = load<i32>(geom, 28);
  const cout = load<i32>(geom, 32), sd = load<i32>(geom, 36), sh = load<i32>(geom, 40), sw = load<i32>(geom, 44);
  const pd = load<i32>(geom, 48), ph = load<i32>(geom, 52), pw = load<i32>(geom, 56);
  const od = load<i32>(geom, 60), oh = load<i32>(geom, 64), ow = load<i32>(geom, 68);

  const xys = <usize>wd * <usize>cin * 4;         // bytes per x row
  const xzs = xys * <usize>h;                      // bytes per x plane
  const wjs = <usize>cout * 4;                     // bytes per (kx, ci) step in w
  const wys = <usize>kw * <usize>cin * wjs;        // bytes per ky in w
  const wzs = wys * <usize>kh;                     // bytes per kz in w
  const xv = <usize>sw * <usize>cin * 4;           // bytes between consecutive output voxels in x
  const yv = <usize>cout * 4;
  const co8 = cout & ~7, co4 = cout & ~3;

  for (let r = r0; r < r1; r++) {
    const oy = r % oh, bz = r / oh, oz = bz % od, b = bz / od;
    {
      const iz0 = oz * sd - pd;
      const kz0 = max<i32>(0, -iz0), kz1 = min<i32>(kd, d - iz0);
      const nz = max<i32>(0, kz1 - kz0);
      {
        const iy0 = oy * sh - ph;
        const ky0 = max<i32>(0, -iy0), ky1 = min<i32>(kh, h - iy0);
        const ny = nz > 0 ? max<i32>(0, ky1 - ky0) : 0;
        const yrow = y + <usize>(((b * od + oz) * oh + oy) * ow) * yv;
        // Only dereferenced when nz, ny and len are all positive.
        const xrow = x + <usize>((b * d + iz0 + kz0) * h + iy0 + ky0) * xys;
        const wrow = w + <usize>kz0 * wzs + <usize>ky0 * wys;
        let ox = 0;
        while (ox < ow) {
          const ix0 = ox * sw - pw;
          const kx0 = max<i32>(0, -ix0), kx1 = min<i32>(kw, wd - ix0);
          let g = 1;
          if (ox + 4 <= ow) {
            const ix3 = ix0 + 3 * sw;
            if (max<i32>(0, -ix3) == kx0 && min<i32>(kw, wd - ix3) == kx1) g = 4;
          }
          const len = ny > 0 ? max<i32>(0, kx1 - kx0) * cin : 0;
          const xp = xrow + <usize>(ix0 + kx0) * <usize>cin * 4;
          const wp = wrow + <usize>kx0 * <usize>cin * wjs;
          const yp = yrow + <usize>ox * yv;
          if (g == 4) {
            let co = 0;
            for (; co < co8; co += 8) {
              const off = <usize>co << 2;
              conv_f4x8(xp, xv, wp + off, yp + off, yv, bias != 0 ? bias + off : 0, nz, xzs, wzs, ny, xys, wys, len, wjs);
            }
            if (co < co4) {
              const off = <usize>co << 2;
              conv_f4x4(xp, xv, wp + off, yp + off, yv, bias != 0 ? bias + off : 0, nz, xzs, wzs, ny, xys, wys, len, wjs);
              co += 4;
            }
            for (; co < cout; co++) {
              const off = <usize>co << 2;
              conv_f4x1(xp, xv, wp + off, yp + off, yv, bias != 0 ? bias + off : 0, nz, xzs, wzs, ny, xys, wys, len, wjs);
            }
          } else {
            let co = 0;
            for (; co < co8; co += 8) {
              const off = <usize>co << 2;
              conv_f1x8(xp, wp + off, yp + off, bias != 0 ? bias + off : 0, nz, xzs, wzs, ny, xys, wys, len, wjs);
            }
            if (co < co4) {
              const off = <usize>co << 2;
              conv_f1x4(xp, wp + off, yp + off, bias != 0 ? bias + off : 0, nz, xzs, wzs, ny, xys, wys, len, wjs);
              co += 4;
            }
            for (; co < cout; co++) {
              const off = <usize>co << 2;
              conv_f1x1(xp, wp + off, yp + off, bias != 0 ? bias + off : 0, nz, xzs, wzs, ny, xys, wys, len, wjs);
            }
          }
          ox += g;
        }
      }
    }
  }
}

// ---- input gradient (gather form) ------------------------------------------------------------
// dx[b, iz, iy, ix, ci] = sum over taps (kz, ky, kx) reaching an output voxel (oz, oy, ox) and over co
// of dy[b, oz, oy, ox, co] * w[kz, ky, kx, ci, co]. The taps reaching one input voxel form a strided
// set per axis (kk = k0, k0 + s, ...), along which the output index falls by one: both pointer
// steps are constant (the dy step is negative, written as a wrapping usize).
// Shared arguments: dyp/dyv = dy of voxel 0 for the first tap, bytes between voxels; wp = weight of
// that tap for the block's first ci (row of cout values), wci = bytes between ci rows;
// dxp/dxv = dx of voxel 0 for the first ci, bytes between voxels; tap counts and strides per axis;
// nco4 = number of f32x4 steps over co. The blocks ADD into dx (zeroed beforehand).

function conv_bi4x2(dyp: usize, dyv: usize, wp: usize, wci: usize, dxp: usize, dxv: usize,
  nz: i32, dyzs: usize, wzs: usize, ny: i32, dyys: usize, wys: usize, nx: i32, dyxs: usize, wxs: usize, nco4: i32): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
  const dyv2 = dyv + dyv, dyv3 = dyv2 + dyv;
  let gz = dyp, wz = wp;
  for (let z = 0; z < nz; z++) {
    let gy = gz, wy = wz;
    for (let q = 0; q < ny; q++) {
      let gx = gy, wx = wy;
      for (let r = 0; r < nx; r++) {
        let g = gx, ww = wx;
        for (let c = 0; c < nco4; c++) {
          const w0 = v128.load(ww), w1 = v128.load(ww + wci);
          let v = v128.load(g);
          a00 = fmadd(v, w0, a00); a01 = fmadd(v, w1, a01);
          v = v128.load(g + dyv);
          a10 = fmadd(v, w0, a10); a11 = fmadd(v, w1, a11);
          v = v128.load(g + dyv2);
          a20 = fmadd(v, w0, a20); a21 = fmadd(v, w1, a21);
          v = v128.load(g + dyv3);
          a30 = fmadd(v, w0, a30); a31 = fmadd(v, w1, a31);
          g += 16; ww += 16;
        }
        gx += dyxs; wx += wxs;
      }
      gy += dyys; wy += wys;
    }
    gz += dyzs; wz += wzs;
  }
  let p = dxp;
  store<f32>(p, load<f32>(p) + conv_hsum(a00)); store<f32>(p, load<f32>(p, 4) + conv_hsum(a01), 4); p += dxv;
  store<f32>(p, load<f32>(p) + conv_hsum(a10)); store<f32>(p, load<f32>(p, 4) + conv_hsum(a11), 4); p += dxv;
  store<f32>(p, load<f32>(p) + conv_hsum(a20)); store<f32>(p, load<f32>(p, 4) + conv_hsum(a21), 4); p += dxv;
  store<f32>(p, load<f32>(p) + conv_hsum(a30)); store<f32>(p, load<f32>(p, 4) + conv_hsum(a31), 4);
}

function conv_bi4x1(dyp: usize, dyv: usize, wp: usize, dxp: usize, dxv: usize,
  nz: i32, dyzs: usize, wzs: usize, ny: i32, dyys: usize, wys: usize, nx: i32, dyxs: usize, wxs: usize, nco4: i32): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  const dyv2 = dyv + dyv, dyv3 = dyv2 + dyv;
  let gz = dyp, wz = wp;
  for (let z = 0; z < nz; z++) {
    let gy = gz, wy = wz;
    for (let q = 0; q < ny; q++) {
      let gx = gy, wx = wy;
      for (let r = 0; r < nx; r++) {
        let g = gx, ww = wx;
        for (let c = 0; c < nco4; c++) {
          const w0 = v128.load(ww);
          a0 = fmadd(v128.load(g), w0, a0);
          a1 = fmadd(v128.load(g + dyv), w0, a1);
          a2 = fmadd(v128.load(g + dyv2), w0, a2);
          a3 = fmadd(v128.load(g + dyv3), w0, a3);
          g += 16; ww += 16;
        }
        gx += dyxs; wx += wxs;
      }
      gy += dyys; wy += wys;
    }
    gz += dyzs; wz += wzs;
  }
  let p = dxp;
  store<f32>(p, load<f32>(p) + conv_hsum(a0)); p += dxv;
  store<f32>(p, load<f32>(p) + conv_hsum(a1)); p += dxv;
  store<f32>(p, load<f32>(p) + conv_hsum(a2)); p += dxv;
  store<f32>(p, load<f32>(p) + conv_hsum(a3));
}

function conv_bi1x2(dyp: usize, wp: usize, wci: usize, dxp: usize,
  nz: i32, dyzs: usize, wzs: usize, ny: i32, dyys: usize, wys: usize, nx: i32, dyxs: usize, wxs: usize, nco4: i32): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  let gz = dyp, wz = wp;
  for (let z = 0; z < nz; z++) {
    let gy = gz, wy = wz;
    for (let q = 0; q < ny; q++) {
      let gx = gy, wx = wy;
      for (let r = 0; r < nx; r++) {
        let g = gx, ww = wx;
        for (let c = 0; c < nco4; c++) {
          const v = v128.load(g);
          a0 = fmadd(v, v128.load(ww), a0);
          a1 = fmadd(v, v128.load(ww + wci), a1);
          g += 16; ww += 16;
        }
        gx += dyxs; wx += wxs;
      }
      gy += dyys; wy += wys;
    }
    gz += dyzs; wz += wzs;
  }
  store<f32>(dxp, load<f32>(dxp) + conv_hsum(a0));
  store<f32>(dxp, load<f32>(dxp, 4) + conv_hsum(a1), 4);
}

function conv_bi1x1(dyp: usize, wp: usize, dxp: usize,
  nz: i32, dyzs: usize, wzs: usize, ny: i32, dyys: usize, wys: usize, nx: i32, dyxs: usize, wxs: usize, nco4: i32): void {
  let a0 = f32x4.splat(0);
  let gz = dyp, wz = wp;
  for (let z = 0; z < nz; z++) {
    let gy = gz, wy = wz;
    for (let q = 0; q < ny; q++) {
      let gx = gy, wx = wy;
      for (let r = 0; r < nx; r++) {
        let g = gx, ww = wx;
        for (let c = 0; c < nco4; c++) {
          a0 = fmadd(v128.load(g), v128.load(ww), a0);
          g += 16; ww += 16;
        }
        gx += dyxs; wx += wxs;
      }
      gy += dyys; wy += wys;
    }
    gz += dyzs; wz += wzs;
  }
  store<f32>(dxp, load<f32>(dxp) + conv_hsum(a0));
}

// The co remainder [co0, co0 + nco) (cout % 4 channels), vectorised over 4 consecutive ci instead:
// the strided weights w[tap, ci..ci+3, co] are gathered once per step and shared by the 4 voxels.
// wp = weight of the first tap at (ci, co0); dyp = dy of voxel 0 at co0; dxp = dx of voxel 0 at ci.
function conv_bit4x4(dyp: usize, dyv: usize, wp: usize, wci: usize, dxp: usize, dxv: usize,
  nz: i32, dyzs: usize, wzs: usize, ny: i32, dyys: usize, wys: usize, nx: i32, dyxs: usize, wxs: usize, nco: i32): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  const dyv2 = dyv + dyv, dyv3 = dyv2 + dyv;
  const wc2 = wci + wci, wc3 = wc2 + wci;
  let gz = dyp, wz = wp;
  for (let z = 0; z < nz; z++) {
    let gy = gz, wy = wz;
    for (let q = 0; q < ny; q++) {
      let gx = gy, wx = wy;
      for (let r = 0; r < nx; r++) {
        let g = gx, ww = wx;
        for (let c = 0; c < nco; c++) {
          let w0 = v128.load32_splat(ww);
          w0 = v128.load32_lane(ww + wci, w0, 1);
          w0 = v128.load32_lane(ww + wc2, w0, 2);
          w0 = v128.load32_lane(ww + wc3, w0, 3);
          a0 = fmadd(v128.load32_splat(g), w0, a0);
          a1 = fmadd(v128.load32_splat(g + dyv), w0, a1);
          a2 = fmadd(v128.load32_splat(g + dyv2), w0, a2);
          a3 = fmadd(v128.load32_splat(g + dyv3), w0, a3);
          g += 4; ww += 4;
        }
        gx += dyxs; wx += wxs;
      }
      gy += dyys; wy += wys;
    }
    gz += dyzs; wz += wzs;
  }
  let p = dxp;
  v128.store(p, f32x4.add(v128.load(p), a0)); p += dxv;
  v128.store(p, f32x4.add(v128.load(p), a1)); p += dxv;
  v128.store(p, f32x4.add(v128.load(p), a2)); p += dxv;
  v128.store(p, f32x4.add(v128.load(p), a3));
}

function conv_bit1x4(dyp: usize, wp: usize, wci: usize, dxp: usize,
  nz: i32, dyzs: usize, wzs: usize, ny: i32, dyys: usize, wys: usize, nx: i32, dyxs: usize, wxs: usize, nco: i32): void {
  let a0 = f32x4.splat(0);
  const wc2 = wci + wci, wc3 = wc2 + wci;
  let gz = dyp, wz = wp;
  for (let z = 0; z < nz; z++) {
    let gy = gz, wy = wz;
    for (let q = 0; q < ny; q++) {
      let gx = gy, wx = wy;
      for (let r = 0; r < nx; r++) {
        let g = gx, ww = wx;
        for (let c = 0; c < nco; c++) {
          let w0 = v128.load32_splat(ww);
          w0 = v128.load32_lane(ww + wci, w0, 1);
          w0 = v128.load32_lane(ww + wc2, w0, 2);
          w0 = v128.load32_lane(ww + wc3, w0, 3);
          a0 = fmadd(v128.load32_splat(g), w0, a0);
          g += 4; ww += 4;
        }
        gx += dyxs; wx += wxs;
      }
      gy += dyys; wy += wys;
    }
    gz += dyzs; wz += wzs;
  }
  v128.store(dxp, f32x4.add(v128.load(dxp), a0));
}

// Scalar remainder: co in [co0, cout) for one voxel, ci in [ci0, cin) (wci = bytes per ci row).
function conv_biTail(dyp: usize, wp: usize, wci: usize, dxp: usize, ci0: i32, cin: i32, co0: i32, cout: i32,
  nz: i32, dyzs: usize, wzs: usize, ny: i32, dyys: usize, wys: usize, nx: i32, dyxs: usize, wxs: usize): void {
  const off = <usize>co0 << 2;
  const nco = cout - co0;
  for (let ci = ci0; ci < cin; ci++) {
    let a: f32 = 0;
    let gz = dyp + off, wz = wp + <usize>ci * wci + off;
    for (let z = 0; z < nz; z++) {
      let gy = gz, wy = wz;
      for (let q = 0; q < ny; q++) {
        let gx = gy, wx = wy;
        for (let r = 0; r < nx; r++) {
          for (let c = 0; c < nco; c++) {
            const o = <usize>c << 2;
            a += load<f32>(gx + o) * load<f32>(wx + o);
          }
          gx += dyxs; wx += wxs;
        }
        gy += dyys; wy += wys;
      }
      gz += dyzs; wz += wzs;
    }
    const p = dxp + (<usize>ci << 2);
    store<f32>(p, load<f32>(p) + a);
  }
}

export function conv3dBackwardInput(dy: usize, w: usize, dx: usize, geom: usize): void {
  conv3dBackwardInputRows(dy, w, dx, geom, 0, load<i32>(geom, 0) * load<i32>(geom, 4) * load<i32>(geom, 8));
}

// Input rows [r0, r1) of the flattened (b, iz, iy) axis (zeroed, then gathered into).
export function conv3dBackwardInputRows(dy: usize, w: usize, dx: usize, geom: usize, r0: i32, r1: i32): void {
  const n = load<i32>(geom, 0), d = load<i32>(geom, 4), h = load<i32>(geom, 8), wd = load<i32>(geom, 12);
  const cin = load<i32>(geom, 16), kd = load<i32>(geom, 20), kh = load<i32>(geom, 24), kw = load<i32>(geom, 28);
  const cout = load<i32>(geom, 32), sd = load<i32>(geom, 36), sh = load<i32>(geom, 40), sw = load<i32>(geom, 44);
  const pd = load<i32>(geom, 48), ph = load<i32>(geom, 52), pw = load<i32>(geom, 56);
  const od = load<i32>(geom, 60), oh = load<i32>(geom, 64), ow = load<i32>(geom, 68);

  conv_zero(dx + <usize>r0 * <usize>wd * <usize>cin * 4, (r1 - r0) * wd * cin);

  const gv = <usize>cout * 4;                      // dy bytes per output voxel
  const gys = gv * <usize>ow;                      // dy bytes per output row
  const gzs = gys * <usize>oh;                     // dy bytes per output plane
  const wci = <usize>cout * 4;                     // w bytes per ci row
  const wxs1 = wci * <usize>cin;                   // w bytes per kx
  const wys1 = wxs1 * <usize>kw;                   // w bytes per ky
  const wzs1 = wys1 * <usize>kh;                   // w bytes per kz
  // Per tap step: kernel index +s, output index -1.
  const dyzs = <usize>0 - gzs, dyys = <usize>0 - gys, dyxs = <usize>0 - gv;
  const wzs = wzs1 * <usize>sd, wys = wys1 * <usize>sh, wxs = wxs1 * <usize>sw;
  const dxv1 = <usize>cin * 4;                     // dx bytes per input voxel
  const dxv = dxv1 * <usize>sw;                    // dx bytes between grouped voxels (same phase)
  const nco4 = cout >> 2, co4 = cout & ~3;
  const ci2 = cin & ~1, ci4 = cin & ~3;

  for (let r = r0; r < r1; r++) {
    const iy = r % h, bz = r / h, iz = bz % d, b = bz / d;
    {
      conv_taps(iz, pd, sd, kd, od);
      const kz0 = conv_k0, nz = conv_kn;
      if (nz == 0) continue;
      const oz0 = (iz + pd - kz0) / sd;
      {
        conv_taps(iy, ph, sh, kh, oh);
        const ky0 = conv_k0, ny = conv_kn;
        if (ny == 0) continue;
        const oy0 = (iy + ph - ky0) / sh;
        const dxrow = dx + <usize>((b * d + iz) * h + iy) * <usize>wd * dxv1;
        const dyrow = dy + <usize>(b * od + oz0) * gzs + <usize>oy0 * gys;
        const wrow = w + <usize>kz0 * wzs1 + <usize>ky0 * wys1;
        for (let phase = 0; phase < sw; phase++) {
          let ix = phase;
          while (ix < wd) {
            conv_taps(ix, pw, sw, kw, ow);
            const kx0 = conv_k0, nx = conv_kn;
            let g = 1;
            if (nx > 0 && ix + 3 * sw < wd) {
              conv_taps(ix + 3 * sw, pw, sw, kw, ow);
              if (conv_k0 == kx0 && conv_kn == nx) g = 4;
            }
            if (nx > 0) {
              const ox0 = (ix + pw - kx0) / sw;
              const dyp = dyrow + <usize>ox0 * gv;
              const wp = wrow + <usize>kx0 * wxs1;
              const dxp = dxrow + <usize>ix * dxv1;
              if (nco4 > 0) {
                if (g == 4) {
                  let ci = 0;
                  for (; ci < ci2; ci += 2) {
                    conv_bi4x2(dyp, gv, wp + <usize>ci * wci, wci, dxp + (<usize>ci << 2), dxv,
                      nz, dyzs, wzs, ny, dyys, wys, nx, dyxs, wxs, nco4);
                  }
                  if (ci < cin) {
                    conv_bi4x1(dyp, gv, wp + <usize>ci * wci, dxp + (<usize>ci << 2), dxv,
                      nz, dyzs, wzs, ny, dyys, wys, nx, dyxs, wxs, nco4);
                  }
                } else {
                  let ci = 0;
                  for (; ci < ci2; ci += 2) {
                    conv_bi1x2(dyp, wp + <usize>ci * wci, wci, dxp + (<usize>ci << 2),
                      nz, dyzs, wzs, ny, dyys, wys, nx, dyxs, wxs, nco4);
                  }
                  if (ci < cin) {
                    conv_bi1x1(dyp, wp + <usize>ci * wci, dxp + (<usize>ci << 2),
                      nz, dyzs, wzs, ny, dyys, wys, nx, dyxs, wxs, nco4);
                  }
                }
              }
              if (co4 < cout) {
                const coff = <usize>co4 << 2, nco = cout - co4;
                let ci = 0;
                for (; ci < ci4; ci += 4) {
                  if (g == 4) {
                    conv_bit4x4(dyp + coff, gv, wp + <usize>ci * wci + coff, wci, dxp + (<usize>ci << 2), dxv,
                      nz, dyzs, wzs, ny, dyys, wys, nx, dyxs, wxs, nco);
                  } else {
                    conv_bit1x4(dyp + coff, wp + <usize>ci * wci + coff, wci, dxp + (<usize>ci << 2),
                      nz, dyzs, wzs, ny, dyys, wys, nx, dyxs, wxs, nco);
                  }
                }
                if (ci < cin) {
                  for (let t = 0; t < g; t++) {
                    conv_biTail(dyp + <usize>t * gv, wp, wci, dxp + <usize>t * dxv, ci, cin, co4, cout,
                      nz, dyzs, wzs, ny, dyys, wys, nx, dyxs, wxs);
                  }
                }
              }
            }
            ix += g * sw;
          }
        }
      }
    }
  }
}

// ---- weight gradient -------------------------------------------------------------------------
// dw[kz, ky, kx, ci, co] = sum_{b, oz, oy, ox} x[b, oz*sd-pd+kz, oy*sh-ph+ky, ox*sw-pw+kx, ci] * dy[b, oz, oy, ox, co].
// Per (b, oz) and tap, the valid (oy, ox) form a rectangle; a block of ci x co sums over it in
// registers and adds into dw. Shared arguments: xp = x for the first (oy, ox) and the block's
// first ci, dyp = dy for the first (oy, ox) and the block's first co, dwp = dw of (ci, co),
// wci = dw bytes between ci rows; ny/nx with x strides xys/xxs and dy strides gys/gxs.

function conv_bw4x8(xp: usize, dyp: usize, dwp: usize, wci: usize,
  ny: i32, xys: usize, gys: usize, nx: i32, xxs: usize, gxs: usize): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
  let xy = xp, gy = dyp;
  for (let q = 0; q < ny; q++) {
    let xq = xy, g = gy;
    for (let r = 0; r < nx; r++) {
      const g0 = v128.load(g), g1 = v128.load(g, 16);
      let s = v128.load32_splat(xq);
      a00 = fmadd(s, g0, a00); a01 = fmadd(s, g1, a01);
      s = v128.load32_splat(xq, 4);
      a10 = fmadd(s, g0, a10); a11 = fmadd(s, g1, a11);
      s = v128.load32_splat(xq, 8);
      a20 = fmadd(s, g0, a20); a21 = fmadd(s, g1, a21);
      s = v128.load32_splat(xq, 12);
      a30 = fmadd(s, g0, a30); a31 = fmadd(s, g1, a31);
      xq += xxs; g += gxs;
    }
    xy += xys; gy += gys;
  }
  let p = dwp;
  v128.store(p, f32x4.add(v128.load(p), a00)); v128.store(p, f32x4.add(v128.load(p, 16), a01), 16); p += wci;
  v128.store(p, f32x4.add(v128.load(p), a10)); v128.store(p, f32x4.add(v128.load(p, 16), a11), 16); p += wci;
  v128.store(p, f32x4.add(v128.load(p), a20)); v128.store(p, f32x4.add(v128.load(p, 16), a21), 16); p += wci;
  v128.store(p, f32x4.add(v128.load(p), a30)); v128.store(p, f32x4.add(v128.load(p, 16), a31), 16);
}

function conv_bw4x4(xp: usize, dyp: usize, dwp: usize, wci: usize,
  ny: i32, xys: usize, gys: usize, nx: i32, xxs: usize, gxs: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let xy = xp, gy = dyp;
  for (let q = 0; q < ny; q++) {
    let xq = xy, g = gy;
    for (let r = 0; r < nx; r++) {
      const g0 = v128.load(g);
      a0 = fmadd(v128.load32_splat(xq), g0, a0);
      a1 = fmadd(v128.load32_splat(xq, 4), g0, a1);
      a2 = fmadd(v128.load32_splat(xq, 8), g0, a2);
      a3 = fmadd(v128.load32_splat(xq, 12), g0, a3);
      xq += xxs; g += gxs;
    }
    xy += xys; gy += gys;
  }
  let p = dwp;
  v128.store(p, f32x4.add(v128.load(p), a0)); p += wci;
  v128.store(p, f32x4.add(v128.load(p), a1)); p += wci;
  v128.store(p, f32x4.add(v128.load(p), a2)); p += wci;
  v128.store(p, f32x4.add(v128.load(p), a3));
}

// One output channel (a cout remainder) for 4 input channels: vectorised over the 4 contiguous ci.
function conv_bw4x1(xp: usize, dyp: usize, dwp: usize, wci: usize,
  ny: i32, xys: usize, gys: usize, nx: i32, xxs: usize, gxs: usize): void {
  let a0 = f32x4.splat(0);
  let xy = xp, gy = dyp;
  for (let q = 0; q < ny; q++) {
    let xq = xy, g = gy;
    for (let r = 0; r < nx; r++) {
      a0 = fmadd(v128.load(xq), v128.load32_splat(g), a0);
      xq += xxs; g += gxs;
    }
    xy += xys; gy += gys;
  }
  let p = dwp;
  store<f32>(p, load<f32>(p) + f32x4.extract_lane(a0, 0)); p += wci;
  store<f32>(p, load<f32>(p) + f32x4.extract_lane(a0, 1)); p += wci;
  store<f32>(p, load<f32>(p) + f32x4.extract_lane(a0, 2)); p += wci;
  store<f32>(p, load<f32>(p) + f32x4.extract_lane(a0, 3));
}

// Two input channels (a cin remainder, or the U-Net's first layer with cin = 2) x 16 output
// channels: 8 accumulators, 2 splats and 4 dy loads per step (a 1 x 8 block was load-bound at a
// quarter of the 4 x 8 block's rate).
function conv_bw2x16(xp: usize, dyp: usize, dwp: usize, wci: usize,
  ny: i32, xys: usize, gys: usize, nx: i32, xxs: usize, gxs: usize): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a02 = f32x4.splat(0), a03 = f32x4.splat(0);
  let a10 = f32x4.splat(0), a11 = f32x4.splat(0), a12 = f32x4.splat(0), a13 = f32x4.splat(0);
  let xy = xp, gy = dyp;
  for (let q = 0; q < ny; q++) {
    let xq = xy, g = gy;
    for (let r = 0; r < nx; r++) {
      const g0 = v128.load(g), g1 = v128.load(g, 16), g2 = v128.load(g, 32), g3 = v128.load(g, 48);
      let s = v128.load32_splat(xq);
      a00 = fmadd(s, g0, a00); a01 = fmadd(s, g1, a01); a02 = fmadd(s, g2, a02); a03 = fmadd(s, g3, a03);
      s = v128.load32_splat(xq, 4);
      a10 = fmadd(s, g0, a10); a11 = fmadd(s, g1, a11); a12 = fmadd(s, g2, a12); a13 = fmadd(s, g3, a13);
      xq += xxs; g += gxs;
    }
    xy += xys; gy += gys;
  }
  let p = dwp;
  v128.store(p, f32x4.add(v128.load(p), a00)); v128.store(p, f32x4.add(v128.load(p, 16), a01), 16);
  v128.store(p, f32x4.add(v128.load(p, 32), a02), 32); v128.store(p, f32x4.add(v128.load(p, 48), a03), 48);
  p += wci;
  v128.store(p, f32x4.add(v128.load(p), a10)); v128.store(p, f32x4.add(v128.load(p, 16), a11), 16);
  v128.store(p, f32x4.add(v128.load(p, 32), a12), 32); v128.store(p, f32x4.add(v128.load(p, 48), a13), 48);
}

function conv_bw1x8(xp: usize, dyp: usize, dwp: usize,
  ny: i32, xys: usize, gys: usize, nx: i32, xxs: usize, gxs: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  let xy = xp, gy = dyp;
  for (let q = 0; q < ny; q++) {
    let xq = xy, g = gy;
    for (let r = 0; r < nx; r++) {
      const s = v128.load32_splat(xq);
      a0 = fmadd(s, v128.load(g), a0);
      a1 = fmadd(s, v128.load(g, 16), a1);
      xq += xxs; g += gxs;
    }
    xy += xys; gy += gys;
  }
  v128.store(dwp, f32x4.add(v128.load(dwp), a0));
  v128.store(dwp, f32x4.add(v128.load(dwp, 16), a1), 16);
}

function conv_bw1x4(xp: usize, dyp: usize, dwp: usize,
  ny: i32, xys: usize, gys: usize, nx: i32, xxs: usize, gxs: usize): void {
  let a0 = f32x4.splat(0);
  let xy = xp, gy = dyp;
  for (let q = 0; q < ny; q++) {
    let xq = xy, g = gy;
    for (let r = 0; r < nx; r++) {
      a0 = fmadd(v128.load32_splat(xq), v128.load(g), a0);
      xq += xxs; g += gxs;
    }
    xy += xys; gy += gys;
  }
  v128.store(dwp, f32x4.add(v128.load(dwp), a0));
}

function conv_bw1x1(xp: usize, dyp: usize, dwp: usize,
  ny: i32, xys: usize, gys: usize, nx: i32, xxs: usize, gxs: usize): void {
  let a0: f32 = 0;
  let xy = xp, gy = dyp;
  for (let q = 0; q < ny; q++) {
    let xq = xy, g = gy;
    for (let r = 0; r < nx; r++) {
      a0 += load<f32>(xq) * load<f32>(g);
      xq += xxs; g += gxs;
    }
    xy += xys; gy += gys;
  }
  store<f32>(dwp, load<f32>(dwp) + a0);
}

export function conv3dBackwardWeight(x: usize, dy: usize, dw: usize, geom: usize): void {
  conv3dBackwardWeightRows(x, dy, dw, geom, 0, load<i32>(geom, 0) * load<i32>(geom, 60) * load<i32>(geom, 64), 0);
}

// The weight gradient of output rows [r0, r1) of the flattened (b, oz, oy) axis, written (not
// accumulated) into partial buffer `part` at dw + part * |dw|: threads write disjoint partials and the
// caller sums them in a fixed order, so the result does not depend on which thread ran which rows.
export function conv3dBackwardWeightRows(x: usize, dy: usize, dw: usize, geom: usize, r0: i32, r1: i32, part: i32): void {
  const n = load<i32>(geom, 0), d = load<i32>(geom, 4), h = load<i32>(geom, 8), wd = load<i32>(geom, 12);
  const cin = load<i32>(geom, 16), kd = load<i32>(geom, 20), kh = load<i32>(geom, 24), kw = load<i32>(geom, 28);
  const cout = load<i32>(geom, 32), sd = load<i32>(geom, 36), sh = load<i32>(geom, 40), sw = load<i32>(geom, 44);
  const pd = load<i32>(geom, 48), ph = load<i32>(geom, 52), pw = load<i32>(geom, 56);
  const od = load<i32>(geom, 60), oh = load<i32>(geom, 64), ow = load<i32>(geom, 68);

  dw += <usize>part * <usize>(kd * kh * kw * cin * cout) * 4;
  conv_zero(dw, kd * kh * kw * cin * cout);

  const xv1 = <usize>cin * 4;                      // x bytes per voxel
  const xrow = xv1 * <usize>wd;                    // x bytes per row
  const xplane = xrow * <usize>h;                  // x bytes per plane
  const xxs = xv1 * <usize>sw, xys = xrow * <usize>sh;
  const gxs = <usize>cout * 4;                     // dy bytes per output voxel
  const gys = gxs * <usize>ow;                     // dy bytes per output row
  const gzs = gys * <usize>oh;
  const wci = <usize>cout * 4;                     // dw bytes per ci row
  const wtap = wci * <usize>cin;                   // dw bytes per tap
  const ci4 = cin & ~3, co8 = cout & ~7, co4 = cout & ~3;

  for (let bz = r0 / oh; bz * oh < r1; bz++) {
    const oz = bz % od, b = bz / od;
    // This slab's rows of the plane.
    const rlo = max<i32>(0, r0 - bz * oh), rhi = min<i32>(oh, r1 - bz * oh);
    {
      const iz0 = oz * sd - pd;
      const kz0 = max<i32>(0, -iz0), kz1 = min<i32>(kd, d - iz0);
      const gplane = dy + <usize>(b * od + oz) * gzs;
      for (let kz = kz0; kz < kz1; kz++) {
        const xpl = x + <usize>(b * d + iz0 + kz) * xplane;
        for (let ky = 0; ky < kh; ky++) {
          const oy0 = max<i32>(rlo, conv_outLo(ph, ky, sh)), oy1 = min<i32>(rhi, conv_outHi(ph, ky, sh, h, oh));
          if (oy1 <= oy0) continue;
          const ny = oy1 - oy0;
          for (let kx = 0; kx < kw; kx++) {
            const ox0 = conv_outLo(pw, kx, sw), ox1 = conv_outHi(pw, kx, sw, wd, ow);
            if (ox1 <= ox0) continue;
            const nx = ox1 - ox0;
            const xp = xpl + <usize>(oy0 * sh - ph + ky) * xrow + <usize>(ox0 * sw - pw + kx) * xv1;
            const gp = gplane + <usize>oy0 * gys + <usize>ox0 * gxs;
            const wp = dw + <usize>((kz * kh + ky) * kw + kx) * wtap;
            let ci = 0;
            for (; ci < ci4; ci += 4) {
              const xc = xp + (<usize>ci << 2), wc = wp + <usize>ci * wci;
              let co = 0;
              for (; co < co8; co += 8) {
                const off = <usize>co << 2;
                conv_bw4x8(xc, gp + off, wc + off, wci, ny, xys, gys, nx, xxs, gxs);
              }
              if (co < co4) {
                const off = <usize>co << 2;
                conv_bw4x4(xc, gp + off, wc + off, wci, ny, xys, gys, nx, xxs, gxs);
                co += 4;
              }
              for (; co < cout; co++) {
                const off = <usize>co << 2;
                conv_bw4x1(xc, gp + off, wc + off, wci, ny, xys, gys, nx, xxs, gxs);
              }
            }
            const co16 = cout & ~15;
            for (; ci + 2 <= cin && co16 > 0; ci += 2) {
              const xc = xp + (<usize>ci << 2), wc = wp + <usize>ci * wci;
              for (let co = 0; co < co16; co += 16) {
                const off = <usize>co << 2;
                conv_bw2x16(xc, gp + off, wc + off, wci, ny, xys, gys, nx, xxs, gxs);
              }
              for (let c1 = ci; c1 < ci + 2; c1++) {
                const xc1 = xp + (<usize>c1 << 2), wc1 = wp + <usize>c1 * wci;
                let co = co16;
                for (; co < co8; co += 8) {
                  const off = <usize>co << 2;
                  conv_bw1x8(xc1, gp + off, wc1 + off, ny, xys, gys, nx, xxs, gxs);
                }
                if (co < co4) {
                  const off = <usize>co << 2;
                  conv_bw1x4(xc1, gp + off, wc1 + off, ny, xys, gys, nx, xxs, gxs);
                  co += 4;
                }
                for (; co < cout; co++) {
                  const off = <usize>co << 2;
                  conv_bw1x1(xc1, gp + off, wc1 + off, ny, xys, gys, nx, xxs, gxs);
                }
              }
            }
            for (; ci < cin; ci++) {
              const xc = xp + (<usize>ci << 2), wc = wp + <usize>ci * wci;
              let co = 0;
              for (; co < co8; co += 8) {
                const off = <usize>co << 2;
                conv_bw1x8(xc, gp + off, wc + off, ny, xys, gys, nx, xxs, gxs);
              }
              if (co < co4) {
                const off = <usize>co << 2;
                conv_bw1x4(xc, gp + off, wc + off, ny, xys, gys, nx, xxs, gxs);
                co += 4;
              }
              for (; co < cout; co++) {
                const off = <usize>co << 2;
                conv_bw1x1(xc, gp + off, wc + off, ny, xys, gys, nx, xxs, gxs);
              }
            }
          }
        }
      }
    }
  }
}

// ---- input gradient as a forward convolution (stride 1) --------------------------------------
// For stride 1 the input gradient is a convolution of dy with the kernel flipped in space and
// transposed in channels (padding k - 1 - p before), so it can run on the forward kernel, whose
// register blocking (4 voxels x 8 channels, long contiguous inner runs) is faster than the gather
// form's short loops over cout. This writes that kernel: out[kd-1-a, kh-1-b, kw-1-c, co, ci] = w[a, b, c, ci, co].
export function convFlipWeights(w: usize, out: usize, kd: i32, kh: i32, kw: i32, cin: i32, cout: i32): void {
  for (let a = 0; a < kd; a++) {
    for (let b = 0; b < kh; b++) {
      for (let c = 0; c < kw; c++) {
        const src = w + <usize>(((a * kh + b) * kw + c) * cin * cout) * 4;
        const dst = out + <usize>((((kd - 1 - a) * kh + (kh - 1 - b)) * kw + (kw - 1 - c)) * cin * cout) * 4;
        for (let ci = 0; ci < cin; ci++) {
          for (let co = 0; co < cout; co++) {
            store<f32>(dst + <usize>(co * cin + ci) * 4, load<f32>(src + <usize>(ci * cout + co) * 4));
          }
        }
      }
    }
  }
}
