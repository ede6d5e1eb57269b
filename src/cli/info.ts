// `blendwarp info`: the runtime, and each backend that can start here with its details.
import { BACKEND_NAMES, type BackendInfo } from '../index.js';
import { createBackend, type AutoChoice } from '../backend/create.js';

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
  // Exactly what `--backend auto` does (on a hardware adapter that includes the kernel self-test).
  try {
    const b = await createBackend('auto');
    report.auto = b.info().auto as AutoChoice;
    b.dispose();
  } catch (e) {
    report.auto = { name: 'none', reason: (e as Error).message };
  }
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
