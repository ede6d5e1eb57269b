// Starts the compute backend inside a worker and says which one and why (shown on the page).
import { info, setBackend, type BackendName, type RuntimeInfo } from 'blendwarp';

export interface BackendReport { name: string; reason: string; isolated: boolean; info: Record<string, unknown>; runtime: RuntimeInfo }

export async function startBackend(choice: BackendName | 'auto'): Promise<BackendReport> {
  const g = globalThis as unknown as { navigator?: { gpu?: { requestAdapter(): Promise<GPUAdapter | null> } }; crossOriginIsolated?: boolean };
  const gpu = g.navigator?.gpu;
  let adapter: GPUAdapter | null = null;
  try { adapter = gpu ? await gpu.requestAdapter() : null; } catch { adapter = null; }
  const ai = (adapter as unknown as { info?: GPUAdapterInfo & { isFallbackAdapter?: boolean } } | null)?.info;
  const desc = [ai?.vendor, ai?.architecture, ai?.description].filter(Boolean).join(' ') || 'unnamed adapter';
  const software = Boolean(ai?.isFallbackAdapter) || /swiftshader|llvmpipe|lavapipe|software|\bcpu\b/i.test(desc);
  const b = await setBackend(choice);
  const isolated = g.crossOriginIsolated === true;
  let reason: string;
  if (choice !== 'auto') reason = `asked for ${choice} (?backend=${choice})`;
  else if (!gpu) reason = 'this browser offers no WebGPU (navigator.gpu is missing)';
  else if (!adapter) reason = 'WebGPU found no adapter';
  else if (software) reason = `the WebGPU adapter (${desc}) is a CPU implementation, slower than the wasm backend here`;
  else reason = `a hardware WebGPU adapter (${desc})`;
  return { name: b.name, reason, isolated, info: b.info(), runtime: await info() };
}
