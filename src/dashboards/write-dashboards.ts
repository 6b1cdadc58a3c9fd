/**
 * Writes `dashboards/*.json` from the builder: `npx tsx src/dashboards/write-dashboards.ts [dir]`.
 * The only I/O of the dashboards domain; a test fails when the committed files drift.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDashboards, renderDashboard } from './dashboards.js';

/** Writes every dashboard into `dir`; returns the paths written. */
export function writeDashboards(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return Object.entries(buildDashboards()).map(([file, d]) => {
    const path = join(dir, file);
    writeFileSync(path, renderDashboard(d));
    return path;
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? fileURLToPath(new URL('../../dashboards/', import.meta.url));
  for (const path of writeDashboards(dir)) process.stdout.write(`wrote ${path}\n`);
}
