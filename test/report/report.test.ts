/** Report renderers are pure functions of a result: Markdown, self-contained HTML, JUnit XML. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from './report-fixture.js';
import { renderHtml, renderJunit, renderMarkdown, renderReport, reportFormatOf } from '../../src/report/index.js';


test('Markdown: summary, thresholds with measured values, endpoints, sweep with knee', () => {
  const md = renderMarkdown(fixture());
  assert.match(md, /^# Load run "gate-3.2" — ❌ FAIL/);
  assert.match(md, /\| ❌ \| `p\(95\)<200ms` \| overall \| 1\.45 s \|/);
  assert.match(md, /\| ❌ \| `error_rate<0\.1%` \| overall \| 86\.6 % \|/);
  assert.match(md, /`GET \/api\/user\/performance` \| 33,788/);
  assert.match(md, /\| 2 \| 10 \| 360\.0 \| .* \| ✅ yes ← knee \|/);
  assert.match(md, /Knee: step 2 \(10 VUs\)/);
  assert.match(md, /saturated for 1 s/);
});

test('HTML: self-contained, charts inline, text escaped', () => {
  const html = renderHtml(fixture());
  assert.match(html, /^<!doctype html>/);
  assert.ok((html.match(/<svg /g) ?? []).length >= 3, 'latency, throughput, errors charts (+ sweep)');
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /(src|href)=["']?https?:/i);
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(html, /← knee/);
  assert.match(html, /<rect [^>]*fill="#f5c2c2"/, 'saturated second shaded');
});

test('JUnit: one test case per threshold, failures counted', () => {
  const xml = renderJunit(fixture());
  assert.equal(xml.match(/<testcase /g)?.length, 3);
  assert.match(xml, /<testsuite name="load gate-3.2" tests="3" failures="2"/);
  assert.match(xml, /<failure message="p\(95\)&lt;200ms failed: measured 1\.45 s" type="threshold">/);
  assert.match(xml, /name="GET \/api\/user\/performance: rps&gt;10"/);
  const aborted = renderJunit({ ...fixture(), aborted: { cause: 'threshold', outcome: { name: 'p(95)', expression: 'p(95)<200ms', value: 1450, ok: false }, atSeconds: 12 } });
  assert.match(aborted, /tests="4" failures="3"/);
});

test('report format follows the file name', () => {
  assert.equal(reportFormatOf('out/report.html'), 'html');
  assert.equal(reportFormatOf('report.md'), 'markdown');
  assert.equal(reportFormatOf('junit.xml'), 'junit');
  assert.equal(reportFormatOf('report.pdf'), undefined);
  assert.equal(renderReport(fixture(), 'markdown'), renderMarkdown(fixture()));
});
