/**
 * Keeps CPUs out of halt while a latency tail is measured: one busy shell loop per CPU at
 * SCHED_IDLE (`chrt --idle 0`), the user-space form of `idle=poll` or a guest halt-poll window.
 *
 * Why: this VM halts an idle vCPU (cpuidle `haltpoll` with `guest_halt_poll_ns=0`) and the host
 * wakes it late. A bare open-model client at 5,000/s on nginx read p99 14–18 ms with the CPUs
 * left to halt and 2.5–3.8 ms kept awake, and the engine 12.8–16.2 vs 2.2–2.6 ms (15 s runs
 * alternated, 2026-12-01 23:20 UTC): most of the tail was the machine's wake-up, not any
 * generator's. A SCHED_IDLE task runs only when nothing else wants the CPU and is preempted at
 * once when something does, so the generator and the target keep their CPU time; the loop's own
 * time is not in any measured process's CPU. Each loop checks that the benchmark is alive, so a
 * benchmark that dies leaves none behind.
 */
import { existsSync } from 'node:fs';
import type { Cores } from './proc.js';
import { startService, stopChild } from './proc.js';

const CHRT = ['/usr/bin/chrt', '/bin/chrt'].find((p) => existsSync(p));

/** Whether {@link keepAwake} can run here (util-linux's chrt). */
export const canKeepAwake = CHRT !== undefined;

/** Every CPU of a taskset list (`"0,1"`, `"0-1"`). */
function cpusOf(cores: string): string[] {
  return cores.split(',').flatMap((part) => {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || Number.isNaN(a)) return [];
    return b === undefined ? [String(a)] : Array.from({ length: b - a + 1 }, (_, i) => String(a + i));
  });
}

/** Starts one SCHED_IDLE busy loop on each CPU of `cores`; returns the function that stops them. */
export function keepAwake(cores: Cores, cwd: string): () => Promise<void> {
  if (CHRT === undefined || cores === undefined) return async () => {};
  const loop = `while kill -0 ${process.pid} 2>/dev/null; do :; done`;
  const children = cpusOf(cores).map((cpu) => startService(CHRT, ['--idle', '0', 'sh', '-c', loop], { cores: cpu, cwd }).child);
  return async () => {
    await Promise.all(children.map((c) => stopChild(c)));
  };
}
