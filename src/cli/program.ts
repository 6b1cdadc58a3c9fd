/** Builds the `perfwarden` command tree; `src/cli.ts` only runs it. Tests call `runCli` in-process. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { CliIo } from './io.js';
import { ExitCodes } from './io.js';
import { registerProbeCommand } from './probe-command.js';
import { registerStartCommand } from './start-command.js';
import { registerValidateCommand } from './validate-command.js';
import { registerLoadCommand } from './load-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerRulesCommand } from './rules-command.js';
import { registerMergeCommand } from './merge-command.js';
import { registerImportCommand } from './import-command.js';
import { registerDashboardsCommand } from './dashboards-command.js';
import { PACKAGE_ROOT, reportError } from './config-file.js';
import { collect } from './options.js';
import { resolveCliEnv } from '../config/cli-env.js';
import { hasCode } from '../core/errors.js';

/** The version in package.json, so that `--version` tells what was installed. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
import { registerNotifyCommand } from './notify-command.js';
import { registerHealthCommand } from './health-command.js';

/** The program with every command registered. */
export function buildProgram(io: CliIo): Command {
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
  registerStartCommand(program, commandIo);
  registerProbeCommand(program, commandIo);
  registerValidateCommand(program, commandIo);
  registerLoadCommand(program, commandIo);
  registerMergeCommand(program, commandIo);
  registerDemoCommand(program, commandIo);
  registerRulesCommand(program, commandIo);
  registerImportCommand(program, commandIo);
  registerDashboardsCommand(program, commandIo);
  registerNotifyCommand(program, commandIo);
  registerHealthCommand(program, commandIo);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  return program;
}

/** Runs the CLI with `argv` (without node and script). Resolves when the command is done. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<void> {
  const program = buildProgram(io);
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
