// Reference 3D convolution in float64: obvious nested loops, independent of src/.
// Layout: x [n, d, h, w, cin] channels-last, weights [kd, kh, kw, cin, cout], y [n, od, oh, ow, cout].

/** Output size and zero padding before, per axis. 'same' follows TensorFlow (extra padding after). */
export function convPadding(inSize: number, k: number, stride: number, padding: 'same' | 'valid'): { out: number; before: number } {
  if (padding === 'valid') {
    return { out: Math.floor((inSize - k) / stride) + 1, before: 0 };
  }
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + k - inSize, 0);
  return { out, before: Math.floor(total / 2) };
}

/** A shape of exactly five dimensions, as a tuple (also checks the rank). */
function dims5(shape: number[], what: string): [number, number, number, number, number] {
  if (shape.length !== 5) throw new Error(`conv3dRef: ${what} must have rank 5, got [${shape.join(', ')}]`);
  return [shape[0]!, shape[1]!, shape[2]!, shape[3]!, shape[4]!];
}

export function conv3dRef(
  x: Float64Array,
  xShape: number[],
  w: Float64Array,
  wShape: number[],
  bias: Float64Array | null,
  stride: [number, number, number],
  padding: 'same' | 'valid',
): { y: Float64Array; shape: number[] } {
  const [n, d, h, wd, cin] = dims5(xShape, 'x');
  const [kd, kh, kw, wcin, cout] = dims5(wShape, 'w');
  if (wcin !== cin) throw new Error(`conv3dRef: weight cin ${wcin} != input cin ${cin}`);
  const [sd, sh, sw] = stride;
  const pz = convPadding(d, kd, sd, padding);
  const py = convPadding(h, kh, sh, padding);
  const px = convPadding(wd, kw, sw, padding);
  const od = pz.out, oh = py.out, ow = px.out;
  const y = new Float64Array(n * od * oh * ow * cout);
  for (let b = 0; b < n; b++) {
    for (let oz = 0; oz < od; oz++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          for (let co = 0; co < cout; co++) {
            let sum = bias ? bias[co]! : 0;
            for (let kz = 0; kz < kd; kz++) {
              const iz = oz * sd - pz.before + kz;
              if (iz < 0 || iz >= d) continue;
              for (let ky = 0; ky < kh; ky++) {
                const iy = oy * sh - py.before + ky;
                if (iy < 0 || iy >= h) continue;
                for (let kx = 0; kx < kw; kx++) {
                  const ix = ox * sw - px.before + kx;
                  if (ix < 0 || ix >= wd) continue;
                  for (let ci = 0; ci < cin; ci++) {
                    const xv = x[(((b * d + iz) * h + iy) * wd + ix) * cin + ci]!;
                    const wv = w[(((kz * kh + ky) * kw + kx) * cin + ci) * cout + co]!;
                    sum += xv * wv;
                  }
                }
              }
            }
            y[(((b * od + oz) * oh + oy) * ow + ox) * cout + co] = sum;
          }
        }
      }
    }
  }
  return { y, shape: [n, od, oh, ow, cout] };
}
