/** `perfwarden notify test [--channel NAME]`: a test message through each configured channel, one line per outcome. */
import type { Command } from 'commander';
import { createNotifiers } from '../notify/create-notifiers.js';
import { formatTestOutcome, sendTestNotifications } from '../notify/test-notification.js';
import type { CliIo } from './io.js';
import { ExitCodes } from './io.js';
import { loadConfigOrReport, reportError } from './config-file.js';

/** Registers `notify test`. */
export function registerNotifyCommand(program: Command, io: CliIo): void {
  const notify = program.command('notify').description('notification channels');
  notify
    .command('test')
    .description('send a test notification through every channel (or --channel) and print each outcome; exit 1 if one failed')
    .option('-c, --config <file>', 'config file (default: config/default.yaml)')
    .option('--channel <name>', 'only this channel')
    .action(async (opts: { config?: string; channel?: string }) => {
      const config = loadConfigOrReport(opts.config, io);
      if (config === undefined) return;
      const notifiers = createNotifiers(config.notifications.channels);
      try {
        if (notifiers.length === 0) {
          io.out('no notification channels are configured (notifications.channels in the config; see README "Notifications")\n');
          return;
        }
        const outcomes = await sendTestNotifications(notifiers, Date.now, opts.channel);
        for (const o of outcomes) io.out(`${formatTestOutcome(o)}\n`);
        if (outcomes.some((o) => !o.ok)) io.setExitCode(ExitCodes.failure);
      } catch (thrown) {
        reportError(thrown, io);
        if ((thrown as { code?: unknown }).code === 'PW_ERR_NOT_FOUND') io.setExitCode(ExitCodes.badInput);
      } finally {
        await Promise.all(notifiers.map((n) => n.close?.()));
      }
    });
  for (const cmd of notify.commands) cmd.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
}
