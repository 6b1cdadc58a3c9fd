/** Plain-text rendering of one probe result for the one-shot CLI (`perfwarden probe URL`), any kind. */
import { PHASES } from './types.js';
import type { ProbeResult } from './types.js';

function ms(seconds: number | undefined): string {
  return seconds === undefined ? '-' : (seconds * 1000).toFixed(2);
}

/**
 * A table of the phases in milliseconds (`-` for a phase that did not happen; a WebSocket probe's
 * round trip is its `rtt` row), the total, the status, the kind's own rows (`details`, from the
 * kind registry) and the outcome, e.g.
 * ```
 * phase          ms
 * dns          0.41
 * ...
 * other        0.35
 * total       13.02
 * status        200
 * outcome   success
 * ```
 */
export function formatPhaseTable(result: ProbeResult, details: readonly [string, string][] = []): string {
  const rows: [string, string][] = [['phase', 'ms']];
  let measured = 0;
  // A WebSocket run has a handshake (connect) and a message round trip; the HTTP phases after
  // connect never happen there, so it shows its own `rtt` row instead of leaving it in `other`.
  const timed: [string, number | undefined][] = result.kind === 'ws'
    ? [['connect', result.phases.connect], ['rtt', result.ws?.rttSeconds]]
    : PHASES.map((phase) => [phase, result.phases[phase]]);
  for (const [label, seconds] of timed) {
    rows.push([label, ms(seconds)]);
    measured += seconds ?? 0;
  }
  // The client's own work (building the request, writing it, a first-run JIT) is in no phase;
  // showing it keeps the table honest when the phases do not add up to the total.
  // A WebSocket run's duration is handshake + round trip by definition: nothing to show there.
  if (result.kind !== 'ws' && (result.ok || measured > 0)) rows.push(['other', ms(Math.max(0, result.durationSeconds - measured))]);
  rows.push(['total', ms(result.durationSeconds)]);
  rows.push(['status', result.status === undefined ? '-' : String(result.status)]);
  const labelWidth = 'transfer'.length + 2;
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  const lines = rows.map(([label, value]) => `${label.padEnd(labelWidth)}${value.padStart(valueWidth)}`);
  for (const [label, value] of details) lines.push(`${label.padEnd(labelWidth)}${value}`);
  lines.push(`${'outcome'.padEnd(labelWidth)}${result.ok ? 'success' : `failure: ${result.reason ?? 'error'}`}`);
  if (!result.ok && result.message !== undefined) lines.push(`${'message'.padEnd(labelWidth)}${result.message}`);
  return lines.join('\n');
}
