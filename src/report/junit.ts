/** JUnit XML for CI: one test case per threshold, failed thresholds as failures (pure). */
import type { LoadResult } from '../load/result/result.js';
import { abortText } from '../load/result/judge.js';
import { escapeXml, fmtThresholdValue } from './format.js';

/** Renders a result's thresholds as a JUnit test suite. */
export function renderJunit(r: LoadResult): string {
  const failures = r.thresholds.filter((t) => !t.ok).length;
  const cases = r.thresholds.map((t) => {
    const name = escapeXml(`${t.endpoint === undefined ? '' : `${t.endpoint}: `}${t.expression}`);
    const measured = `measured ${fmtThresholdValue(t.name, t.value)}`;
    const body = t.ok ? `<system-out>${escapeXml(measured)}</system-out>` : `<failure message="${escapeXml(`${t.expression} failed: ${measured}`)}" type="threshold">${escapeXml(measured)}</failure>`;
    return `    <testcase classname="perfwarden.load.${escapeXml(r.name)}" name="${name}" time="${r.summary.durationSeconds}">${body}</testcase>`;
  });
  // An interrupted or failed run is a failure of CI even when the part that ran met every gate.
  if (r.aborted !== null) cases.push(`    <testcase classname="perfwarden.load.${escapeXml(r.name)}" name="run completed" time="${r.summary.durationSeconds}"><failure message="${escapeXml(`${r.verdict === 'aborted' ? 'aborted' : 'stopped by abortOnFail'}: ${abortText(r.aborted)}`)}" type="${r.verdict === 'aborted' ? 'aborted' : 'abortOnFail'}"/></testcase>`);
  if (r.verdictReason !== undefined) cases.push(`    <testcase classname="perfwarden.load.${escapeXml(r.name)}" name="requests succeeded" time="${r.summary.durationSeconds}"><failure message="${escapeXml(r.verdictReason)}" type="verdict"/></testcase>`);
  const total = cases.length;
  const failed = failures + (r.aborted !== null ? 1 : 0) + (r.verdictReason !== undefined ? 1 : 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="perfwarden" tests="${total}" failures="${failed}">`,
    `  <!-- verdict: ${r.verdict} -->`,
    `  <testsuite name="load ${escapeXml(r.name)}" tests="${total}" failures="${failed}" errors="0" timestamp="${escapeXml(r.startedAt)}" time="${r.summary.durationSeconds}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
