// Positional parameters, prepended to the kernels that do not declare `struct Params` (the older
// one-thread-per-element kernels): binding 0 is a 256-byte block of 32-bit words, each kernel
// documents its own layout. Word 0 is the first global thread of this launch (large tensors are
// processed in chunks, one launch per chunk) and word 1 the number of threads in the launch.
@group(0) @binding(0) var<uniform> P: array<vec4<u32>, 16>;
fn pu(i: u32) -> u32 { return P[i >> 2u][i & 3u]; }
fn pi(i: u32) -> i32 { return bitcast<i32>(pu(i)); }
fn pf(i: u32) -> f32 { return bitcast<f32>(pu(i)); }
// Convolution geometry (words 4..21, the order of src/backend/backend.ts ConvGeometry):
// n, d, h, w, cin, kd, kh, kw, cout, sd, sh, sw, pd, ph, pw, od, oh, ow.
fn G(i: u32) -> u32 { return pu(4u + i); }
fn Gi(i: u32) -> i32 { return pi(4u + i); }
// Resampling geometry (words 2..12): n, d, h, w, c, fd, fh, fw, od, oh, ow.
fn R(i: u32) -> u32 { return pu(2u + i); }
// Warp shape words: 4 n, 5 d, 6 h, 7 w, 8 c.
fn WS(i: u32) -> u32 { return pu(4u + i); }
