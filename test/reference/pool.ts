// Reference pooling and upsampling in float64: obvious nested loops, independent of src/.
// Layout: x [n, d, h, w, c] channels-last; per spatial axis a factor of 1 or 2.

/** A shape of exactly five dimensions, as a tuple (also checks the rank). */
function dims5(shape: number[]): [number, number, number, number, number] {
  if (shape.length !== 5) throw new Error(`expected a rank-5 shape [n, d, h, w, c], got [${shape.join(', ')}]`);
  return [shape[0]!, shape[1]!, shape[2]!, shape[3]!, shape[4]!];
}

/** Max or average pooling with window = stride = factor per axis; output size floor(in / factor). */
export function poolRef(
  op: 'max' | 'avg',
  x: Float64Array,
  xShape: number[],
  factors: [number, number, number],
): { y: Float64Array; shape: number[] } {
  const [n, d, h, w, c] = dims5(xShape);
  const [fd, fh, fw] = factors;
  const od = Math.floor(d / fd), oh = Math.floor(h / fh), ow = Math.floor(w / fw);
  const y = new Float64Array(n * od * oh * ow * c);
  const count = fd * fh * fw;
  for (let b = 0; b < n; b++) {
    for (let oz = 0; oz < od; oz++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          for (let ch = 0; ch < c; ch++) {
            let acc = op === 'max' ? -Infinity : 0;
            for (let dz = 0; dz < fd; dz++) {
              for (let dy = 0; dy < fh; dy++) {
                for (let dx = 0; dx < fw; dx++) {
                  const iz = oz * fd + dz, iy = oy * fh + dy, ix = ox * fw + dx;
                  const v = x[(((b * d + iz) * h + iy) * w + ix) * c + ch]!;
                  if (op === 'max') acc = Math.max(acc, v);
                  else acc += v;
                }
              }
            }
            y[(((b * od + oz) * oh + oy) * ow + ox) * c + ch] = op === 'max' ? acc : acc / count;
          }
        }
      }
    }
  }
  return { y, shape: [n, od, oh, ow, c] };
}

/** Source taps of output index o along one axis: [index, weight] pairs. */
function upsampleTaps(mode: 'nearest' | 'linear', o: number, inSize: number, factor: number): Array<[number, number]> {
  if (factor === 1) return [[o, 1]];
  if (mode === 'nearest') return [[Math.floor(o / factor), 1]];
  // PyTorch linear interpolation, align_corners=False.
  const src = Math.max((o + 0.5) / factor - 0.5, 0);
  const i0 = Math.floor(src);
  const i1 = Math.min(i0 + 1, inSize - 1);
  const t = src - i0;
  return [[i0, 1 - t], [i1, t]];
}

/** Nearest or (tri)linear upsampling by the per-axis factor; output size in * factor. */
export function upsampleRef(
  mode: 'nearest' | 'linear',
  x: Float64Array,
  xShape: number[],
  factors: [number, number, number],
): { y: Float64Array; shape: number[] } {
  const [n, d, h, w, c] = dims5(xShape);
  const [fd, fh, fw] = factors;
  const od = d * fd, oh = h * fh, ow = w * fw;
  const y = new Float64Array(n * od * oh * ow * c);
  for (let b = 0; b < n; b++) {
    for (let oz = 0; oz < od; oz++) {
      const tz = upsampleTaps(mode, oz, d, fd);
      for (let oy = 0; oy < oh; oy++) {
        const ty = upsampleTaps(mode, oy, h, fh);
        for (let ox = 0; ox < ow; ox++) {
          const tx = upsampleTaps(mode, ox, w, fw);
          for (let ch = 0; ch < c; ch++) {
            let acc = 0;
            for (const [iz, wz] of tz) {
              for (const [iy, wy] of ty) {
                for (const [ix, wx] of tx) {
                  acc += wz * wy * wx * x[(((b * d + iz) * h + iy) * w + ix) * c + ch]!;
                }
              }
            }
            y[(((b * od + oz) * oh + oy) * ow + ox) * c + ch] = acc;
          }
        }
      }
    }
  }
  return { y, shape: [n, od, oh, ow, c] };
}
