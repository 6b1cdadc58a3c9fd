/** Number formatting shared by the report renderers (pure). */

/** "12.3 ms", "1.25 s", "850 µs"; "–" for null. */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Seconds without float noise: "2.03 s", "12 s". */
export function fmtSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  return `${Math.round(seconds * 100) / 100} s`;
}

/** "0.12 %". */
export function fmtPct(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  const p = ratio * 100;
  return `${p === 0 ? '0' : p < 0.01 ? p.toFixed(4) : p < 1 ? p.toFixed(2) : p.toFixed(1)} %`;
}

/** Thousands separators, optional decimals. */
export function fmtNum(n: number, decimals = 0): string {
  if (!Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** A threshold's measured value in the unit its metric uses. */
export function fmtThresholdValue(name: string, value: number | null): string {
  if (value === null) return 'no data';
  if (name === 'error_rate' || name === 'checks' || name === 'cache_hit_ratio' || name === 'cpu') return fmtPct(value);
  if (name === 'memory_max') return fmtBytes(value);
  if (name === 'memory_slope') return `${fmtBytes(value * 60)}/min`;
  if (name === 'leak') return value > 0 ? 'leak' : 'no leak';
  if (name === 'rps') return `${fmtNum(value, 1)}/s`;
  if (name === 'dropped') return fmtNum(value);
  return fmtMs(value);
}

/** Bytes in binary units: "512 B", "3.2 KiB", "1.50 MiB", "2.00 GiB" (negative for a falling trend). */
export function fmtBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${Math.round(bytes)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(Math.abs(v) < 10 ? 2 : 1)} ${units[i] ?? 'TiB'}`;
}

/** Checks as "98.0 % of 1,200 (24 failed)"; – when nothing was checked. */
export function fmtChecks(c: { passed: number; failed: number }): string {
  const n = c.passed + c.failed;
  return n === 0 ? '–' : `${fmtPct(c.passed / n)} of ${fmtNum(n)}${c.failed > 0 ? ` (${fmtNum(c.failed)} failed)` : ''}`;
}

/** Escapes text for HTML and XML. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
