/**
 * `perfwarden import har FILE`: a load config from a browser recording (see
 * src/import/har-to-load.ts for what is kept). The YAML goes to `--out` or stdout, what was
 * left out to stderr, so `perfwarden import har x.har > load.yaml` works.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { Document } from 'yaml';
import { PwError, coerceError } from '../core/errors.js';
import { parseHar } from '../import/har-schema.js';
import { harToLoad } from '../import/har-to-load.js';
import type { HarImportSummary } from '../import/har-to-load.js';
import type { CliIo } from './io.js';
import { parseDurationOption } from './options.js';
import { reportError } from './config-file.js';

interface ImportHarOptions {
  name?: string;
  out?: string;
  origin?: string;
  includeStatic?: boolean;
  keepCredentials?: boolean;
  splitGap: number;
}

/** Registers `import har`. */
export function registerImportCommand(program: Command, io: CliIo): void {
  const importCommand = program.command('import').description('turn a recording of real traffic into a load config');
  importCommand
    .command('har')
    .argument('<file>', 'a HAR recording (browser devtools "Save all as HAR", Playwright recordHar)')
    .description('write a load config (loads:) from a HAR recording')
    .option('--name <name>', 'the load\'s name (default: the file name)')
    .option('-o, --out <file>', 'write the config here instead of stdout')
    .option('--origin <url>', 'the origin to keep, e.g. https://api.example.com (default: the recorded page\'s)')
    .option('--include-static', 'keep scripts, stylesheets, images, fonts and media')
    .option('--keep-credentials', 'keep cookie, authorization and API-key headers')
    .option('--split-gap <duration>', 'idle time that separates two bursts of requests', parseDurationOption, 1000)
    .action((file: string, opts: ImportHarOptions) => {
      try {
        io.out(importHar(file, opts, io));
      } catch (thrown) {
        reportError(thrown, io);
      }
    });
  for (const cmd of importCommand.commands) cmd.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
}

function importHar(file: string, opts: ImportHarOptions, io: CliIo): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (thrown) {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `cannot read ${file}: ${coerceError(thrown).message}`);
  }
  const name = opts.name ?? (basename(file).replace(/\.har$/i, '').replace(/[^A-Za-z0-9_.:-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'recording');
  const origin = opts.origin === undefined ? undefined : originOf(opts.origin);
  const { load, summary } = harToLoad(parseHar(text, file), {
    name,
    ...(origin === undefined ? {} : { origin }),
    includeStatic: opts.includeStatic === true,
    keepCredentials: opts.keepCredentials === true,
    splitGapMs: opts.splitGap,
  });
  if (summary.kept === 0) throw new PwError('PW_ERR_INVALID_ARGUMENT', `${file}: no request to ${summary.origin} is left to replay (${describe(summary)})`);
  const doc = new Document({ loads: [load] });
  doc.commentBefore = ` Imported from ${basename(file)} by perfwarden import har: ${describe(summary)}.\n`
    + ' Set vus/duration (or another executor) and thresholds, then: perfwarden load <this file>';
  const yaml = doc.toString({ lineWidth: 0 });
  io.err(`${describe(summary)}\n`);
  if (opts.out === undefined) return yaml;
  writeFileSync(opts.out, yaml);
  return `wrote ${opts.out}\n`;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `--origin expects a URL like https://api.example.com, got "${url}"`);
  }
}

function describe(s: HarImportSummary): string {
  const credentials = s.strippedCredentials.length === 0 ? '' : `; removed ${s.strippedCredentials.join(', ')} headers (--keep-credentials keeps them)`;
  return `${s.kept} of ${s.recorded} requests to ${s.origin} kept in ${s.bursts} burst(s); left out ${s.staticAssets} static asset(s) and ${s.thirdParty} third-party request(s)${credentials}`;
}
