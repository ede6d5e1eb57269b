// `--backend auto`: WebGPU only on a hardware adapter whose kernels pass the self-test against the
// wasm kernels; otherwise wasm, with the reason in info().auto. The self-test itself must pass on a
// correct device and name the kernel on a wrong one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backend/backend.js';
import { createBackend, selfTestBackend, type AutoChoice } from '../src/backend/create.js';
import { WebGPUBackend } from '../src/backend/webgpu/backend.js';
import { describeAdapter, findAdapter } from '../src/backend/webgpu/device.js';
import { backendsUnderTest } from './harness.js';

const autoOf = (b: Backend) => b.info().auto as AutoChoice;

it("'auto' without any adapter takes wasm and says so", async () => {
  const nav = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: { requestAdapter: async () => null } }, configurable: true });
  try {
    const b = await createBackend('auto');
    expect(b.name).toBe('wasm');
    expect(autoOf(b)).toEqual({ name: 'wasm', reason: 'no WebGPU adapter' });
    b.dispose();
  } finally {
    if (nav) Object.defineProperty(globalThis, 'navigator', nav);
    else delete (globalThis as { navigator?: unknown }).navigator;
  }
});

describe.skipIf(!backendsUnderTest().includes('webgpu'))('auto and the kernel self-test on this WebGPU adapter', () => {
  let gpu: WebGPUBackend;
  beforeAll(async () => { gpu = await WebGPUBackend.create(); });
  afterAll(() => gpu?.dispose());

  it('the self-test passes on this device', async () => {
    expect(await selfTestBackend(gpu)).toBeNull();
  });

  it('a device that computes one kernel wrong fails the self-test, which names the kernel', async () => {
    // The same device with conv3d's bias dropped: every other kernel is right.
    const broken = new Proxy(gpu, {
      get(target, prop) {
        if (prop === 'conv3d') return (x: unknown, w: unknown, _bias: unknown, y: unknown, g: unknown) => (target.conv3d as (...a: unknown[]) => void)(x, w, null, y, g);
        const v = Reflect.get(target, prop, target);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    expect(await selfTestBackend(broken)).toMatch(/^conv3d gave .* at index \d+ where the WebAssembly kernel gives /);
  });

  it("'auto' follows the adapter: wasm on a CPU adapter with the reason, else webgpu after the self-test", async () => {
    const found = await findAdapter();
    const a = describeAdapter(found!.adapter);
    const b = await createBackend('auto');
    const choice = autoOf(b);
    if (a.software) {
      expect(b.name).toBe('wasm');
      expect(choice.reason).toMatch(/is a CPU implementation, slower than wasm here/);
    } else {
      expect(b.name).toBe('webgpu');
      expect(choice.reason).toMatch(/passed the kernel self-test/);
    }
    expect(choice.name).toBe(b.name);
    b.dispose();
  });
});
