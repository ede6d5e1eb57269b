// The page: two tabs (synthesis studio, G-Blend lab), the backend line, and the hooks for automated
// checks: ?demo=synth | ?demo=gblend runs the quick configuration on generated data with no click,
// then sets document.body.dataset.status to "done" (or "error: <message>") and
// window.blendwarpResults to results.json's object. ?backend=wasm|webgpu|auto picks the backend
// (default auto: WebGPU on a hardware adapter, else wasm). Demo sizes: &steps=N (synthesis),
// &methods=a,b (both), &size=D,H,W (the phantom grid), &epochs=N &perClass=N &folds=K (G-Blend; &folds=K
// is `blendwarp gblend --folds K`: the training and test images per class are pooled and every one is
// tested in exactly one fold).
import type { BackendReport } from './backend';
import { SynthStudio } from './synth-studio';
import { GBlendLab } from './gblend-lab';

const params = new URLSearchParams(location.search);
const choice = (params.get('backend') ?? 'auto') as 'auto' | 'wasm' | 'webgpu';
if (!['auto', 'wasm', 'webgpu'].includes(choice)) throw new Error(`?backend=${choice}: expected wasm, webgpu or auto`);

const w = window as unknown as { blendwarpResults?: unknown; blendwarpBackend?: BackendReport };

function showBackend(r: BackendReport): void {
  w.blendwarpBackend = r;
  const i = r.info as { threads?: number; relaxedSimd?: boolean; adapter?: { description?: string; vendor?: string; architecture?: string } };
  const what = r.name === 'wasm'
    ? `WebAssembly SIMD${i.relaxedSimd ? ' (relaxed)' : ''}, ${i.threads ?? 1} thread${i.threads === 1 ? '' : 's'}`
    : `WebGPU on ${[i.adapter?.vendor, i.adapter?.architecture, i.adapter?.description].filter(Boolean).join(' ') || 'an unnamed adapter'}`;
  const iso = r.isolated
    ? 'cross-origin isolated: threads available'
    : '<span class="warn">not cross-origin isolated (served without COOP/COEP headers): the wasm backend runs on one thread</span>';
  const el = document.getElementById('backend')!;
  el.innerHTML = `backend: <b data-backend="${r.name}">${r.name}</b> (${what}); why: ${r.reason}; ${iso}`;
}

document.getElementById('backend')!.innerHTML = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated
  ? 'cross-origin isolated; the backend starts with the first run'
  : '<span class="warn">not cross-origin isolated (served without COOP/COEP headers): the wasm backend will run on one thread</span>; the backend starts with the first run';

const synth = new SynthStudio(choice, showBackend);
const gblend = new GBlendLab(choice, showBackend);

function tab(name: string): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('nav button')) b.classList.toggle('active', b.dataset.tab === name);
  for (const s of document.querySelectorAll<HTMLElement>('.tab')) s.classList.toggle('active', s.id === `tab-${name}`);
}
for (const b of document.querySelectorAll<HTMLButtonElement>('nav button')) b.addEventListener('click', () => tab(b.dataset.tab!));

function finish(p: Promise<unknown>): void {
  p.then((results) => {
    w.blendwarpResults = results;
    document.body.dataset.status = 'done';
  }, (e: unknown) => {
    console.error(e);
    document.body.dataset.status = `error: ${e instanceof Error ? e.message : String(e)}`;
  });
}

const num = (k: string) => (params.get(k) ? Number(params.get(k)) : undefined);
const demo = params.get('demo');
if (demo === 'synth') {
  tab('synth');
  const size = params.get('size')?.split(',').map(Number);
  if (size && (size.length !== 3 || size.some((v) => !Number.isInteger(v) || v < 1))) throw new Error(`?size=${params.get('size')}: expected D,H,W (positive integers)`);
  finish(synth.run({ data: 'default', dims: size && size[0]! > 1 ? 3 : 2, preset: 'quick', steps: num('steps'), downsample: 1, methods: params.get('methods')?.split(',').filter(Boolean), phantomShape: size as [number, number, number] | undefined }));
} else if (demo === 'gblend') {
  tab('gblend');
  finish(gblend.run({
    data: 'default', quick: true, epochs: num('epochs') ?? 8, seeds: 1, methods: params.get('methods')?.split(',').filter(Boolean),
    folds: num('folds'), trainPerClass: num('perClass'), testPerClass: num('perClass') ? Math.max(20, Math.round(num('perClass')! / 3)) : undefined,
  }));
} else if (demo) {
  document.body.dataset.status = `error: ?demo=${demo}: expected synth or gblend`;
}
// Runs started from the buttons (and Resume) set the same status and results when they end.
