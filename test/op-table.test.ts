// The op table (src/backend/op-table.ts) is the single source of op names and codes: the generated
// AssemblyScript and WGSL constants are current, both backends take their codes from it, both
// implement every kernel it lists, and every op it lists (each variant of the coded families) has a
// float64 reference in test/reference/*, a test case run on every backend under test (unary and
// binary: test/op-cases.ts UNARY_CASES / BINARY_CASES, run by test/elementwise.test.ts; every other
// op: KERNEL_CASES, run by test/kernels.test.ts), and a finite-difference gradient check unless the
// table says why it has none. The table equals the Backend interface's kernels at compile time
// (src/backend/kernel-names.ts), so a kernel added to the backends without a table entry fails the
// build, and one added to the table without a case fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BINARY_OPS, CODE_FAMILIES, KERNELS, requiredCases, UNARY_CODE, UNARY_NO_GRAD, UNARY_OPS, type KernelSpec } from '../src/backend/op-table.js';
import { WasmBackend } from '../src/backend/wasm/backend.js';
import { WebGPUBackend } from '../src/backend/webgpu/backend.js';
import { BINARY_CASES, KERNEL_CASES, UNARY_CASES } from './op-cases.js';
import { backendsUnderTest } from './harness.js';
import * as refCore from './reference/core.js';
import * as refConv from './reference/conv.js';
import * as refPool from './reference/pool.js';
import * as refWarp from './reference/warp.js';
import * as refKernels from './reference/kernels.js';

const root = join(import.meta.dirname, '..');
const { binaryRef, unaryRef } = refCore;

/** Every function test/reference/* exports, directly or in an exported table such as unaryRef (the table's references must be among them). */
const REFERENCES = new Set<unknown>([refCore, refConv, refPool, refWarp, refKernels].flatMap((m) => Object.values(m))
  .flatMap((v) => (v && typeof v === 'object' ? Object.values(v) : [v])).filter((v) => typeof v === 'function'));

/** Case id -> (reference, gradient checked) over all the case registries. */
function cases(): Map<string, { ref: unknown; grad: boolean }> {
  const out = new Map<string, { ref: unknown; grad: boolean }>();
  for (const [op, c] of Object.entries(UNARY_CASES)) out.set(`unary.${op}`, { ref: unaryRef[op], grad: c.grad });
  for (const [op, c] of Object.entries(BINARY_CASES)) out.set(`binary.${op}`, { ref: binaryRef[c.name], grad: c.grad });
  for (const [id, c] of Object.entries(KERNEL_CASES)) out.set(id, { ref: c.ref, grad: c.grad });
  return out;
}

describe('the op table', () => {
  it('assembly/opcodes.ts and shaders/opcodes.wgsl are generated from it and current (node scripts/gen-opcodes.mjs)', async () => {
    const { render } = await import(join(root, 'scripts', 'gen-opcodes.mjs'));
    const r = await render();
    expect(readFileSync(join(root, 'assembly', 'opcodes.ts'), 'utf8')).toBe(r.assembly);
    expect(readFileSync(join(root, 'shaders', 'opcodes.wgsl'), 'utf8')).toBe(r.wgsl);
    // One constant per op of every family, code = index.
    const count = Object.values(CODE_FAMILIES).reduce((a, ops) => a + ops.length, 0);
    expect(r.wgsl.match(/^const \w+: u32 = \d+u;$/gm)?.length).toBe(count);
    expect(r.wgsl).toContain(`const UNARY_LEAKY_RELU: u32 = ${UNARY_CODE.leakyRelu}u;`);
  });

  it('no kernel or backend keeps its own copy of the codes', () => {
    const files = ['assembly/elementwise.ts', 'assembly/reduce.ts', 'assembly/pool.ts', 'shaders/unary.wgsl', 'shaders/unary_grad.wgsl',
      'shaders/binary.wgsl', 'shaders/reduce.wgsl', 'shaders/reduce_acc.wgsl', 'shaders/reduce_wg.wgsl', 'shaders/pool.wgsl', 'shaders/pool_backward.wgsl',
      'src/backend/wasm/backend.ts', 'src/backend/webgpu/ops/elementwise.ts', 'src/backend/webgpu/ops/reduce.ts'];
    for (const f of files) {
      const text = readFileSync(join(root, f), 'utf8');
      expect(text, `${f}: a numbered case`).not.toMatch(/case \d+u?:/);
      expect(text, `${f}: an op compared with a number`).not.toMatch(/\b(op|OP) [!=]= \d/);
      expect(text, `${f}: a hand-written code table`).not.toMatch(/\bneg: 0\b|\badd: 0\b|\bsum: 0\b/);
    }
  });

  it('both backends implement every kernel of the table, and the table is checked against the Backend interface at build time', () => {
    for (const [name, proto] of [['wasm', WasmBackend.prototype], ['webgpu', WebGPUBackend.prototype]] as const) {
      for (const k of Object.keys(KERNELS)) expect(typeof (proto as unknown as Record<string, unknown>)[k], `${name} backend: kernel ${k}`).toBe('function');
    }
    // The compile-time equality (a kernel in the interface and not in the table, or the reverse, is a type error).
    expect(readFileSync(join(root, 'src/backend/kernel-names.ts'), 'utf8')).toMatch(/KERNEL_TABLE_MATCHES_BACKEND: Equal<InterfaceKernels, KernelName> = true/);
  });

  it('every op of the table has a reference and a test case, and a gradient check unless the table says why not', () => {
    const have = cases();
    const want = requiredCases();
    expect([...have.keys()].sort(), 'test cases without a table entry, or table ops without a case').toEqual(want.map((w) => w.id).sort());
    for (const w of want) {
      const c = have.get(w.id)!;
      expect(REFERENCES.has(c.ref), `${w.id}: its reference is a function exported by test/reference/*`).toBe(true);
      expect(c.grad, `${w.id}: ${w.grad ? 'a finite-difference gradient check' : 'no gradient (the table says so)'}`).toBe(w.grad);
    }
    for (const [k, spec] of Object.entries(KERNELS) as [string, KernelSpec][]) {
      if (typeof spec.grad === 'object' && 'adjointOf' in spec.grad) {
        const of = (KERNELS as Record<string, KernelSpec>)[spec.grad.adjointOf];
        expect(of?.grad, `${k} is the backward kernel of ${spec.grad.adjointOf}, whose gradient check must run it`).toBe('check');
      }
    }
    // The coded families' codes and the table's variants are the same lists.
    expect(KERNELS.unary.variants).toBe(UNARY_OPS);
    expect(KERNELS.binary.variants).toBe(BINARY_OPS);
    for (const op of UNARY_NO_GRAD) expect(UNARY_CASES[op].ref(2) - UNARY_CASES[op].ref(1)).toBe(0); // flat away from 0: autograd's zero is checked
  });

  it('the suites that run the cases run them on every backend under test, and CI tests both', () => {
    for (const f of ['test/elementwise.test.ts', 'test/kernels.test.ts']) {
      expect(readFileSync(join(root, f), 'utf8'), f).toMatch(/describe\.each\(backendsUnderTest\(\)\)/);
    }
    if (process.env.CI === 'true') expect([...backendsUnderTest()].sort(), 'CI runs every case on wasm and webgpu (BLENDWARP_TEST_BACKENDS)').toEqual(['wasm', 'webgpu']);
  });
});
