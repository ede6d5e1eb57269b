// SVG line charts written as text (no dependency): per-head weights across super-epochs and
// per-head training/validation loss per epoch.
import type { MethodResult } from './methods.js';

export interface Series { name: string; points: [number, number][]; color: string; dashed?: boolean }
export interface Chart { title: string; xLabel: string; yLabel: string; series: Series[]; yMin?: number; yMax?: number }

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3));

function chartBody(c: Chart, w: number, h: number): string {
  const m = { l: 52, r: 110, t: 26, b: 36 };
  const pts = c.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pts.length === 0) return `<text x="${w / 2}" y="${h / 2}" text-anchor="middle" font-size="12">${esc(c.title)}: no data</text>`;
  let x0 = Math.min(...pts.map((p) => p[0])), x1 = Math.max(...pts.map((p) => p[0]));
  let y0 = c.yMin ?? Math.min(...pts.map((p) => p[1])), y1 = c.yMax ?? Math.max(...pts.map((p) => p[1]));
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
  const X = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (w - m.l - m.r);
  const Y = (y: number) => h - m.b - ((y - y0) / (y1 - y0)) * (h - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<text x="${m.l}" y="16" font-size="13" font-weight="bold">${esc(c.title)}</text>`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${w - m.l - m.r}" height="${h - m.t - m.b}" fill="none" stroke="#999"/>`);
  for (let i = 0; i <= 4; i++) {
    const yv = y0 + ((y1 - y0) * i) / 4, xv = x0 + ((x1 - x0) * i) / 4;
    parts.push(`<line x1="${m.l}" x2="${w - m.r}" y1="${Y(yv)}" y2="${Y(yv)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 4}" y="${Y(yv) + 4}" font-size="10" text-anchor="end">${num(yv)}</text>`);
    parts.push(`<text x="${X(xv)}" y="${h - m.b + 14}" font-size="10" text-anchor="middle">${x1 - x0 >= 4 ? String(Math.round(xv * 10) / 10) : num(xv)}</text>`);
  }
  parts.push(`<text x="${(m.l + w - m.r) / 2}" y="${h - 6}" font-size="11" text-anchor="middle">${esc(c.xLabel)}</text>`);
  parts.push(`<text x="12" y="${(m.t + h - m.b) / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${(m.t + h - m.b) / 2})">${esc(c.yLabel)}</text>`);
  c.series.forEach((s, i) => {
    const p = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (p.length) {
      parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5,3"' : ''} points="${p.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ')}"/>`);
      for (const [x, y] of p) parts.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="2.2" fill="${s.color}"/>`);
    }
    const ly = m.t + 12 + 15 * i;
    parts.push(`<line x1="${w - m.r + 8}" x2="${w - m.r + 26}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`);
    parts.push(`<text x="${w - m.r + 30}" y="${ly}" font-size="10">${esc(s.name)}</text>`);
  });
  return parts.join('\n');
}

/** Charts laid out in a grid, as one SVG document. */
export function chartsSvg(charts: Chart[], cols = 2, w = 460, h = 260): string {
  const rows = Math.max(1, Math.ceil(charts.length / cols)), c = Math.min(cols, Math.max(1, charts.length));
  const body = charts.map((ch, i) => `<g transform="translate(${(i % cols) * w},${Math.floor(i / cols) * h})">\n${chartBody(ch, w, h)}\n</g>`).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${c * w}" height="${rows * h}" viewBox="0 0 ${c * w} ${rows * h}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}

/** Per-head weights at each (re-)estimation, one panel per method that estimates weights. */
export function weightsChart(results: MethodResult[]): string {
  // Fixed weights (aux) and single estimates (offline) are in the table; plot the ones that move.
  const charts: Chart[] = results.filter((r) => r.estimates.length > 1 && r.weights).map((r) => {
    const heads = Object.keys(r.weights!);
    const series: Series[] = heads.map((hname, hi) => ({ name: hname, color: PALETTE[hi % PALETTE.length]!, points: r.estimates.map((e) => [e.epoch, e.weights[hi]!] as [number, number]) }));
    // Raw estimates (before the guards) dashed, where they differ.
    heads.forEach((hname, hi) => {
      if (r.estimates.some((e) => Math.abs(e.raw[hi]! - e.weights[hi]!) > 1e-9)) series.push({ name: `${hname} (raw)`, color: PALETTE[hi % PALETTE.length]!, dashed: true, points: r.estimates.map((e) => [e.epoch, e.raw[hi]!] as [number, number]) });
    });
    return { title: `${r.name} (seed ${r.seed}): loss weights`, xLabel: 'epoch of the estimate', yLabel: 'weight', series, yMin: 0, yMax: 1 };
  });
  return chartsSvg(charts);
}

/** Training (solid) and validation (dashed) loss of every head per epoch, one panel per method. */
export function lossChart(results: MethodResult[]): string {
  const charts: Chart[] = results.filter((r) => r.history.length > 0).map((r) => {
    const heads = r.testHeads ? Object.keys(r.testHeads) : r.history[0]!.train.map((_, i) => `head ${i}`);
    const series: Series[] = [];
    heads.forEach((hname, hi) => {
      // Heads that never train (the unused heads of uni and naive models) would only add noise.
      if (!r.history.some((e) => e.weights[hi]! > 0)) return;
      const color = PALETTE[hi % PALETTE.length]!;
      series.push({ name: `${hname} train`, color, points: r.history.map((e) => [e.epoch, e.train[hi]!.loss] as [number, number]) });
      series.push({ name: `${hname} val`, color, dashed: true, points: r.history.map((e) => [e.epoch, e.val[hi]!.loss] as [number, number]) });
    });
    return { title: `${r.name} (seed ${r.seed}): loss per head`, xLabel: 'epoch', yLabel: 'cross-entropy', series, yMin: 0 };
  });
  return chartsSvg(charts);
}

/** OGR per head per epoch (|dO/dG| between consecutive epochs), one panel per method. */
export function ogrChart(results: MethodResult[]): string {
  const charts: Chart[] = results.filter((r) => r.history.length > 1).map((r) => {
    const heads = r.testHeads ? Object.keys(r.testHeads) : r.history[0]!.train.map((_, i) => `head ${i}`);
    return {
      title: `${r.name} (seed ${r.seed}): OGR per head`, xLabel: 'epoch', yLabel: 'log10 OGR', series: heads.flatMap((hname, hi) => (!r.history.some((e) => e.weights[hi]! > 0) ? [] : [{
        name: hname, color: PALETTE[hi % PALETTE.length]!,
        points: r.history.filter((e) => e.ogr[hi] !== null && e.ogr[hi]! > 0).map((e) => [e.epoch, Math.log10(e.ogr[hi]!)] as [number, number]),
      }])),
    };
  });
  return chartsSvg(charts);
}
