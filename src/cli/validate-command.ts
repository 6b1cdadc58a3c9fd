/** `perfwarden validate FILE`: check a config and print every problem, exit 2 if any. */
import type { Command } from 'commander';
import type { CliIo } from './io.js';
import { loadConfigOrReport, resolveConfigPath } from './config-file.js';

/** Registers `validate`. */
export function registerValidateCommand(program: Command, io: CliIo): void {
  program
    .command('validate')
    .argument('[file]', 'config file (default: config/default.yaml)')
    .description('check a config file and report every problem with file:line:column')
    .action((file: string | undefined) => {
      const config = loadConfigOrReport(file, io);
      if (config === undefined) return;
      const names = (items: readonly { name: string }[]) => (items.length === 0 ? '' : `: ${items.map((i) => i.name).join(', ')}`);
      io.out(`${resolveConfigPath(file)}: ok\n`
        + `  ${config.targets.length} target(s)${names(config.targets)}\n`
        + `  ${config.probes.length} probe(s)${names(config.probes)}\n`
        + `  ${config.loads.length} load(s)${names(config.loads)}\n`
        + `  ${config.alerts.length} alert(s)${names(config.alerts)}\n`
        + (config.maintenance.length === 0 ? '' : `  ${config.maintenance.length} maintenance window(s)${names(config.maintenance)}\n`));
    });
}
