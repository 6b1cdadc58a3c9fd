#!/usr/bin/env node
/** The `perfwarden` executable: real process streams and environment around `runCli`. */
import { runCli } from './cli/program.js';
import type { CliIo } from './cli/io.js';

const io: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
  isTTY: process.stdout.isTTY === true,
  setExitCode: (code) => { process.exitCode = code; },
};

await runCli(process.argv.slice(2), io);
