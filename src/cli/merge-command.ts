/**
 * `perfwarden merge RESULT.json... [--out F] [--report F] [--threshold ...]`: the results of the
 * shards of one load (`perfwarden load --shard i/N --out ...`) merged exactly, judged again on
 * the merged data, summarised like `perfwarden load`. Exit codes as `load`: 0, 99 a gate failed,
 * 2 bad input (unreadable files, different plans).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { PwError, coerceError } from '../core/errors.js';
import { mergeResults } from '../load/result/merge.js';
import type { LoadResult } from '../load/result/result.js';
import { parseThresholdExpression } from '../load/thresholds.js';
import { renderReport, reportFormatOf } from '../report/index.js';
import type { CliIo } from './io.js';
import { checkWritable, exitCodeOf, formatSummary } from './load-command.js';
import { collect } from './options.js';
import { reportError } from './config-file.js';

/** Reads a result written by `perfwarden load --out`. Throws PW_ERR_INVALID_ARGUMENT. */
export function readResult(file: string): LoadResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (thrown) {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `${file}: cannot read a result (${coerceError(thrown).message})`);
  }
  const r = parsed as Partial<LoadResult> | null;
  if (r === null || typeof r !== 'object' || r.version !== 2 || typeof r.histogram !== 'string' || !Array.isArray(r.endpoints)) {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `${file}: not a perfwarden load result of version 2 (write one with perfwarden load --out)`);
  }
  return r as LoadResult;
}

/** Registers `merge`. */
export function registerMergeCommand(program: Command, io: CliIo): void {
  program
    .command('merge')
    .argument('<results...>', 'result files of the shards (perfwarden load --shard i/N --out FILE)')
    .description('merge shard results exactly, judge the thresholds on the merged data; exit 99 when one fails')
    .option('-o, --out <file>', 'write the merged result JSON here')
    .option('-r, --report <file>', 'write a report: .html, .md or .xml (JUnit) (repeatable)', collect, [])
    .option('-t, --threshold <expr>', 'judge these thresholds instead of the ones stored in the results (repeatable)', collect, [])
    .action((files: string[], opts: { out?: string; report: string[]; threshold: string[] }) => {
      let merged: LoadResult;
      try {
        for (const file of opts.report) {
          if (reportFormatOf(file) === undefined) throw new PwError('PW_ERR_INVALID_ARGUMENT', `--report ${file}: expected a name ending in .html, .md or .xml`);
          checkWritable(file, '--report');
        }
        if (opts.out !== undefined) checkWritable(opts.out, '--out');
        const thresholds = opts.threshold.length === 0 ? undefined : opts.threshold.map((t) => parseThresholdExpression(t));
        merged = mergeResults(files.map(readResult), thresholds);
        io.out(formatSummary(merged));
        if (opts.out !== undefined) writeFileSync(opts.out, `${JSON.stringify(merged, null, 2)}\n`);
        for (const file of opts.report) writeFileSync(file, renderReport(merged, reportFormatOf(file) ?? 'markdown'));
      } catch (thrown) {
        reportError(thrown, io);
        return;
      }
      io.setExitCode(exitCodeOf(merged, false));
    });
}
