// A small live line chart (SVG), redrawn on each update: enough for loss curves, OGR and weights.
export interface Line { name: string; points: [number, number][]; color?: string; dashed?: boolean }

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f', '#78716c'];

export function lineChart(title: string, lines: Line[], o: { xLabel?: string; yLabel?: string; log?: boolean; w?: number; h?: number } = {}): string {
  const w = o.w ?? 460, h = o.h ?? 220, l = 48, r = 110, t = 22, b = 30;
  const tf = (y: number) => (o.log ? Math.log10(Math.max(y, 1e-6)) : y);
  const pts = lines.flatMap((s) => s.points).filter((p) => Number.isFinite(p[1]));
  if (pts.length === 0) return `<svg viewBox="0 0 ${w} ${h}" xmlns="http://www.w3.org/2000/svg"><text x="${w / 2}" y="${h / 2}" text-anchor="middle" font-size="12" fill="#888">${title}: no data yet</text></svg>`;
  let x0 = Math.min(...pts.map((p) => p[0])), x1 = Math.max(...pts.map((p) => p[0]));
  let y0 = Math.min(...pts.map((p) => tf(p[1]))), y1 = Math.max(...pts.map((p) => tf(p[1])));
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
  const X = (x: number) => l + ((x - x0) / (x1 - x0)) * (w - l - r);
  const Y = (y: number) => t + (1 - (tf(y) - y0) / (y1 - y0)) * (h - t - b);
  const fmt = (v: number) => (o.log ? (10 ** v).toPrecision(2) : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));
  const parts = [`<svg viewBox="0 0 ${w} ${h}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="10">`,
    `<text x="${l}" y="14" font-size="12" font-weight="bold">${title}</text>`,
    `<rect x="${l}" y="${t}" width="${w - l - r}" height="${h - t - b}" fill="none" stroke="#ccc"/>`];
  for (let k = 0; k <= 4; k++) {
    const yv = y0 + ((y1 - y0) * k) / 4, yy = t + (1 - k / 4) * (h - t - b);
    parts.push(`<text x="${l - 4}" y="${yy + 3}" text-anchor="end" fill="#555">${fmt(yv)}</text>`);
  }
  parts.push(`<text x="${l}" y="${h - 8}" fill="#555">${x0}</text><text x="${w - r}" y="${h - 8}" text-anchor="end" fill="#555">${x1}</text>`);
  if (o.xLabel) parts.push(`<text x="${(l + w - r) / 2}" y="${h - 8}" text-anchor="middle" fill="#555">${o.xLabel}</text>`);
  lines.forEach((s, i) => {
    const c = s.color ?? PALETTE[i % PALETTE.length]!;
    const ok = s.points.filter((p) => Number.isFinite(p[1]));
    if (ok.length) parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="4 3"' : ''} points="${ok.map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(' ')}"/>`);
    if (ok.length === 1) parts.push(`<circle cx="${X(ok[0]![0])}" cy="${Y(ok[0]![1])}" r="2.5" fill="${c}"/>`);
    parts.push(`<line x1="${w - r + 8}" x2="${w - r + 22}" y1="${t + 6 + i * 13}" y2="${t + 6 + i * 13}" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/><text x="${w - r + 26}" y="${t + 9 + i * 13}">${s.name.slice(0, 16)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Keeps at most `max` points by averaging neighbours (long loss curves). */
export function thin(points: [number, number][], max = 300): [number, number][] {
  if (points.length <= max) return points;
  const k = Math.ceil(points.length / max), out: [number, number][] = [];
  for (let i = 0; i < points.length; i += k) {
    const chunk = points.slice(i, i + k);
    out.push([chunk[chunk.length - 1]![0], chunk.reduce((a, p) => a + p[1], 0) / chunk.length]);
  }
  return out;
}
