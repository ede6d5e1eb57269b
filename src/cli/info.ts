// `blendwarp info`: the runtime, and each backend that can start here with its details.
import { BACKEND_NAMES, type BackendInfo } from '../index.js';
import { createBackend } from '../backend/create.js';

export interface InfoReport {
  runtime: { name: string; version: string; platform: string; arch: string; cpus: number };
  backends: BackendInfo[];
  unavailable: { name: string; reason: string }[];
  /** What `--backend auto` picks here, and why. */
  auto: { name: string; reason: string };
}

export async function collectInfo(): Promise<InfoReport> {
  const os = await import('node:os');
  const report: InfoReport = {
    runtime: { name: 'node', version: process.versions.node, platform: process.platform, arch: process.arch, cpus: os.cpus().length },
    backends: [],
    unavailable: [],
    auto: { name: 'wasm', reason: '' },
  };
  for (const name of BACKEND_NAMES) {
    try {
      const b = await createBackend(name);
      report.backends.push(b.info());
      b.dispose();
    } catch (e) {
      report.unavailable.push({ name, reason: (e as Error).message });
    }
  }
  const gpu = report.backends.find((b) => b.name === 'webgpu') as { adapter?: { software?: boolean; description?: string } } | undefined;
  report.auto = !gpu
    ? { name: 'wasm', reason: 'no WebGPU adapter' }
    : gpu.adapter?.software
      ? { name: 'wasm', reason: `the WebGPU adapter (${gpu.adapter.description}) is a CPU implementation, slower than wasm here` }
      : { name: 'webgpu', reason: 'a hardware WebGPU adapter is available' };
  return report;
}

export function formatInfo(r: InfoReport): string {
  const lines = [`runtime: ${r.runtime.name} ${r.runtime.version} (${r.runtime.platform}-${r.runtime.arch}, ${r.runtime.cpus} cpus)`, 'backends:'];
  for (const b of r.backends) {
    lines.push(`  ${b.name}`);
    for (const [k, v] of Object.entries(b)) if (k !== 'name') lines.push(`    ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  }
  for (const u of r.unavailable) lines.push(`  ${u.name}: unavailable (${u.reason})`);
  lines.push(`auto: ${r.auto.name} (${r.auto.reason})`);
  return lines.join('\n');
}
