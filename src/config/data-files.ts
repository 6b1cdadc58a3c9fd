/**
 * Reads the data files of every load (`loads[].data[].file`, relative to the config file) once, at
 * the config boundary, into the decoded config, so a run (CLI or daemon) and its worker threads
 * get the rows with the load itself. Every problem is reported at the entry's file:line: a missing
 * or unreadable file, a file above 50 MiB or 1,000,000 rows, a bad CSV/JSON, an empty file, and a
 * `{{name.column}}` whose column the file lacks.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { coerceError } from '../core/errors.js';
import { templateNames } from '../core/template.js';
import { MAX_DATA_BYTES, dataFormatOf, parseDataTable } from '../load/draws/data-table.js';
import type { DataTable } from '../load/draws/data-table.js';
import type { LoadConfig } from './sections/loads.js';
import type { ReportProblem } from './problem.js';

/** Reads each load's data files into its `data[].table`; call before freezing the config. */
export function attachDataTables(loads: readonly LoadConfig[], baseDir: string, report: ReportProblem): void {
  loads.forEach((load, li) => {
    load.data?.forEach((source, di) => {
      const at = ['loads', li, 'data', di, 'file'];
      let table: DataTable;
      try {
        table = readDataTable(resolve(baseDir, source.file));
      } catch (thrown) {
        report(at, `${source.file}: ${coerceError(thrown).message}`);
        return;
      }
      source.table = table;
      load.scenarios?.forEach((s, si) => s.requests.forEach((r, ri) => {
        for (const name of templateNames(JSON.stringify([r.path, r.headers, r.body, r.json]))) {
          const dot = name.indexOf('.');
          const column = name.slice(dot + 1);
          if (dot >= 0 && name.slice(0, dot) === source.name && !table.columns.includes(column)) {
            report(['loads', li, 'scenarios', si, 'requests', ri], `"{{${name}}}": ${source.file} has no column "${column}" (it has ${table.columns.map((c) => `"${c}"`).join(', ')})`);
          }
        }
      }));
    });
  });
}

/** Reads and parses one data file (size checked before reading). Throws PW_ERR_INVALID_ARGUMENT or a file system error. */
export function readDataTable(path: string): DataTable {
  const size = statSync(path).size;
  if (size > MAX_DATA_BYTES) throw new Error(`the file is ${(size / 1024 / 1024).toFixed(1)} MiB; a data file may be at most ${MAX_DATA_BYTES / 1024 / 1024} MiB`);
  return parseDataTable(readFileSync(path, 'utf8'), dataFormatOf(path));
}
