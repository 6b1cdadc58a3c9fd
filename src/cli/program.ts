/** Builds the `perfwarden` command tree; `src/cli.ts` only runs it. Tests call `runCli` in-process. */
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
import { registerHealthCommand } from './health-command.js';

/** The program with every command registered. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('perfwarden')
    .description('perfwarden keeps watch over the performance of web backends')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerStartCommand(program, io);
  registerProbeCommand(program, io);
  registerValidateCommand(program, io);
  registerLoadCommand(program, io);
  registerMergeCommand(program, io);
  registerDemoCommand(program, io);
  registerRulesCommand(program, io);
  registerHealthCommand(program, io);
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
    throw thrown;
  }
}
