/** What a CLI command may touch, injected so commands are testable without a child process. */
import type { Env } from '../config/load-config.js';

/** Output streams, environment and terminal facts for a command. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: Env;
  /** True when stdout is a terminal (live progress lines, colours). */
  readonly isTTY: boolean;
  /** Sets the exit code the process ends with (0 unless set). */
  setExitCode(code: number): void;
}

/** Exit codes: 0 ok, 1 failure of the work itself, 2 bad input, 99 a threshold failed. */
export const ExitCodes = { ok: 0, failure: 1, badInput: 2, thresholdFailed: 99 } as const;
