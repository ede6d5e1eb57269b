// Prepended to every kernel (shaders/embed.mjs builds src/backend/webgpu/shader-sources.ts): the launch
// geometry shared by all kernels.
//
// Binding 0 holds the kernel's parameters: every kernel declares them as a struct named Params (fields
// u32, i32, f32, or array<vec4<..>, K> for rank-6 shapes) bound as `var<uniform> p: Params`;
// src/backend/webgpu/uniforms.ts packs a TypeScript object into it by name. Storage arrays bound to a
// launch are windows of the tensor's buffer; a kernel subtracts the window's first element where it
// indexes with global positions.
const WG: u32 = 256u;

// Linear thread index of this launch: workgroups are laid out 2D when one row of 65535 is not enough.
fn lin(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 { return (wid.y * nwg.x + wid.x) * WG + lid.x; }
fn wgLin(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.y * nwg.x + wid.x; }

// Exact u32 quotient a / b (b > 0, a < 2^31, b < 2^23) without integer division: a float estimate,
// corrected with the exact remainder twice. CPU adapters (lavapipe) scalarize vector integer division
// (one divide per lane, tens of cycles each), which made the conv loaders' index arithmetic the main
// cost of a training step there; on GPUs this is about as fast as the emulated u32 divide.
fn qdiv(a: u32, b: u32) -> u32 {
  let fb = f32(b);
  var q = u32(max(f32(a) / fb, 0.0));
  q = u32(i32(q) + i32(floor(f32(i32(a - q * b)) / fb)));
  let r = i32(a - q * b);
  if (r < 0) { q -= 1u; } else if (r >= i32(b)) { q += 1u; }
  return q;
}
// (a / b, a % b) as qdiv.
fn qdm(a: u32, b: u32) -> vec2<u32> { let q = qdiv(a, b); return vec2<u32>(q, a - q * b); }
