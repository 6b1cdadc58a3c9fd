/** Builds the `perfwarden` command tree; `src/cli.ts` only runs it. Tests call `runCli` in-process. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { CliIo } from './io.js';
import { ExitCodes } from './io.js';
import { PACKAGE_ROOT, reportError } from './config-file.js';
import { collect } from './options.js';
import { resolveCliEnv } from '../config/cli-env.js';
import { hasCode } from '../core/errors.js';

/** The version in package.json, so that `--version` tells what was installed. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

type Register = (program: Command, io: CliIo) => void;

/**
 * Every command, in the order `--help` lists them, each loaded only when needed: loading them
 * all (the daemon's server, the stores, every probe kind's client) took ~0.9 s and 90 MB of the
 * process's memory before any command ran, which a `load` run or a one-shot `probe` then carried.
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ['start', async () => (await import('./start-command.js')).registerStartCommand],
  ['probe', async () => (await import('./probe-command.js')).registerProbeCommand],
  ['validate', async () => (await import('./validate-command.js')).registerValidateCommand],
  ['load', async () => (await import('./load-command.js')).registerLoadCommand],
  ['merge', async () => (await import('./merge-command.js')).registerMergeCommand],
  ['demo', async () => (await import('./demo-command.js')).registerDemoCommand],
  ['rules', async () => (await import('./rules-command.js')).registerRulesCommand],
  ['import', async () => (await import('./import-command.js')).registerImportCommand],
  ['dashboards', async () => (await import('./dashboards-command.js')).registerDashboardsCommand],
  ['notify', async () => (await import('./notify-command.js')).registerNotifyCommand],
  ['health', async () => (await import('./health-command.js')).registerHealthCommand],
];

/** Global options that take a value in the next word. */
const GLOBAL_WITH_VALUE = new Set(['-e', '--env', '--env-file']);

/** The command `argv` runs (its first word that is not a global option), when it names one. */
export function commandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (GLOBAL_WITH_VALUE.has(word)) i++;
    else if (!word.startsWith('-')) return COMMANDS.some(([name]) => name === word) ? word : undefined;
  }
  return undefined;
}

/**
 * The program with the command `argv` runs registered: none for `--version`, every command for
 * help, an unknown command, or no `argv`.
 */
export async function buildProgram(io: CliIo, argv?: readonly string[]): Promise<Command> {
  const only = argv === undefined ? undefined : commandOf(argv);
  // `--version` alone needs no command at all.
  const none = only === undefined && argv !== undefined && argv.some((w) => w === '-V' || w === '--version');
  const registers = none ? [] : await Promise.all(COMMANDS.filter(([name]) => only === undefined || name === only).map(([, load]) => load()));
  // `-e`/`--env-file` are global options: every command that loads a config (start, validate,
  // load FILE, rules, demo --config) substitutes `${NAME}` from the environment they build, which
  // the commands see as `io.env` once the options are parsed.
  let env = io.env;
  const commandIo: CliIo = {
    out: (text) => io.out(text),
    err: (text) => io.err(text),
    get env() { return env; },
    isTTY: io.isTTY,
    setExitCode: (code) => io.setExitCode(code),
  };
  const program = new Command('perfwarden')
    .description('perfwarden keeps watch over the performance of web backends')
    .version(packageVersion())
    .option('-e, --env <KEY=VALUE>', 'a value for ${KEY} in the config (repeatable; overrides the environment and env files)', collect)
    .option('--env-file <file>', 'read KEY=VALUE lines for ${KEY} in the config (repeatable; overrides the environment)', collect)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  program.hook('preAction', () => {
    const opts = program.opts<{ env?: string[]; envFile?: string[] }>();
    env = resolveCliEnv(io.env, { files: opts.envFile ?? [], values: opts.env ?? [] });
  });
  for (const register of registers) register(program, commandIo);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  return program;
}

/** Runs the CLI with `argv` (without node and script). Resolves when the command is done. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<void> {
  const program = await buildProgram(io, argv);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (thrown) {
    if (thrown instanceof CommanderError) {
      // Help and version are not errors; bad usage is bad input.
      io.setExitCode(thrown.exitCode === 0 ? ExitCodes.ok : ExitCodes.badInput);
      return;
    }
    // A bad -e or an unreadable --env-file, found before any command ran.
    if (hasCode(thrown, 'PW_ERR_CONFIG_ENV')) {
      reportError(thrown, io);
      return;
    }
    throw thrown;
  }
}
