/** A minimal SVG line chart (no dependencies): several named series over a shared x axis. */
export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function lineChart(title: string, xLabel: string, series: readonly Series[], width = 640, height = 320): string {
  const pad = { l: 56, r: 150, t: 28, b: 40 };
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const [x0, x1] = all.length ? [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))] : [0, 1];
  let [y0, y1] = all.length ? [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))] : [0, 1];
  if (y1 - y0 < 1e-9) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const sx = (x: number) => pad.l + ((x - x0) / Math.max(x1 - x0, 1e-9)) * (width - pad.l - pad.r);
  const sy = (y: number) => height - pad.b - ((y - y0) / (y1 - y0)) * (height - pad.t - pad.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `<line x1="${pad.l}" y1="${height - pad.b}" x2="${width - pad.r}" y2="${height - pad.b}" stroke="#333"/>`,
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${height - pad.b}" stroke="#333"/>`,
    `<text x="${(pad.l + width - pad.r) / 2}" y="${height - 8}" text-anchor="middle">${esc(xLabel)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = y0 + ((y1 - y0) * i) / 4;
    parts.push(`<text x="${pad.l - 4}" y="${sy(y) + 4}" text-anchor="end">${y.toPrecision(3)}</text>`);
    parts.push(`<line x1="${pad.l}" y1="${sy(y)}" x2="${width - pad.r}" y2="${sy(y)}" stroke="#eee"/>`);
    const x = x0 + ((x1 - x0) * i) / 4;
    parts.push(`<text x="${sx(x)}" y="${height - pad.b + 14}" text-anchor="middle">${Number(x.toPrecision(3))}</text>`);
  }
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of pts.length <= 30 ? pts : []) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${c}"/>`);
    parts.push(`<rect x="${width - pad.r + 10}" y="${pad.t + i * 16}" width="10" height="10" fill="${c}"/>`);
    parts.push(`<text x="${width - pad.r + 24}" y="${pad.t + i * 16 + 9}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
