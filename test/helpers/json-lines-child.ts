/**
 * A child process that reports what it does as JSON lines on stdout (the kill -9 tests run real
 * daemon pieces this way), and a bounded wait for a line matching a predicate — woken by each
 * new line rather than by polling on a timer.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One parsed line; `event` names what happened. */
export interface JsonLine {
  event: string;
  [k: string]: unknown;
}

/** A running child and what it has said so far. */
export interface JsonLinesChild {
  child: ChildProcess;
  lines: JsonLine[];
  /** Resolves with the first line matching `pred`; rejects if the child exits or time runs out. */
  waitFor(pred: (l: JsonLine) => boolean, what: string, timeoutMs?: number): Promise<JsonLine>;
  /** SIGKILL, resolved once the child is gone. */
  kill9(): Promise<void>;
}

/**
 * Starts `node --import tsx script ...args`. `noisy` names a frequent event left out of timeout
 * messages. Every child is pushed onto `children` so the test's `after` can reap stragglers.
 */
export function startJsonLinesChild(script: string, args: readonly string[], children: ChildProcess[], noisy = ''): JsonLinesChild {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines: JsonLine[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l) as JsonLine);
    } catch {
      return;
    }
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    lines,
    async waitFor(pred, what, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find(pred);
        if (hit !== undefined) return hit;
        if (child.exitCode !== null) throw new Error(`child exited before ${what}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for ${what}; saw ${JSON.stringify(lines.filter((x) => x.event !== noisy))}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(left, 1000));
          waiters.push(() => { clearTimeout(t); resolve(); });
        });
      }
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
