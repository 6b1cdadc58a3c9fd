/**
 * The alert-count panels count alerts, not (alert, severity) series: a firing critical also
 * reports its warning as firing, and must be counted once. The panels' own PromQL (taken from the
 * generated JSON) is evaluated by `promtool test rules` over synthetic `perfwarden_alert_state`
 * series, so this checks the real PromQL semantics, not a string.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Dashboard, Panel } from '../../src/dashboards/grafana-model.js';

const DIR = new URL('../../dashboards/', import.meta.url).pathname;
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const skip = promtool.status === 0 ? false : 'promtool not installed';

function panel(file: string, title: string): Panel {
  const d = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Dashboard;
  const p = d.panels.find((x) => x.title === title);
  assert.ok(p, `${file} has panel "${title}"`);
  return p;
}

function exprs(p: Panel): { expr: string; legend: string }[] {
  return (p.targets ?? []).map((t) => ({ expr: t.expr, legend: t.legendFormat }));
}

// a: critical firing (so its warning fires too); b: warning firing only; c: pending; d: inactive;
// e: critical pending while its warning fires (worst state: firing).
const SERIES: Record<string, number> = {
  'perfwarden_alert_state{alert="a",severity="warning"}': 2,
  'perfwarden_alert_state{alert="a",severity="critical"}': 2,
  'perfwarden_alert_state{alert="b",severity="warning"}': 2,
  'perfwarden_alert_state{alert="b",severity="critical"}': 0,
  'perfwarden_alert_state{alert="c",severity="warning"}': 1,
  'perfwarden_alert_state{alert="d",severity="warning"}': 0,
  'perfwarden_alert_state{alert="e",severity="warning"}': 2,
  'perfwarden_alert_state{alert="e",severity="critical"}': 1,
};

test('firing and pending panels count each alert once, by its worst state and highest severity', { skip }, () => {
  const firing = exprs(panel('overview.json', 'Alerts firing'));
  const pending = exprs(panel('overview.json', 'Alerts pending'));
  const bySeverity = exprs(panel('alerts.json', 'Firing by severity'));
  const pendingTimeline = exprs(panel('alerts.json', 'Pending'));
  // All jobs and instances, as Grafana's "All" fills the variables ('.*' also matches no label).
  const expected = (expr: string, value: number) => ({ expr: expr.replaceAll('$job', '.*').replaceAll('$instance', '.*'), eval_time: '2m', exp_samples: [{ labels: '{}', value }] });
  const cases = [
    expected(firing[0]!.expr, 3),
    expected(pending[0]!.expr, 1),
    expected(pendingTimeline[0]!.expr, 1),
    expected(bySeverity.find((q) => q.legend === 'critical')!.expr, 1),
    expected(bySeverity.find((q) => q.legend === 'warning')!.expr, 2),
  ];
  assert.equal(bySeverity.length, 2);
  const dir = mkdtempSync(join(tmpdir(), 'pw-alert-counts-'));
  try {
    writeFileSync(join(dir, 'none.rules.yml'), 'groups: []\n');
    writeFileSync(join(dir, 'test.yml'), stringify({
      rule_files: ['none.rules.yml'],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: Object.entries(SERIES).map(([series, v]) => ({ series, values: `${v}x5` })),
        promql_expr_test: cases,
      }],
    }));
    const run = spawnSync('promtool', ['test', 'rules', join(dir, 'test.yml')], { encoding: 'utf8' });
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
