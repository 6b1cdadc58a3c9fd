/**
 * `perfwarden health [config]`: each target's memory, leak verdict (slope, interval, GC cycles),
 * CPU and cache hit ratio.
 *
 * Two ways to answer, because a leak verdict needs a full window of history:
 * - `--url http://daemon:9464` asks a running daemon (`GET /api/targets`), whose detector has
 *   watched for its whole `leak.window` — the answer to "is it leaking?" in production;
 * - without `--url`, it samples the config's targets' own sources for `--for` (bounded, default
 *   30 s) and judges that period (the leak window is `--for` unless `--window` says otherwise) —
 *   a quick look, or a CI step that watches a target for a few minutes.
 * Exit code 99 when a target's verdict is `leak`, like a failed gate.
 */
import type { Command } from 'commander';
import { request } from 'undici';
import type { Config } from '../config/schema.js';
import { systemClock } from '../core/clock.js';
import { PwError } from '../core/errors.js';
import { HealthMonitor } from '../health/health-monitor.js';
import type { WatchedTarget } from '../health/health-monitor.js';
import { formatTargetHealth, targetHealthView, unwatchedView } from '../health/target-health-view.js';
import type { TargetHealthView } from '../health/target-health-view.js';
import { loadConfigOrReport, reportError } from './config-file.js';
import type { CliIo } from './io.js';
import { ExitCodes } from './io.js';
import { parseDurationOption } from './options.js';

interface HealthOptions {
  target?: string;
  json?: boolean;
  url?: string;
  token?: string;
  for: number;
  every: number;
  window?: number;
}

/** The longest `--for`: the command is a look, not a daemon. */
const MAX_FOR_MS = 3_600_000;

/** Registers `health`. */
export function registerHealthCommand(program: Command, io: CliIo): void {
  program
    .command('health')
    .argument('[config]', 'config file (default: config/default.yaml)')
    .description('each target\'s memory, leak verdict, CPU and cache hit ratio: from a running daemon (--url) or by sampling the targets\' sources for a while')
    .option('--target <name>', 'only this target')
    .option('--json', 'print JSON (the GET /api/targets shape)')
    .option('--url <url>', 'ask a running daemon (GET /api/targets) instead of sampling')
    .option('--token <token>', 'bearer token for a daemon whose reads are closed')
    .option('--for <duration>', 'sampling: how long to watch (at most 1h)', parseDurationOption, 30_000)
    .option('--every <duration>', 'sampling: interval between reads', parseDurationOption, 1000)
    .option('--window <duration>', 'sampling: leak window (default: --for)', parseDurationOption)
    .action(async (file: string | undefined, opts: HealthOptions) => {
      let views: TargetHealthView[];
      try {
        if (opts.url !== undefined) views = await fromDaemon(opts.url, opts.token);
        else {
          const config = loadConfigOrReport(file, io);
          if (config === undefined) return;
          views = await bySampling(config, opts);
        }
        if (opts.target !== undefined) {
          views = views.filter((v) => v.target === opts.target);
          if (views.length === 0) throw new PwError('PW_ERR_INVALID_ARGUMENT', `no target named "${opts.target}"`);
        }
      } catch (thrown) {
        reportError(thrown, io);
        return;
      }
      io.out(opts.json === true ? `${JSON.stringify({ targets: views }, null, 2)}\n` : `${formatTargetHealth(views)}\n`);
      if (views.some((v) => v.leak?.verdict === 'leak')) io.setExitCode(ExitCodes.thresholdFailed);
    });
}

async function fromDaemon(url: string, token: string | undefined): Promise<TargetHealthView[]> {
  const res = await request(new URL('/api/targets', url), { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const body = await res.body.text();
  if (res.statusCode !== 200) throw new PwError('PW_ERR_UNAVAILABLE', `${url} answered GET /api/targets with HTTP ${res.statusCode}: ${body.slice(0, 200)}`);
  return (JSON.parse(body) as { targets: TargetHealthView[] }).targets;
}

async function bySampling(config: Config, opts: HealthOptions): Promise<TargetHealthView[]> {
  if (opts.for > MAX_FOR_MS) throw new PwError('PW_ERR_INVALID_ARGUMENT', '--for is at most 1h: for longer, ask the daemon with --url');
  const chosen = config.targets.filter((t) => opts.target === undefined || t.name === opts.target);
  const watched: WatchedTarget[] = [];
  for (const t of chosen) {
    if (t.resources === undefined || t.resources.sources.length === 0) continue;
    if (t.url === undefined) throw new PwError('PW_ERR_INVALID_ARGUMENT', `target "${t.name}" is the demo target, which only runs inside the daemon: use --url`);
    const window = opts.window ?? opts.for;
    watched.push({ name: t.name, baseUrl: t.url.replace(/\/+$/, ''), resources: { ...t.resources, leak: { ...t.resources.leak, window } } });
  }
  const clock = systemClock;
  const monitor = new HealthMonitor({ targets: watched, clock });
  const end = clock.now() + opts.for;
  try {
    for (;;) {
      await monitor.sampleAll();
      const left = end - clock.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => clock.setTimeout(resolve, Math.min(opts.every, left)));
    }
  } finally {
    await monitor.stop();
  }
  const byName = new Map(monitor.snapshot().map((h) => [h.target, targetHealthView(h)]));
  return chosen.map((t) => byName.get(t.name) ?? unwatchedView(t.name));
}
