// Convolution geometry (words 4..21, the order of src/backend/backend.ts ConvGeometry):
// n, d, h, w, cin, kd, kh, kw, cout, sd, sh, sw, pd, ph, pw, od, oh, ow.
fn G(i: u32) -> u32 { return pu(4u + i); }
fn Gi(i: u32) -> i32 { return pi(4u + i); }
