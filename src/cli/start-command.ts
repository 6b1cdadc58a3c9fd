/**
 * `perfwarden start`: run the daemon until SIGINT/SIGTERM. On a signal it stops scheduling,
 * lets runs in flight finish or time out, closes servers and exits 0 within 5 s; a second
 * signal more than a second later exits at once.
 */
import type { Command } from 'commander';
import { setFlagsFromString } from 'node:v8';
import { createDaemon } from '../daemon/create-daemon.js';
import { parsePort, parseShardOption, shardOf } from './options.js';
import type { Segment } from '../load/plan/segment.js';
import type { CliIo } from './io.js';
import { loadConfigOrReport, reportError } from './config-file.js';

/**
 * The daemon scavenges its young generation on its own thread. V8's parallel scavenge wakes its
 * helper threads for each of the daemon's small, frequent collections (a thousand probes make a
 * little garbage all the time): those wake-ups were ~1.3 points of a core at 1,000 probes (11.2
 * and 11.3 % against 9.95 and 9.8 % without, the main thread no busier; README, "Where a probe
 * run's CPU goes"). V8 reads the flag at each scavenge, so setting it at start-up is safe
 * (`--single-threaded-gc`, which also changes marking, is not: set at run time it aborts).
 */
const DAEMON_V8_FLAGS = '--no-parallel-scavenge';

/** Registers `start`. */
export function registerStartCommand(program: Command, io: CliIo): void {
  program
    .command('start')
    .description('start the daemon (probes, loads, alerts, /metrics, API, status page)')
    .option('-c, --config <file>', 'config file (default: config/default.yaml)')
    .option('-p, --port <n>', 'HTTP port for /metrics and the API (0 = any free port)', parsePort)
    .option('--shard <index/count>', 'run a share of the probes (rendezvous hashing) and segment INDEX/COUNT of scheduled loads; also PERFWARDEN_SHARD', parseShardOption)
    .action(async (opts: { config?: string; port?: number; shard?: Segment }) => {
      setFlagsFromString(DAEMON_V8_FLAGS);
      const config = loadConfigOrReport(opts.config, io);
      if (config === undefined) return;
      let daemon;
      try {
        const shard = shardOf(opts.shard, io.env);
        daemon = await createDaemon(config, { env: io.env, ...(opts.port === undefined ? {} : { port: opts.port }), ...(shard === undefined ? {} : { shard }) });
      } catch (thrown) {
        reportError(thrown, io);
        return;
      }
      const d = daemon;
      let firstSignalAt: number | undefined;
      const onSignal = (signal: NodeJS.Signals) => {
        // Ctrl-C under `npm start` arrives twice: from the terminal to the whole process group,
        // and relayed by tsx. Only a signal well after the first one means "exit now".
        if (firstSignalAt !== undefined) {
          if (Date.now() - firstSignalAt > 1000) process.exit(130);
          return;
        }
        firstSignalAt = Date.now();
        const force = setTimeout(() => {
          d.context.logger.warn('shutdown took longer than 5 s; exiting anyway');
          process.exit(0);
        }, 4800);
        force.unref();
        void d.stop(signal);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      await d.done;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
}
