/**
 * Child processes measured from /proc: every generator and target runs in its own process,
 * pinned with `taskset` to the cores a scenario gives it, and its CPU (all threads) and RSS are
 * sampled every 250 ms. Generators compare CPU over their steady window (see `cpuOver` and its
 * callers), so a Node generator's module loading and a C generator's instant start weigh the same:
 * nothing.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** USER_HZ on Linux: /proc/<pid>/stat counts CPU time in 1/100 s. */
const TICKS = 100;
const SAMPLE_MS = 250;
const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));

/** Cores as taskset's `-c` list (`"1"`, `"0,1"`); undefined = not pinned. */
export type Cores = string | undefined;

/** True when processes can be pinned (taskset present). */
export const canPin = TASKSET !== undefined;

/** `[cmd, ...args]` pinned to `cores` when taskset exists. */
export function pinned(cores: Cores, cmd: string, args: string[]): [string, string[]] {
  if (cores === undefined || TASKSET === undefined) return [cmd, args];
  return [TASKSET, ['-c', cores, cmd, ...args]];
}

/** A free loopback port (the kernel's choice, released for the child to bind). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Waits `ms` (pacing between runs, never to wait for something that can be awaited). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** SIGTERM and wait for the exit (no-op when it already exited). */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

/**
 * utime + stime of a process (all its threads), in seconds, or of one of its threads with `tid`
 * (the main thread's tid is the pid); undefined once it is gone.
 */
export function cpuSeconds(pid: number, tid?: number): number | undefined {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS; // fields 14 and 15 of stat(5)
  } catch {
    return undefined;
  }
}

/** Resident set size in MiB; undefined once the process is gone. */
export function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? undefined : Number(m[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** Direct children of a process (nginx's master -> its worker). */
export function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

/** One /proc sample of a measured process. */
export interface Sample {
  /** Wall clock (epoch ms), to match a generator's own start and end times. */
  wall: number;
  cpuSeconds: number;
  /** The main thread's CPU alone (for perfwarden: everything but the load workers, GC and libuv threads). */
  mainCpuSeconds: number;
  rssMiB: number;
}

/** What a measured child did. */
export interface Measured {
  stdout: string;
  stderr: string;
  code: number | null;
  samples: Sample[];
  /** Wall clock (epoch ms) when the process exited. */
  exitedAt: number;
  maxRssMiB: number;
}

/**
 * CPU over a wall-clock window (epoch ms): between the first sample at or after `from` and the
 * last at or before `to`, in cores, for the whole process and its main thread.
 */
export function cpuOver(samples: readonly Sample[], from: number, to: number): { cpuCores: number; mainCores: number; seconds: number } {
  const inWindow = samples.filter((s) => s.wall >= from && s.wall <= to);
  const a = inWindow[0];
  const b = inWindow.at(-1);
  if (a === undefined || b === undefined || b.wall <= a.wall) return { cpuCores: Number.NaN, mainCores: Number.NaN, seconds: 0 };
  const seconds = (b.wall - a.wall) / 1000;
  return { cpuCores: (b.cpuSeconds - a.cpuSeconds) / seconds, mainCores: (b.mainCpuSeconds - a.mainCpuSeconds) / seconds, seconds };
}

/** Options of {@link runMeasured}. */
export interface RunOptions {
  cores: Cores;
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Called with each sample while the process runs. */
  onSample?: (s: Sample) => void;
}

/** Runs `cmd` to its exit (pinned), sampling its CPU and RSS from /proc. */
export async function runMeasured(cmd: string, args: string[], opts: RunOptions): Promise<Measured> {
  const [c, a] = pinned(opts.cores, cmd, args);
  const child = spawn(c, a, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const samples: Sample[] = [];
  const pid = child.pid ?? -1;
  const sample = (): void => {
    const cpu = cpuSeconds(pid);
    const main = cpuSeconds(pid, pid);
    const rss = rssMiB(pid);
    if (cpu === undefined || main === undefined || rss === undefined) return;
    const s = { wall: Date.now(), cpuSeconds: cpu, mainCpuSeconds: main, rssMiB: rss };
    samples.push(s);
    opts.onSample?.(s);
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  const code = await new Promise<number | null>((r) => child.once('exit', (exitCode) => r(exitCode)));
  clearInterval(timer);
  return { stdout, stderr, code, samples, exitedAt: Date.now(), maxRssMiB: Math.max(0, ...samples.map((s) => s.rssMiB)) };
}

/** A long-lived child (a target or the daemon) whose CPU can be read between runs. */
export interface Service {
  child: ChildProcess;
  /** The processes whose CPU counts as this service's (nginx: master and workers). */
  pids(): number[];
  stop(): Promise<void>;
}

/** Total CPU seconds of a service's processes now. */
export function serviceCpu(s: Service): number {
  return s.pids().reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
}

/** Starts a long-lived child, pinned; output kept for error messages. */
export function startService(cmd: string, args: string[], opts: { cores: Cores; cwd: string; env?: NodeJS.ProcessEnv }): { child: ChildProcess; output: () => string } {
  const [c, a] = pinned(opts.cores, cmd, args);
  const child = spawn(c, a, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
  let output = '';
  const keep = (d: Buffer): void => { output = (output + d.toString()).slice(-4000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => output };
}

/** Waits until `url` answers (any status), polling every 100 ms, at most `ms`. */
export async function waitForUrl(url: string, ms: number, alive: () => boolean): Promise<void> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (!alive()) throw new Error(`the process serving ${url} exited`);
    try {
      await fetch(url);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}
