// Pooling and upsampling by a factor of 1 or 2 per spatial axis, channels-last, and their adjoints.
//
// `geom` points to 11 i32: n, d, h, w, c, fd, fh, fw, od, oh, ow.
// - pool: window = stride = f per axis, od = floor(d / fd) (trailing voxels ignored);
//   op 0 = max, 1 = average. Max backward routes the gradient to the FIRST maximum of the window in
//   (z, y, x) scan order.
// - upsample: od = d * fd; mode 0 = nearest, 1 = linear (PyTorch align_corners=False along each
//   axis with f = 2: src = (o + 0.5) / 2 - 0.5 clamped >= 0, i0 = floor(src), i1 = min(i0 + 1, in - 1),
//   t = src - i0; separable product of the per-axis weights). Backward passes are exact adjoints.
// Every output is overwritten. Vectorised over channels (f32x4) with a scalar tail.
import { POOL_MAX } from './opcodes';

// ---- pooling ---------------------------------------------------------------------------------

export function pool(op: i32, x: usize, y: usize, geom: usize): void {
  const n = load<i32>(geom, 0), d = load<i32>(geom, 4), h = load<i32>(geom, 8), w = load<i32>(geom, 12);
  const c = load<i32>(geom, 16), fd = load<i32>(geom, 20), fh = load<i32>(geom, 24), fw = load<i32>(geom, 28);
  const od = load<i32>(geom, 32), oh = load<i32>(geom, 36), ow = load<i32>(geom, 40);
  const cv = <usize>c * 4;
  const xys = cv * <usize>w, xzs = xys * <usize>h;
  const c4 = c & ~3;
  const inv: f32 = 1.0 / <f32>(fd * fh * fw);
  const vinv = f32x4.splat(inv);
  let yp = y;
  for (let b = 0; b < n; b++) {
    for (let oz = 0; oz < od; oz++) {
      for (let oy = 0; oy < oh; oy++) {
        let xp = x + <usize>(b * d + oz * fd) * xzs + <usize>(oy * fh) * xys;
        for (let ox = 0; ox < ow; ox++) {
          let ch = 0;
          for (; ch < c4; ch += 4) {
            const p0 = xp + (<usize>ch << 2);
            let acc = v128.load(p0);
            for (let a = 0; a < fd; a++) {
              for (let q = 0; q < fh; q++) {
                for (let r = 0; r < fw; r++) {
                  if ((a | q | r) == 0) continue;
                  const v = v128.load(p0 + <usize>a * xzs + <usize>q * xys + <usize>r * cv);
                  acc = op == POOL_MAX ? f32x4.max(acc, v) : f32x4.add(acc, v);
                }
              }
            }
            if (op != POOL_MAX) acc = f32x4.mul(acc, vinv);
            v128.store(yp + (<usize>ch << 2), acc);
          }
          for (; ch < c; ch++) {
            const p0 = xp + (<usize>ch << 2);
            let acc = load<f32>(p0);
            for (let a = 0; a < fd; a++) {
              for (let q = 0; q < fh; q++) {
                for (let r = 0; r < fw; r++) {
                  if ((a | q | r) == 0) continue;
                  const v = load<f32>(p0 + <usize>a * xzs + <usize>q * xys + <usize>r * cv);
                  acc = op == POOL_MAX ? max<f32>(acc, v) : acc + v;
                }
              }
            }
            if (op != POOL_MAX) acc *= inv;
            store<f32>(yp + (<usize>ch << 2), acc);
          }
          xp += <usize>fw * cv;
          yp += cv;
        }
      }
    }
  }
}

export function poolBackward(op: i32, x: usize, dy: usize, dx: usize, geom: usize): void {
  const n = load<i32>(geom, 0), d = load<i32>(geom, 4), h = load<i32>(geom, 8), w = load<i32>(geom, 12);
  const c = load<i32>(geom, 16), fd = load<i32>(geom, 20), fh = load<i32>(geom, 24), fw = load<i32>(geom, 28);
  const od = load<i32>(geom, 32), oh = load<i32>(geom, 36), ow = load<i32>(geom, 40);
  const cv = <usize>c * 4;
  const xys = cv * <usize>w, xzs = xys * <usize>h;
  const c4 = c & ~3;
  const inv: f32 = 1.0 / <f32>(fd * fh * fw);
  const vinv = f32x4.splat(inv);
  // Voxels beyond od * fd (etc.) receive nothing.
  memory.fill(dx, 0, <usize>n * <usize>d * xzs);
  let gp = dy;
  for (let b = 0; b < n; b++) {
    for (let oz = 0; oz < od; oz++) {
      for (let oy = 0; oy < oh; oy++) {
        const off0 = <usize>(b * d + oz * fd) * xzs + <usize>(oy * fh) * xys;
        let xp = x + off0, dp = dx + off0;
        for (let ox = 0; ox < ow; ox++) {
          let ch = 0;
          for (; ch < c4; ch += 4) {
            const co = <usize>ch << 2;
            const g = v128.load(gp + co);
            if (op == POOL_MAX) {
              // Index (scan order) of the first maximum per lane: only a strictly greater value moves it.
              let best = v128.load(xp + co);
              let idx = i32x4.splat(0);
              let e = 0;
              for (let a = 0; a < fd; a++) {
                for (let q = 0; q < fh; q++) {
                  for (let r = 0; r < fw; r++) {
                    if (e > 0) {
                      const v = v128.load(xp + co + <usize>a * xzs + <usize>q * xys + <usize>r * cv);
                      const m = f32x4.gt(v, best);
                      best = v128.bitselect(v, best, m);
                      idx = v128.bitselect(i32x4.splat(e), idx, m);
                    }
                    e++;
                  }
                }
              }
              e = 0;
              for (let a = 0; a < fd; a++) {
                for (let q = 0; q < fh; q++) {
                  for (let r = 0; r < fw; r++) {
                    const m = i32x4.eq(idx, i32x4.splat(e));
                    v128.store(dp + co + <usize>a * xzs + <usize>q * xys + <usize>r * cv, v128.and(g, m));
                    e++;
                  }
                }
              }
            } else {
              const v = f32x4.mul(g, vinv);
              for (let a = 0; a < fd; a++) {
                for (let q = 0; q < fh; q++) {
                  for (let r = 0; r < fw; r++) {
                    v128.store(dp + co + <usize>a * xzs + <usize>q * xys + <usize>r * cv, v);
                  }
                }
              }
            }
          }
          for (; ch < c; ch++) {
            const co = <usize>ch << 2;
            const g = load<f32>(gp + co);
            if (op == POOL_MAX) {
              let best = load<f32>(xp + co);
              let bo: usize = 0;
              for (let a = 0; a < fd; a++) {
                for (let q = 0; q < fh; q++) {
                  for (let r = 0; r < fw; r++) {
                    const o = <usize>a * xzs + <usize>q * xys + <usize>r * cv;
                    const v = load<f32>(xp + co + o);
                    if (v > best) { best = v; bo = o; }
                  }
                }
              }
              store<f32>(dp + co + bo, g);
            } else {
              const v = g * inv;
              for (let a = 0; a < fd; a++) {
                for (let q = 0; q < fh; q++) {
                  for (let r = 0; r < fw; r++) {
                    store<f32>(dp + co + <usize>a * xzs + <usize>q * xys + <usize>r * cv, v);
                  }
                }
              }
            }
          }
          xp += <usize>fw * cv;
          dp += <usize>fw * cv;
          gp += cv;
        }
      }
    }
  }
}

// ---- upsampling ------------------------------------------------------------------------------

// Linear taps of one output index along one axis (module globals: nothing may be allocated):
// source indices pool_i0, pool_i1 with weights 1 - pool_t, pool_t; pool_nt = 1 when t == 0.
let pool_i0: i32 = 0;
let pool_i1: i32 = 0;
let pool_t: f32 = 0;
let pool_nt: i32 = 1;

@inline function pool_linTaps(o: i32, size: i32, f: i32): void {
  if (f == 1) {
    pool_i0 = o; pool_i1 = o; pool_t = 0; pool_nt = 1;
    return;
  }
  let src = (<f32>o + 0.5) * 0.5 - 0.5;
  if (src < 0) src = 0;
  const i0 = <i32>Mathf.floor(src);
  pool_i0 = i0;
  pool_i1 = min<i32>(i0 + 1, size - 1);
  pool_t = src - <f32>i0;
  pool_nt = pool_t == 0 ? 1 : 2;
}

export function upsample(mode: i32, x: usize, y: usize, geom: usize): void {
  const n = load<i32>(geom, 0), d = load<i32>(geom, 4), h = load<i32>(geom, 8), w = load<i32>(geom, 12);
  const c = load<i32>(geom, 16), fd = load<i32>(geom, 20), fh = load<i32>(geom, 24), fw = load<i32>(geom, 28);
  const od = load<i32>(geom, 32), oh = load<i32>(geom, 36), ow = load<i32>(geom, 40);
  const cv = <usize>c * 4;
  const xys = cv * <usize>w, xzs = xys * <usize>h;
  const c4 = c & ~3;
  let yp = y;
  if (mode == 0) {
    // Nearest: each output voxel copies its source voxel.
    for (let b = 0; b < n; b++) {
      for (let oz = 0; oz < od; oz++) {
        for (let oy = 0; oy < oh; oy++) {
          const xrow = x + <usize>(b * d + oz / fd) * xzs + <usize>(oy / fh) * xys;
          for (let ox = 0; ox < ow; ox++) {
            memory.copy(yp, xrow + <usize>(ox / fw) * cv, cv);
            yp += cv;
          }
        }
      }
    }
    return;
  }
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>(b * d) * xzs;
    for (let oz = 0; oz < od; oz++) {
      pool_linTaps(oz, d, fd);
      const z0 = <usize>pool_i0 * xzs, z1 = <usize>pool_i1 * xzs, tz = pool_t, nz = pool_nt;
      for (let oy = 0; oy < oh; oy++) {
        pool_linTaps(oy, h, fh);
        const y0 = <usize>pool_i0 * xys, y1 = <usize>pool_i1 * xys, ty = pool_t, ny = pool_nt;
        for (let ox = 0; ox < ow; ox++) {
          pool_linTaps(ox, w, fw);
          const x0 = <usize>pool_i0 * cv, x1 = <usize>pool_i1 * cv, tx = pool_t, nx = pool_nt;
          let ch = 0;
          for (; ch < c4; ch += 4) {
            const co = <usize>ch << 2;
            let acc = f32x4.splat(0);
            for (let a = 0; a < nz; a++) {
              const pz = xb + co + (a == 0 ? z0 : z1);
              const wz: f32 = a == 0 ? 1 - tz : tz;
              for (let q = 0; q < ny; q++) {
                const py = pz + (q == 0 ? y0 : y1);
                const wzy: f32 = wz * (q == 0 ? 1 - ty : ty);
                for (let r = 0; r < nx; r++) {
                  const wt: f32 = wzy * (r == 0 ? 1 - tx : tx);
                  acc = f32x4.add(acc, f32x4.mul(f32x4.splat(wt), v128.load(py + (r == 0 ? x0 : x1))));
                }
              }
            }
            v128.store(yp + co, acc);
          }
          for (; ch < c; ch++) {
            const co = <usize>ch << 2;
            let acc: f32 = 0;
            for (let a = 0; a < nz; a++) {
              const pz = xb + co + (a == 0 ? z0 : z1);
              const wz: f32 = a == 0 ? 1 - tz : tz;
              for (let q = 0; q < ny; q++) {
                const py = pz + (q == 0 ? y0 : y1);
                const wzy: f32 = wz * (q == 0 ? 1 - ty : ty);
                for (let r = 0; r < nx; r++) {
                  const wt: f32 = wzy * (r == 0 ? 1 - tx : tx);
                  acc += wt * load<f32>(py + (r == 0 ? x0 : x1));
                }
              }
            }
            store<f32>(yp + co, acc);
          }
          yp += cv;
        }
      }
    }
  }
}

export function upsampleBackward(mode: i32, dy: usize, dx: usize, geom: usize): void {
  const n = load<i32>(geom, 0), d = load<i32>(geom, 4), h = load<i32>(geom, 8), w = load<i32>(geom, 12);
  const c = load<i32>(geom, 16), fd = load<i32>(geom, 20), fh = load<i32>(geom, 24), fw = load<i32>(geom, 28);
  const od = load<i32>(geom, 32), oh = load<i32>(geom, 36), ow = load<i32>(geom, 40);
  const cv = <usize>c * 4;
  const xys = cv * <usize>w, xzs = xys * <usize>h;
  const gys = cv * <usize>ow, gzs = gys * <usize>oh;
  const c4 = c & ~3;
  if (mode == 0) {
    // Nearest (gather form): each input voxel sums the fd * fh * fw output voxels it was copied to.
    let dp = dx;
    for (let b = 0; b < n; b++) {
      for (let iz = 0; iz < d; iz++) {
        for (let iy = 0; iy < h; iy++) {
          const grow = dy + <usize>(b * od + iz * fd) * gzs + <usize>(iy * fh) * gys;
          for (let ix = 0; ix < w; ix++) {
            const g0 = grow + <usize>(ix * fw) * cv;
            let ch = 0;
            for (; ch < c4; ch += 4) {
              const co = <usize>ch << 2;
              let acc = f32x4.splat(0);
              for (let a = 0; a < fd; a++) {
                for (let q = 0; q < fh; q++) {
                  for (let r = 0; r < fw; r++) {
                    acc = f32x4.add(acc, v128.load(g0 + co + <usize>a * gzs + <usize>q * gys + <usize>r * cv));
                  }
                }
              }
              v128.store(dp + co, acc);
            }
            for (; ch < c; ch++) {
              const co = <usize>ch << 2;
              let acc: f32 = 0;
              for (let a = 0; a < fd; a++) {
                for (let q = 0; q < fh; q++) {
                  for (let r = 0; r < fw; r++) {
                    acc += load<f32>(g0 + co + <usize>a * gzs + <usize>q * gys + <usize>r * cv);
                  }
                }
              }
              store<f32>(dp + co, acc);
            }
            dp += cv;
          }
        }
      }
    }
    return;
  }
  // Linear (scatter form): each output voxel adds its weighted gradient to its source taps.
  memory.fill(dx, 0, <usize>n * <usize>d * xzs);
  let gp = dy;
  for (let b = 0; b < n; b++) {
    const xb = dx + <usize>(b * d) * xzs;
    for (let oz = 0; oz < od; oz++) {
      pool_linTaps(oz, d, fd);
      const z0 = <usize>pool_i0 * xzs, z1 = <usize>pool_i1 * xzs, tz = pool_t, nz = pool_nt;
      for (let oy = 0; oy < oh; oy++) {
        pool_linTaps(oy, h, fh);
        const y0 = <usize>pool_i0 * xys, y1 = <usize>pool_i1 * xys, ty = pool_t, ny = pool_nt;
        for (let ox = 0; ox < ow; ox++) {
          pool_linTaps(ox, w, fw);
          const x0 = <usize>pool_i0 * cv, x1 = <usize>pool_i1 * cv, tx = pool_t, nx = pool_nt;
          for (let a = 0; a < nz; a++) {
            const pz = xb + (a == 0 ? z0 : z1);
            const wz: f32 = a == 0 ? 1 - tz : tz;
            for (let q = 0; q < ny; q++) {
              const py = pz + (q == 0 ? y0 : y1);
              const wzy: f32 = wz * (q == 0 ? 1 - ty : ty);
              for (let r = 0; r < nx; r++) {
                const wt: f32 = wzy * (r == 0 ? 1 - tx : tx);
                const px = py + (r == 0 ? x0 : x1);
                const vw = f32x4.splat(wt);
                let ch = 0;
                for (; ch < c4; ch += 4) {
                  const co = <usize>ch << 2;
                  v128.store(px + co, f32x4.add(v128.load(px + co), f32x4.mul(vw, v128.load(gp + co))));
                }
                for (; ch < c; ch++) {
                  const co = <usize>ch << 2;
                  store<f32>(px + co, load<f32>(px + co) + wt * load<f32>(gp + co));
                }
              }
            }
          }
          gp += cv;
        }
      }
    }
  }
}
