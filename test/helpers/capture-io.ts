/** An in-memory `CliIo` for running CLI commands in-process: what they print and the exit code. */
import type { CliIo } from '../../src/cli/io.js';

/** A CliIo that keeps stdout, stderr and the exit code it was given. */
export function captureIo(env: Record<string, string> = {}): CliIo & { stdout: string; stderr: string; code: number } {
  const io = {
    stdout: '',
    stderr: '',
    code: 0,
    env,
    isTTY: false,
    out(t: string) { io.stdout += t; },
    err(t: string) { io.stderr += t; },
    setExitCode(c: number) { io.code = c; },
  };
  return io;
}
