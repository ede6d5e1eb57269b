// Plain float64 reference implementations of the spatial-transformer kernels (assembly/warp.ts).
// Obvious loops, no imports from src/. Layout: channels-last, dense row-major; x [n, d, h, w, c],
// flow [n, d, h, w, 3] with components in (D, H, W) order, voxel units.
//
// Trilinear warp: sample location p = (z + u_z, y + u_y, x + u_x); zero padding per corner (each of
// the 8 corners outside the volume contributes 0), as PyTorch grid_sample(padding_mode='zeros',
// align_corners=True) in voxel units. Nearest warp: voxel floor(p + 0.5) per axis, `outside` when
// that voxel is outside the volume.

type Shape5 = readonly number[];

function dims(xShape: Shape5): [number, number, number, number, number] {
  if (xShape.length !== 5) throw new Error(`expected a 5-D shape [n, d, h, w, c], got [${xShape.join(', ')}]`);
  return [xShape[0]!, xShape[1]!, xShape[2]!, xShape[3]!, xShape[4]!];
}

/** y[b, z, y, x, ch] = trilinear sample of x[b, :, :, :, ch] at (z, y, x) + flow[b, z, y, x, :]. */
export function warpRef(x: Float64Array, xShape: number[], flow: Float64Array): Float64Array {
  const [n, d, h, w, c] = dims(xShape);
  const y = new Float64Array(n * d * h * w * c);
  const at = (b: number, z: number, yy: number, xx: number, ch: number): number => {
    if (z < 0 || z >= d || yy < 0 || yy >= h || xx < 0 || xx >= w) return 0;
    return x[(((b * d + z) * h + yy) * w + xx) * c + ch]!;
  };
  for (let b = 0; b < n; b++) {
    for (let z = 0; z < d; z++) {
      for (let yy = 0; yy < h; yy++) {
        for (let xx = 0; xx < w; xx++) {
          const vox = ((b * d + z) * h + yy) * w + xx;
          const pz = z + flow[vox * 3]!;
          const py = yy + flow[vox * 3 + 1]!;
          const px = xx + flow[vox * 3 + 2]!;
          const z0 = Math.floor(pz), y0 = Math.floor(py), x0 = Math.floor(px);
          const tz = pz - z0, ty = py - y0, tx = px - x0;
          for (let ch = 0; ch < c; ch++) {
            let s = 0;
            for (let i = 0; i < 2; i++) {
              for (let j = 0; j < 2; j++) {
                for (let k = 0; k < 2; k++) {
                  const wt = (i ? tz : 1 - tz) * (j ? ty : 1 - ty) * (k ? tx : 1 - tx);
                  s += wt * at(b, z0 + i, y0 + j, x0 + k, ch);
                }
              }
            }
            y[vox * c + ch] = s;
          }
        }
      }
    }
  }
  return y;
}

/**
 * Nearest-neighbour warp: y[b, z, y, x, ch] = x[b, floor(pz + 0.5), floor(py + 0.5), floor(px + 0.5), ch],
 * or `outside` when that voxel is outside the volume. Values are returned as float64.
 */
export function warpNearestRef(x: Float64Array | Int32Array, xShape: number[], flow: Float64Array, outside: number): Float64Array {
  const [n, d, h, w, c] = dims(xShape);
  const y = new Float64Array(n * d * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let z = 0; z < d; z++) {
      for (let yy = 0; yy < h; yy++) {
        for (let xx = 0; xx < w; xx++) {
          const vox = ((b * d + z) * h + yy) * w + xx;
          const qz = Math.floor(z + flow[vox * 3]! + 0.5);
          const qy = Math.floor(yy + flow[vox * 3 + 1]! + 0.5);
          const qx = Math.floor(xx + flow[vox * 3 + 2]! + 0.5);
          const ok = qz >= 0 && qz < d && qy >= 0 && qy < h && qx >= 0 && qx < w;
          for (let ch = 0; ch < c; ch++) {
            y[vox * c + ch] = ok ? x[(((b * d + qz) * h + qy) * w + qx) * c + ch]! : outside;
          }
        }
      }
    }
  }
  return y;
}

/** y = sum of x over the (2rd+1) x (2rh+1) x (2rw+1) window centred on each voxel, per channel, zero padding. */
export function boxSumRef(x: Float64Array, xShape: number[], radius: [number, number, number]): Float64Array {
  const [n, d, h, w, c] = dims(xShape);
  const [rd, rh, rw] = radius;
  const y = new Float64Array(n * d * h * w * c);
  for (let b = 0; b < n; b++) {
    for (let z = 0; z < d; z++) {
      for (let yy = 0; yy < h; yy++) {
        for (let xx = 0; xx < w; xx++) {
          for (let ch = 0; ch < c; ch++) {
            let s = 0;
            for (let k = z - rd; k <= z + rd; k++) {
              for (let j = yy - rh; j <= yy + rh; j++) {
                for (let i = xx - rw; i <= xx + rw; i++) {
                  if (k < 0 || k >= d || j < 0 || j >= h || i < 0 || i >= w) continue;
                  s += x[(((b * d + k) * h + j) * w + i) * c + ch]!;
                }
              }
            }
            y[(((b * d + z) * h + yy) * w + xx) * c + ch] = s;
          }
        }
      }
    }
  }
  return y;
}
