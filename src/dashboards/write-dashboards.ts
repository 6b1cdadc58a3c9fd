/**
 * Writes the dashboards for a config into a folder: the I/O half of `perfwarden dashboards`.
 * `dashboards/*.json` in the repository is this for config/default.yaml; a test fails when the
 * committed files drift from the builder.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { buildDashboards, levelsFromAlerts, renderDashboard } from './dashboards.js';

/** Writes every dashboard for `config` into `dir`; returns the paths written. */
export function writeDashboards(config: Config, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(buildDashboards(levelsFromAlerts(config.alerts))).map(([file, d]) => {
    const path = join(dir, file);
    writeFileSync(path, renderDashboard(d));
    return path;
  });
}
