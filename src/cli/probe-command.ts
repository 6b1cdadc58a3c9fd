/**
 * `perfwarden probe URL`: a one-shot probe that prints the phase timings, for "is it me or the
 * network?" moments. The URL's scheme picks the kind from the registry (`http(s)://`, `ws(s)://`,
 * `tcp://host:port`, `dns://server/name?type=A`, `tls://host:port`); the probe is built through
 * the same schema as configured probes, so the defaults (timeout, body cap, status rule) are
 * the daemon's.
 */
import type { Command } from 'commander';
import { Value } from '@sinclair/typebox/value';
import { ProbeSchema } from '../config/sections/probes.js';
import type { ProbeConfig } from '../config/sections/probes.js';
import { PwError } from '../core/errors.js';
import { formatPhaseTable } from '../probe/probe-format.js';
import { createProbeRunner, kindOfScheme, probeKind } from '../probe/probe-kinds.js';
import { newTraceContext } from '../probe/trace-context.js';
import type { ProbeResult } from '../probe/types.js';
import type { CliIo } from './io.js';
import { ExitCodes } from './io.js';
import { collect, parsePositiveInt } from './options.js';
import { reportError } from './config-file.js';

interface ProbeOptions {
  ws?: boolean;
  count: number;
  json?: boolean;
  method: string;
  header: string[];
  body?: string;
  timeout: string;
  insecure?: boolean;
  followRedirects?: boolean;
  send?: string;
  expect: string[];
}

/** Builds a probe config from CLI options, validated by the probe schema. */
export function probeConfigFromOptions(url: string, opts: ProbeOptions): ProbeConfig {
  const headers = Object.fromEntries(opts.header.map((h) => {
    const i = h.indexOf(':');
    if (i <= 0) throw new PwError('PW_ERR_INVALID_ARGUMENT', `--header expects "Name: value", got "${h}"`);
    return [h.slice(0, i).trim(), h.slice(i + 1).trim()];
  }));
  let parsed: URL;
  try {
    parsed = new URL(opts.ws === true ? url.replace(/^http/, 'ws') : url);
  } catch {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `expected a URL like https://host/path, tcp://host:port, dns://server/name or tls://host:443, got "${url}"`);
  }
  const kind = kindOfScheme(parsed.protocol);
  if (kind === undefined) throw new PwError('PW_ERR_INVALID_ARGUMENT', `unsupported scheme "${parsed.protocol}" (http, https, ws, wss, tcp, dns, tls)`);
  const raw = {
    name: 'cli', type: kind.type, every: '1s',
    ...kind.fromUrl(parsed, {
      method: opts.method, headers, timeout: opts.timeout, insecure: opts.insecure === true, followRedirects: opts.followRedirects === true,
      expect: opts.expect, ...(opts.body === undefined ? {} : { body: opts.body }), ...(opts.send === undefined ? {} : { send: opts.send }),
    }),
  };
  const withDefaults = Value.Default(kind.schema, raw);
  const errors = [...Value.Errors(kind.schema, withDefaults)];
  if (errors.length > 0) {
    const lines = errors.map((e) => `${e.path.replace(/^\//, '').replace(/\//g, '.')}: ${(e.schema as { errorMessage?: string }).errorMessage ?? e.message}`);
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `invalid probe: ${lines.join('; ')}`);
  }
  return Value.Decode(ProbeSchema, withDefaults);
}

/** Registers `probe`. */
export function registerProbeCommand(program: Command, io: CliIo): void {
  program
    .command('probe')
    .argument('<url>', 'http(s)://, ws(s)://, tcp://host:port, dns://server[:port]/name[?type=A&transport=tcp] or tls://host[:port]')
    .description('probe a URL once (or --count times) and print the phase timings')
    .option('--ws', 'WebSocket probe (implied by a ws:// URL)')
    .option('-n, --count <n>', 'number of runs', parsePositiveInt, 1)
    .option('--json', 'print results as JSON')
    .option('-X, --method <method>', 'HTTP method', 'GET')
    .option('-H, --header <header>', 'request header "Name: value" (repeatable)', collect, [])
    .option('-d, --body <body>', 'request body')
    .option('--send <message>', 'WebSocket: message to send (JSON with an "id" is matched by id); tcp: bytes to send')
    .option('--expect <value>', 'tcp: a regular expression the reply must match; dns: an answer that must be present (repeatable)', collect, [])
    .option('-t, --timeout <duration>', 'timeout per run', '10s')
    .option('-k, --insecure', 'do not verify TLS certificates')
    .option('-L, --follow-redirects', 'follow redirects')
    .action(async (url: string, opts: ProbeOptions) => {
      let probe: ProbeConfig;
      try {
        probe = probeConfigFromOptions(url, opts);
      } catch (thrown) {
        reportError(thrown, io);
        return;
      }
      let runner;
      try {
        runner = createProbeRunner(probe, undefined);
      } catch (thrown) {
        reportError(thrown, io);
        return;
      }
      const kind = probeKind(probe.type);
      const results: ProbeResult[] = [];
      try {
        for (let i = 0; i < opts.count; i++) {
          const result = await runner.run({ traceContext: newTraceContext() });
          results.push(result);
          if (opts.json !== true) io.out(`${opts.count > 1 ? `run ${i + 1}/${opts.count}\n` : ''}${formatPhaseTable(result, kind.details(result))}\n`);
        }
      } finally {
        await runner.close?.();
      }
      if (opts.json === true) io.out(`${JSON.stringify(opts.count === 1 ? results[0] : results, null, 2)}\n`);
      else if (results.length > 1) io.out(`${summarise(results)}\n`);
      if (results.some((r) => !r.ok)) io.setExitCode(ExitCodes.failure);
    });
}

function summarise(results: readonly ProbeResult[]): string {
  const ms = results.map((r) => r.durationSeconds * 1000).sort((a, b) => a - b);
  const ok = results.filter((r) => r.ok).length;
  const avg = ms.reduce((a, b) => a + b, 0) / ms.length;
  const f = (n: number | undefined) => `${(n ?? 0).toFixed(2)} ms`;
  return `${ok}/${results.length} ok — min ${f(ms[0])}, avg ${f(avg)}, max ${f(ms[ms.length - 1])}`;
}
