// Named kernel parameters. A kernel declares its parameters as a WGSL struct
//
//   struct Params { t0: u32, n: u32, scale: f32, offset: i32 }
//   @group(0) @binding(0) var<uniform> p: Params;
//
// and the op module that launches it passes a TypeScript object with exactly those names
// ({ t0, n, scale, offset }). The struct in the shader is the single source of the layout: it is
// parsed once per kernel, every field is a 4-byte scalar (u32, i32 or f32) packed in declaration
// order, and a missing or unknown name is an error naming the kernel and the field.
export type ParamType = 'u32' | 'i32' | 'f32';
export interface ParamField { name: string; type: ParamType }
export type Params = Readonly<Record<string, number>>;

/** Most fields a kernel may declare: one 256-byte uniform slot (the uniform offset alignment). */
export const MAX_PARAM_FIELDS = 64;

const cache = new Map<string, ParamField[] | null>();

/** The fields of `struct Params` in a kernel's source, or null when it declares none. */
export function paramLayout(kernel: string, source: string): ParamField[] | null {
  const hit = cache.get(kernel);
  if (hit !== undefined) return hit;
  const m = /^struct\s+Params\s*\{([^}]*)\}/m.exec(source);
  let fields: ParamField[] | null = null;
  if (m) {
    fields = [];
    for (const part of m[1]!.split(',')) {
      const f = part.replace(/\/\/.*$/gm, '').trim();
      if (!f) continue;
      const fm = /^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(u32|i32|f32)$/.exec(f);
      if (!fm) throw new Error(`webgpu kernel "${kernel}": struct Params field "${f}" must be "name: u32|i32|f32"`);
      fields.push({ name: fm[1]!, type: fm[2] as ParamType });
    }
    if (fields.length > MAX_PARAM_FIELDS) throw new Error(`webgpu kernel "${kernel}": struct Params has ${fields.length} fields (at most ${MAX_PARAM_FIELDS})`);
  }
  cache.set(kernel, fields);
  return fields;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Writes `values` into `out` (from word `at`) in the layout `fields`; names must match exactly. */
export function packParams(kernel: string, fields: readonly ParamField[], values: Params, out: Uint32Array, at: number): void {
  for (const k of Object.keys(values)) {
    if (!fields.some((f) => f.name === k)) throw new Error(`webgpu kernel "${kernel}": unknown parameter "${k}" (struct Params has ${fields.map((f) => f.name).join(', ')})`);
  }
  fields.forEach((f, i) => {
    const v = values[f.name];
    if (v === undefined) throw new Error(`webgpu kernel "${kernel}": parameter "${f.name}" is missing`);
    if (f.type === 'f32') { F32[0] = v; out[at + i] = U32[0]!; } else out[at + i] = v >>> 0;
  });
}
