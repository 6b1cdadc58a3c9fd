/** `perfwarden dashboards [--config FILE] [--out DIR]`: Grafana dashboards with the config's alert levels. */
import type { Command } from 'commander';
import { levelsFromAlerts } from '../dashboards/dashboards.js';
import { writeDashboards } from '../dashboards/write-dashboards.js';
import { loadConfigOrReport, reportError, resolveConfigPath } from './config-file.js';
import type { CliIo } from './io.js';

/** Registers `dashboards`. */
export function registerDashboardsCommand(program: Command, io: CliIo): void {
  program
    .command('dashboards')
    .description('write the Grafana dashboards (JSON), threshold lines at the configured alert levels')
    .option('-c, --config <file>', 'config file (default: config/default.yaml)')
    .option('-o, --out <dir>', 'folder to write the dashboards to', 'dashboards')
    .action((opts: { config?: string; out: string }) => {
      const config = loadConfigOrReport(opts.config, io);
      if (config === undefined) return;
      try {
        const written = writeDashboards(config, opts.out);
        const levels = Object.keys(levelsFromAlerts(config.alerts));
        io.out(`wrote ${written.length} dashboards from ${resolveConfigPath(opts.config)} to ${opts.out} (threshold lines: ${levels.length === 0 ? 'none, no alert with a matching measure' : levels.join(', ')})\n`);
      } catch (thrown) {
        reportError(thrown, io);
      }
    });
}
