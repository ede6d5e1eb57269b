// Prepended to every kernel (shaders/embed.mjs builds src/backend/webgpu/shader-sources.ts): the parameter block and
// the launch geometry shared by all kernels.
//
// Binding 0 is a 256-byte block of 32-bit words; each kernel documents its own layout. Word 0 is
// the first global thread of this launch (large tensors are processed in chunks, one launch per
// chunk) and word 1 the number of threads in the launch. Storage arrays bound to a launch are
// windows of the tensor's buffer; a kernel subtracts the window's first element where it indexes
// with global positions.
@group(0) @binding(0) var<uniform> P: array<vec4<u32>, 16>;

const WG: u32 = 256u;

fn pu(i: u32) -> u32 { return P[i >> 2u][i & 3u]; }
fn pi(i: u32) -> i32 { return bitcast<i32>(pu(i)); }
fn pf(i: u32) -> f32 { return bitcast<f32>(pu(i)); }

// Linear thread index of this launch: workgroups are laid out 2D when one row of 65535 is not enough.
fn lin(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 { return (wid.y * nwg.x + wid.x) * WG + lid.x; }
fn wgLin(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.y * nwg.x + wid.x; }
