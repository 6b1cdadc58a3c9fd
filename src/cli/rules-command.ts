/** `perfwarden rules [--config FILE] [--output FILE]`: the configured alerts as Prometheus alerting rules. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { generatePrometheusRules, renderPrometheusRules } from '../alerts/prometheus-rules.js';
import { alertRules } from '../alerts/builtin-alerts.js';
import { loadConfigOrReport, reportError, resolveConfigPath } from './config-file.js';
import type { CliIo } from './io.js';

/** Registers `rules`. */
export function registerRulesCommand(program: Command, io: CliIo): void {
  program
    .command('rules')
    .description('write Prometheus alerting rules (YAML) equivalent to the configured alerts')
    .option('-c, --config <file>', 'config file (default: config/default.yaml)')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action((opts: { config?: string; output?: string }) => {
      const config = loadConfigOrReport(opts.config, io);
      if (config === undefined) return;
      const generated = generatePrometheusRules(alertRules(config));
      const text = renderPrometheusRules(generated, opts.config ?? 'config/default.yaml');
      for (const s of generated.skipped) io.err(`perfwarden rules: skipped ${s}\n`);
      if (opts.output === undefined) {
        io.out(text);
        return;
      }
      try {
        writeFileSync(opts.output, text);
        io.err(`wrote ${generated.groups.reduce((n, g) => n + g.rules.length, 0)} rule(s) from ${resolveConfigPath(opts.config)} to ${opts.output}\n`);
      } catch (thrown) {
        reportError(thrown, io);
      }
    });
}
