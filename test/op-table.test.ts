// The op table (src/backend/op-table.ts) is the single source of op names and codes: the generated
// AssemblyScript and WGSL constants are current, both backends take their codes from it, and every op
// of the coded families has a float64 reference and a test case (parity on every backend, gradient
// check where it has a gradient) in test/op-cases.ts, which test/elementwise.test.ts runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BINARY_OPS, CODE_FAMILIES, UNARY_CODE, UNARY_NO_GRAD, UNARY_OPS } from '../src/backend/op-table.js';
import { BINARY_CASES, UNARY_CASES } from './op-cases.js';
import { binaryRef, unaryRef } from './reference/core.js';

const root = join(import.meta.dirname, '..');

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

  it('every unary and binary op has a reference and a test case; gradients are checked unless piecewise constant', () => {
    expect(Object.keys(UNARY_CASES).sort()).toEqual([...UNARY_OPS].sort());
    expect(Object.keys(BINARY_CASES).sort()).toEqual([...BINARY_OPS].sort());
    for (const op of UNARY_OPS) {
      expect(typeof unaryRef[op], `unary ${op}: a float64 reference in test/reference/core.ts`).toBe('function');
      expect(UNARY_CASES[op].grad, `unary ${op}: a gradient check`).toBe(true);
    }
    for (const op of UNARY_NO_GRAD) expect(UNARY_CASES[op].ref(2) - UNARY_CASES[op].ref(1)).toBe(0); // flat away from 0
    for (const op of BINARY_OPS) {
      const c = BINARY_CASES[op];
      expect(typeof binaryRef[c.name], `binary ${op}: a float64 reference in test/reference/core.ts`).toBe('function');
      // Comparisons are not differentiable (they return 0/1 masks); every other binary is.
      expect(c.grad, `binary ${op}: a gradient check`).toBe(!['greater', 'equal'].includes(op));
    }
  });
});
