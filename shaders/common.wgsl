// Prepended to every kernel (shaders/embed.mjs builds src/backend/webgpu/shader-sources.ts): the launch
// geometry shared by all kernels.
//
// Binding 0 holds the kernel's parameters: a kernel declares them as a struct named Params (fields u32, i32, f32)
// bound as `var<uniform> p: Params` (named; src/backend/webgpu/uniforms.ts packs a TypeScript object
// into it), or reads positional words through pu(i) (params_legacy.wgsl, prepended only to kernels
// without a Params struct). Storage arrays bound to a launch are windows of the tensor's buffer; a
// kernel subtracts the window's first element where it indexes with global positions.
const WG: u32 = 256u;

// Linear thread index of this launch: workgroups are laid out 2D when one row of 65535 is not enough.
fn lin(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 { return (wid.y * nwg.x + wid.x) * WG + lid.x; }
fn wgLin(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return wid.y * nwg.x + wid.x; }
