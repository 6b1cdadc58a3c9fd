/** Small inline SVG line charts for the HTML report: no scripts, no external assets (pure). */
import { escapeXml } from './format.js';

/** One line of a chart; null y values break the line. */
export interface ChartSeries {
  name: string;
  color: string;
  points: readonly (readonly [number, number | null])[];
}

/** Chart options. */
export interface ChartOptions {
  title: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Shaded x ranges (e.g. generator-saturated seconds). */
  bands?: readonly (readonly [number, number])[];
}

/** Renders a line chart as an SVG string. */
export function lineChart(series: readonly ChartSeries[], o: ChartOptions): string {
  const w = o.width ?? 720;
  const h = o.height ?? 220;
  const pad = { l: 56, r: 12, t: 24, b: 28 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]).filter((y): y is number => y !== null && Number.isFinite(y)));
  const x0 = xs.length === 0 ? 0 : Math.min(...xs);
  const x1 = xs.length === 0 ? 1 : Math.max(...xs, x0 + 1);
  const y1 = niceMax(ys.length === 0 ? 1 : Math.max(...ys));
  const sx = (x: number) => pad.l + ((x - x0) / (x1 - x0)) * (w - pad.l - pad.r);
  const sy = (y: number) => h - pad.b - (y / y1) * (h - pad.t - pad.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escapeXml(o.title)}">`);
  parts.push(`<text x="${pad.l}" y="16" font-size="13" font-weight="600">${escapeXml(o.title)}</text>`);
  for (const [a, b] of o.bands ?? []) {
    parts.push(`<rect x="${sx(a).toFixed(1)}" y="${pad.t}" width="${Math.max(1, sx(b) - sx(a)).toFixed(1)}" height="${h - pad.t - pad.b}" fill="#f5c2c2" opacity="0.5"/>`);
  }
  for (let i = 0; i <= 4; i++) {
    const v = (y1 * i) / 4;
    const y = sy(v).toFixed(1);
    parts.push(`<line x1="${pad.l}" x2="${w - pad.r}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${pad.l - 6}" y="${y}" font-size="10" text-anchor="end" dominant-baseline="middle">${fmtTick(v)}</text>`);
  }
  parts.push(`<text x="${pad.l}" y="${h - 6}" font-size="10">${fmtTick(x0)} s</text><text x="${w - pad.r}" y="${h - 6}" font-size="10" text-anchor="end">${fmtTick(x1)} s</text>`);
  parts.push(`<text x="12" y="${(h / 2).toFixed(0)}" font-size="10" transform="rotate(-90 12 ${(h / 2).toFixed(0)})" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);
  series.forEach((s, si) => {
    let d = '';
    let pen = false;
    for (const [x, y] of s.points) {
      if (y === null || !Number.isFinite(y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
      pen = true;
    }
    if (d !== '') parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`);
    parts.push(`<rect x="${w - pad.r - 110}" y="${pad.t + si * 14}" width="10" height="3" fill="${s.color}"/><text x="${w - pad.r - 96}" y="${pad.t + 4 + si * 14}" font-size="10">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmtTick(v: number): string {
  if (v >= 1000) return `${Math.round(v / 100) / 10}k`;
  if (v >= 10 || v === 0) return String(Math.round(v));
  return String(Math.round(v * 100) / 100);
}
