/**
 * `perfwarden demo`: run the demo target alone (the same service the daemon embeds), print its
 * URLs, and stop cleanly on SIGINT/SIGTERM with exit code 0.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { Value } from '@sinclair/typebox/value';
import { DemoSection } from '../config/sections/core.js';
import type { DemoConfig } from '../config/sections/core.js';
import { createLogger } from '../core/logger.js';
import { parsePercent } from '../core/units.js';
import { startDemoTarget } from '../demo/demo-target.js';
import type { CliIo } from './io.js';
import { loadConfigOrReport, reportError } from './config-file.js';
import { parseDurationOption, parsePort, parsePositiveInt, parseSizeOption } from './options.js';

interface DemoOptions {
  config?: string;
  port?: number;
  host?: string;
  latency?: number;
  errorRate?: number;
  wsDelay?: number;
  leak?: number;
  cacheSize?: number;
}

/** A percentage ("5%") or a ratio ("0.05") to a ratio. */
function parseRatioOption(value: string): number {
  const ratio = value.trim().endsWith('%') ? safe(() => parsePercent(value)) : Number(value);
  if (ratio === undefined || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new InvalidArgumentError('expected a percentage like "5%" (or a ratio from 0 to 1)');
  }
  return ratio;
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** The `demo` section's defaults, decoded (one source of truth: the schema). */
function defaultDemoConfig(): DemoConfig {
  return Value.Decode(DemoSection, Value.Default(DemoSection, {}));
}

/** Registers `demo`. */
export function registerDemoCommand(program: Command, io: CliIo): void {
  program
    .command('demo')
    .description('run the demo target (a fake trading backend with fault-injection knobs)')
    .option('-c, --config <file>', 'take the "demo" section of this config file as the starting point')
    .option('-p, --port <n>', 'port (0 = any free port; default 9465)', parsePort)
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option('--latency <duration>', 'added latency on every /api route, e.g. 700ms', parseDurationOption)
    .option('--error-rate <percent>', 'share of /api requests answered 500, e.g. 5%', parseRatioOption)
    .option('--ws-delay <duration>', 'delay before a WebSocket handshake completes, e.g. 2s', parseDurationOption)
    .option('--leak <size>', 'memory leaked per second, e.g. 1MiB', parseSizeOption)
    .option('--cache-size <n>', 'entries in the item LRU', parsePositiveInt)
    .addHelpText('after', '\nChange knobs while it runs: curl -X PUT URL/admin/knobs -H "content-type: application/json" -d \'{"latency":"700ms"}\'\n')
    .action(async (opts: DemoOptions) => {
      let base = defaultDemoConfig();
      if (opts.config !== undefined) {
        const loaded = loadConfigOrReport(opts.config, io);
        if (loaded === undefined) return;
        base = loaded.demo;
      }
      const config: DemoConfig = {
        ...base,
        enabled: true,
        ...(opts.port === undefined ? {} : { port: opts.port }),
        ...(opts.host === undefined ? {} : { host: opts.host }),
        ...(opts.latency === undefined ? {} : { latency: opts.latency }),
        ...(opts.errorRate === undefined ? {} : { errorRate: opts.errorRate }),
        ...(opts.wsDelay === undefined ? {} : { wsHandshakeDelay: opts.wsDelay }),
        ...(opts.leak === undefined ? {} : { leakPerSecond: opts.leak }),
        ...(opts.cacheSize === undefined ? {} : { cacheSize: opts.cacheSize }),
      };
      let target;
      try {
        target = await startDemoTarget({ config, logger: createLogger({ level: 'warn' }) });
      } catch (thrown) {
        reportError(thrown, io);
        return;
      }
      io.out(`demo target listening on ${target.url} (WebSocket ${target.wsUrl})\n`);
      io.out(`knobs: ${JSON.stringify(target.knobs.get())} — change them with PUT ${target.url}/admin/knobs\n`);
      const t = target;
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        const onSignal = (s: NodeJS.Signals): void => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve(s);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      await t.stop(signal);
      io.out(`demo target stopped (${signal})\n`);
      io.setExitCode(0);
    });
}
