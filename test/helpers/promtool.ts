/** Runs Debian's promtool; tests that need it fail with a clear message when it is missing. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The promtool binary (from Debian's `prometheus` package; `.ci/run` installs it). */
export const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p)) ?? 'promtool';

/** `promtool check metrics` on exposition text: returns exit status and output. */
export function promtoolCheckMetrics(text: string): { status: number | null; output: string } {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error !== undefined) throw new Error(`cannot run promtool (apt-get install prometheus): ${r.error.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
