/**
 * What a scenario hands back and how it is printed: a table of rounds or medians, then each goal
 * with the measured value and PASS/MISS. A benchmark reports; it asserts nothing (the process
 * exits 0 whatever the figures), so a MISS is information, not a failure.
 */

/** One goal of the issue, as measured. `ok: null` = not applicable (e.g. the target saturated). */
export interface Check {
  goal: string;
  measured: string;
  ok: boolean | null;
}

/** A scenario's outcome. */
export interface Section {
  /** Scenario name (BENCH_ONLY key). */
  name: string;
  title: string;
  at: string;
  /** Load average (1, 5, 15 min) before and after the scenario ran. */
  loadBefore: number[];
  loadAfter: number[];
  /** How it was run: pinning, durations, rounds. */
  setup: string;
  head: string[];
  rows: string[][];
  checks: Check[];
  notes: string[];
  /** Every round's figures, for the JSON. */
  raw: unknown;
}

/** The median (upper median for even counts); NaN when empty. */
export function median(xs: readonly number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** A number for a table: `-` when missing. */
export function fmt(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A ratio like `0.93×`. */
export function ratio(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(2)}×` : '-';
}

/** PASS / MISS / n/a. */
export function verdict(ok: boolean | null): string {
  return ok === null ? 'n/a' : ok ? 'PASS' : 'MISS';
}

const load = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(' ');

/** A section as Markdown. */
export function renderSection(s: Section): string {
  const table = (head: string[], rows: string[][]): string[] => [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  return [
    `### ${s.title}`,
    '',
    `${s.setup} Measured ${s.at}; load average before / after ${load(s.loadBefore)} / ${load(s.loadAfter)}.`,
    '',
    ...table(s.head, s.rows),
    '',
    ...table(['goal', 'measured', ''], s.checks.map((c) => [c.goal, c.measured, verdict(c.ok)])),
    ...(s.notes.length === 0 ? [] : ['', ...s.notes]),
    '',
  ].join('\n');
}
