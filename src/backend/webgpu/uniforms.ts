// Named kernel parameters. A kernel declares its parameters as a WGSL struct
//
//   struct Params { t0: u32, n: u32, scale: f32, offset: i32, shape: array<vec4<u32>, 2> }
//   @group(0) @binding(0) var<uniform> p: Params;
//
// and the op module that launches it passes a TypeScript object with exactly those names
// ({ t0, n, scale, offset, shape: [..] }). The struct in the shader is the single source of the
// layout: it is parsed once per kernel; scalar fields (u32, i32, f32) take 4 bytes, vector-array fields
// (array<vec4<u32|i32|f32>, K>: up to 4K values indexed p.shape[k >> 2u][k & 3u], for the rank-6
// shapes and strides) start at a 16-byte boundary, as WGSL's uniform layout requires; a missing or
// unknown name, or an array too long, is an error naming the kernel and the field.
export type ParamType = 'u32' | 'i32' | 'f32';
export interface ParamField {
  name: string;
  type: ParamType;
  /** Word offset in the uniform block. */
  offset: number;
  /** Values the field holds: 1 for a scalar, 4K for array<vec4<T>, K>. */
  length: number;
  array: boolean;
}
export type Params = Readonly<Record<string, number | readonly number[]>>;

/** Most words a kernel's parameters may take: one 256-byte uniform slot (the uniform offset alignment). */
export const MAX_PARAM_WORDS = 64;

const cache = new Map<string, ParamField[] | null>();

/** The fields of `struct Params` in a kernel's source, or null when it declares none. */
export function paramLayout(kernel: string, source: string): ParamField[] | null {
  const hit = cache.get(kernel);
  if (hit !== undefined) return hit;
  const m = /^struct\s+Params\s*\{([^}]*)\}/m.exec(source);
  let fields: ParamField[] | null = null;
  if (m) {
    fields = [];
    let at = 0;
    // split on commas outside <...>
    const parts = m[1]!.replace(/\/\/.*$/gm, '').split(/,(?![^<]*>)/);
    for (const part of parts) {
      const f = part.trim();
      if (!f) continue;
      const fm = /^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(?:(u32|i32|f32)|array<\s*vec4<\s*(u32|i32|f32)\s*>\s*,\s*(\d+)u?\s*>)$/.exec(f);
      if (!fm) throw new Error(`webgpu kernel "${kernel}": struct Params field "${f}" must be "name: u32|i32|f32" or "name: array<vec4<u32|i32|f32>, K>"`);
      if (fm[2]) {
        fields.push({ name: fm[1]!, type: fm[2] as ParamType, offset: at, length: 1, array: false });
        at += 1;
      } else {
        at = Math.ceil(at / 4) * 4;
        const length = 4 * Number(fm[4]);
        fields.push({ name: fm[1]!, type: fm[3] as ParamType, offset: at, length, array: true });
        at += length;
      }
    }
    if (at > MAX_PARAM_WORDS) throw new Error(`webgpu kernel "${kernel}": struct Params takes ${at} words (at most ${MAX_PARAM_WORDS})`);
  }
  cache.set(kernel, fields);
  return fields;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

function word(type: ParamType, v: number): number {
  if (type === 'f32') { F32[0] = v; return U32[0]!; }
  return v >>> 0;
}

/** Writes `values` into `out` (from word `at`) in the layout `fields`; names must match exactly. */
export function packParams(kernel: string, fields: readonly ParamField[], values: Params, out: Uint32Array, at: number): void {
  for (const k of Object.keys(values)) {
    if (!fields.some((f) => f.name === k)) throw new Error(`webgpu kernel "${kernel}": unknown parameter "${k}" (struct Params has ${fields.map((f) => f.name).join(', ')})`);
  }
  for (const f of fields) {
    const v = values[f.name];
    if (v === undefined) throw new Error(`webgpu kernel "${kernel}": parameter "${f.name}" is missing`);
    if (f.array) {
      if (typeof v === 'number') throw new Error(`webgpu kernel "${kernel}": parameter "${f.name}" is an array (up to ${f.length} values), got a number`);
      if (v.length > f.length) throw new Error(`webgpu kernel "${kernel}": parameter "${f.name}" has ${v.length} values (at most ${f.length})`);
      v.forEach((x, i) => { out[at + f.offset + i] = word(f.type, x); });
    } else {
      if (typeof v !== 'number') throw new Error(`webgpu kernel "${kernel}": parameter "${f.name}" is a number, got an array`);
      out[at + f.offset] = word(f.type, v);
    }
  }
}
