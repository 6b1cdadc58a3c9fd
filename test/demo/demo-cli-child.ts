/** Runs `perfwarden demo ARGS` with only the demo command registered, as a child process for the CLI test. */
import { Command } from 'commander';
import { registerDemoCommand } from '../../src/cli/demo-command.js';

let exitCode = 0;
const program = new Command('perfwarden');
registerDemoCommand(program, {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  env: process.env,
  isTTY: false,
  setExitCode: (c) => { exitCode = c; },
});
await program.parseAsync(process.argv.slice(2), { from: 'user' });
process.exitCode = exitCode;
