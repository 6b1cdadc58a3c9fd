/**
 * `perfwarden probe URL`: a one-shot probe that prints the phase timings, for "is it me or the
 * network?" moments; `perfwarden probe FILE [--probe NAME]` runs a configured probe once (a
 * stepped probe that logs in first cannot be written as a URL). The URL's scheme picks the kind from the registry (`http(s)://`, `ws(s)://`,
 * `tcp://host:port`, `dns://server/name?type=A`, `tls://host:port`); the probe is built through
 * the same schema as configured probes, so the defaults (timeout, body cap, status rule) are
 * the daemon's.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { Value } from '@sinclair/typebox/value';
import { ProbeSchema } from '../config/sections/probes.js';
import type { ProbeConfig } from '../config/sections/probes.js';
import { PwError } from '../core/errors.js';
import { formatPhaseTable } from '../probe/probe-format.js';
import { createProbeRunner, kindOfScheme, probeKind } from '../probe/probe-kinds.js';
import { newTraceContext } from '../probe/trace-context.js';
import type { ProbeResult, ProbeRunner } from '../probe/types.js';
import { loadConfigFile } from '../config/load-config.js';
import { resolveTargets } from '../probe/build-probes.js';
import type { CliIo } from './io.js';
import { ExitCodes } from './io.js';
import { collect, flagOf, parsePositiveInt } from './options.js';
import { configWarnings, reportError } from './config-file.js';
import type { ConfigProblem } from '../config/problem.js';

interface ProbeOptions {
  probe?: string;
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

/** Options that describe a URL's probe; a config file's probe declares its own. */
const URL_ONLY_OPTIONS = ['ws', 'method', 'header', 'body', 'send', 'expect', 'timeout', 'insecure', 'followRedirects'] as const;

/** A URL with a scheme (`https://`, `tcp://` …); anything else names a config file. */
function isUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

/**
 * The probe `name` of a config file (or its only probe) and a runner for it, its target resolved
 * as the daemon would (a `demo: true` target at `demo.host:demo.port`). Throws PW_ERR_CONFIG_* or
 * PW_ERR_INVALID_ARGUMENT.
 */
export function probeFromFile(file: string, name: string | undefined, io: CliIo): { probe: ProbeConfig; runner: ProbeRunner } {
  if (!existsSync(file)) throw new PwError('PW_ERR_INVALID_ARGUMENT', `expected a URL like https://host/path, tcp://host:port, dns://server/name or tls://host:443, or a config file, got "${file}"`);
  const warnings: ConfigProblem[] = [];
  const config = loadConfigFile(file, io.env, { warnings });
  for (const w of configWarnings(config, warnings)) io.err(`perfwarden: warning: ${w}\n`);
  const names = config.probes.map((p) => p.name).join(', ');
  const probe = name === undefined ? (config.probes.length === 1 ? config.probes[0] : undefined) : config.probes.find((p) => p.name === name);
  if (probe === undefined) {
    if (config.probes.length === 0) throw new PwError('PW_ERR_INVALID_ARGUMENT', `${file} declares no probes (add a "probes:" section)`);
    throw new PwError('PW_ERR_INVALID_ARGUMENT', name === undefined ? `${file} declares several probes; pick one with --probe (${names})` : `no probe "${name}" in ${file} (probes: ${names})`);
  }
  const targets = resolveTargets(config, `http://${config.demo.host}:${config.demo.port}`);
  return { probe, runner: createProbeRunner(probe, probe.target === undefined ? undefined : targets.get(probe.target)) };
}

/** Registers `probe`. */
export function registerProbeCommand(program: Command, io: CliIo): void {
  program
    .command('probe')
    .argument('<url-or-file>', 'http(s)://, ws(s)://, tcp://host:port, dns://server[:port]/name[?type=A&transport=tcp], tls://host[:port], or a config file')
    .description('probe a URL, or a probe of a config file (steps included), once (or --count times) and print the phase timings')
    .option('-p, --probe <name>', 'with a config file: the probe to run (default: its only probe)')
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
    .action(async (url: string, opts: ProbeOptions, cmd: Command) => {
      let probe: ProbeConfig;
      let runner: ProbeRunner;
      try {
        if (isUrl(url)) {
          if (opts.probe !== undefined) throw new PwError('PW_ERR_INVALID_ARGUMENT', '--probe picks a probe of a config file; with a URL, leave it out');
          probe = probeConfigFromOptions(url, opts);
          runner = createProbeRunner(probe, undefined);
        } else {
          const given = URL_ONLY_OPTIONS.filter((k) => cmd.getOptionValueSource(k) === 'cli').map(flagOf);
          if (given.length > 0) throw new PwError('PW_ERR_INVALID_ARGUMENT', `${given.join(', ')}: URL-mode option${given.length > 1 ? 's' : ''}; a config file's probe declares its own (edit ${url} or probe a URL)`);
          ({ probe, runner } = probeFromFile(url, opts.probe, io));
        }
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
