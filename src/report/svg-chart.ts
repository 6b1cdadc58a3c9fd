/**
 * Inline SVG line charts for the HTML report: no scripts, no external assets (pure). Made to be
 * read at a glance: full width of the page, round y ticks (1, 2, 2.5, 5 × 10ⁿ), a time axis
 * labelled every few ticks in m:ss (or a level axis — VUs, req/s — ticked at a sweep's steps), an optional second y axis on the right (VUs beside req/s),
 * and hover values through native tooltips (one invisible column per x with every series' value).
 */
import { escapeXml } from './format.js';

/** One line of a chart; null y values break the line. */
export interface ChartSeries {
  name: string;
  color: string;
  points: readonly (readonly [number, number | null])[];
  /** `right`: plotted against the second y axis. */
  axis?: 'left' | 'right';
}

/** Chart options. */
export interface ChartOptions {
  title: string;
  /** Unit of the left y axis (and of the right one, `yRightLabel`). */
  yLabel: string;
  yRightLabel?: string;
  /** `time`: x is seconds, labelled m:ss; `number`: x is a level (VUs, req/s), labelled with `xLabel`. */
  x?: 'time' | 'number';
  xLabel?: string;
  width?: number;
  height?: number;
  /** `number` axes: tick at these x values (a sweep's step levels) instead of round steps; ignored beyond 12. */
  xTicks?: readonly number[];
  /** Shaded x ranges (e.g. generator-saturated seconds). */
  bands?: readonly (readonly [number, number])[];
}

const STEPS = [1, 2, 2.5, 5];

/** A round step close to `span / count`: 1, 2, 2.5 or 5 times a power of ten. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const raw = span / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of STEPS) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** A round time step in seconds: 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1 h … */
export function niceTimeStep(span: number, count: number): number {
  const raw = span / count;
  for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600]) if (s >= raw) return s;
  return Math.ceil(raw / 21_600) * 21_600;
}

/** Seconds as m:ss (h:mm:ss from an hour). */
export function fmtClock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A tick value: 0, 2.5, 10, 1.5k, 2M. */
export function fmtTick(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${round(v / 1e6)}M`;
  if (abs >= 1000) return `${round(v / 1000)}k`;
  return String(round(v));
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Where the x ticks go: round steps of time or number, or the given values (a few, within the axis). */
function xTickValues(x0: number, x1: number, time: boolean, given: readonly number[] | undefined): number[] {
  if (!time && given !== undefined && given.length > 0 && given.length <= 12) return given.filter((v) => v >= x0 && v <= x1);
  const step = time ? niceTimeStep(x1 - x0, 10) : niceStep(x1 - x0, 8);
  const out: number[] = [];
  for (let v = Math.ceil(x0 / step) * step; v <= x1 + 1e-9; v += step) out.push(v);
  return out;
}

/** Renders a line chart as an SVG string (full width: it scales to its container). */
export function lineChart(series: readonly ChartSeries[], o: ChartOptions): string {
  const w = o.width ?? 920;
  const h = o.height ?? 240;
  const right = series.some((s) => s.axis === 'right');
  const pad = { l: 56, r: right ? 56 : 16, t: 28, b: 30 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const x0 = xs.length === 0 ? 0 : Math.min(...xs);
  const x1 = xs.length === 0 ? 1 : Math.max(...xs, x0 + 1);
  const scale = (axis: 'left' | 'right') => {
    const ys = series.filter((s) => (s.axis ?? 'left') === axis).flatMap((s) => s.points.map((p) => p[1]).filter((y): y is number => y !== null && Number.isFinite(y)));
    const max = ys.length === 0 ? 1 : Math.max(...ys, 0);
    const step = niceStep(max === 0 ? 1 : max, 4);
    return { step, top: Math.max(step, Math.ceil(max / step) * step) };
  };
  const left = scale('left');
  const rightScale = scale('right');
  const sx = (x: number) => pad.l + ((x - x0) / (x1 - x0)) * (w - pad.l - pad.r);
  const syOf = (top: number) => (y: number) => h - pad.b - (y / top) * (h - pad.t - pad.b);
  const syLeft = syOf(left.top);
  const syRight = syOf(rightScale.top);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${w} ${h}" width="100%" preserveAspectRatio="xMidYMid meet" role="img" aria-label="${escapeXml(o.title)}">`);
  parts.push(`<text x="${pad.l}" y="17" font-size="13" font-weight="600">${escapeXml(o.title)}</text>`);
  for (const [a, b] of o.bands ?? []) {
    parts.push(`<rect x="${sx(a).toFixed(1)}" y="${pad.t}" width="${Math.max(1, sx(b) - sx(a)).toFixed(1)}" height="${h - pad.t - pad.b}" fill="#f5c2c2" opacity="0.5"/>`);
  }
  for (let v = 0; v <= left.top + 1e-9; v += left.step) {
    const y = syLeft(v).toFixed(1);
    parts.push(`<line x1="${pad.l}" x2="${w - pad.r}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>`);
    parts.push(`<text class="ytick" x="${pad.l - 6}" y="${y}" font-size="10" text-anchor="end" dominant-baseline="middle">${fmtTick(v)}</text>`);
  }
  if (right) {
    for (let v = 0; v <= rightScale.top + 1e-9; v += rightScale.step) {
      parts.push(`<text class="ytick-right" x="${w - pad.r + 6}" y="${syRight(v).toFixed(1)}" font-size="10" dominant-baseline="middle">${fmtTick(v)}</text>`);
    }
    parts.push(`<text x="${w - 10}" y="${(h / 2).toFixed(0)}" font-size="10" transform="rotate(90 ${w - 10} ${(h / 2).toFixed(0)})" text-anchor="middle">${escapeXml(o.yRightLabel ?? '')}</text>`);
  }
  const time = (o.x ?? 'time') === 'time';
  for (const v of xTickValues(x0, x1, time, o.xTicks)) {
    const x = sx(v).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${h - pad.b}" y2="${h - pad.b + 4}" stroke="#999"/>`);
    parts.push(`<text class="xtick" x="${x}" y="${h - pad.b + 15}" font-size="10" text-anchor="middle">${time ? fmtClock(v) : fmtTick(v)}</text>`);
  }
  parts.push(`<line x1="${pad.l}" x2="${w - pad.r}" y1="${h - pad.b}" y2="${h - pad.b}" stroke="#999"/>`);
  if (!time && o.xLabel !== undefined) parts.push(`<text x="${w - pad.r}" y="${h - 2}" font-size="10" text-anchor="end">${escapeXml(o.xLabel)}</text>`);
  parts.push(`<text x="12" y="${(h / 2).toFixed(0)}" font-size="10" transform="rotate(-90 12 ${(h / 2).toFixed(0)})" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);
  series.forEach((s, si) => {
    const sy = s.axis === 'right' ? syRight : syLeft;
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
    if (d !== '') parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"${s.axis === 'right' ? ' stroke-dasharray="4 2"' : ''}/>`);
    const lx = w - pad.r - 150 + (si % 2) * 75;
    const ly = 10 + Math.floor(si / 2) * 12;
    parts.push(`<rect x="${lx}" y="${ly}" width="10" height="3" fill="${s.color}"/><text x="${lx + 14}" y="${ly + 4}" font-size="10">${escapeXml(s.name)}${s.axis === 'right' ? ' (right)' : ''}</text>`);
  });
  // Hover: an invisible column per x with every series' value at it (the browser's own tooltip).
  const columns = [...new Set(xs)].sort((a, b) => a - b);
  columns.forEach((x, i) => {
    const prev = columns[i - 1] ?? x - (columns[i + 1] ?? x + 1) + x;
    const next = columns[i + 1] ?? x + (x - prev);
    const a = sx((prev + x) / 2);
    const b = sx((x + next) / 2);
    const values = series.map((s) => {
      const y = s.points.find((p) => p[0] === x)?.[1];
      return `${s.name} ${y === null || y === undefined || !Number.isFinite(y) ? '–' : fmtTick(y)}`;
    });
    parts.push(`<rect class="hover" x="${Math.max(pad.l, a).toFixed(1)}" y="${pad.t}" width="${Math.max(1, Math.min(b, w - pad.r) - Math.max(pad.l, a)).toFixed(1)}" height="${h - pad.t - pad.b}" fill="transparent"><title>${escapeXml(`${time ? fmtClock(x) : `${fmtTick(x)} ${o.xLabel ?? ''}`.trim()}: ${values.join(', ')} ${o.yLabel}`)}</title></rect>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
