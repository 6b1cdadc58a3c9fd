/** RSS and CPU of a local process from /proc/<pid> (Linux), by pid or pid file. */
import { readFile } from 'node:fs/promises';
import type { ProcessSourceConfig } from '../config/sections/resources.js';
import { CpuRate, failure } from './source.js';
import type { Source, SourceReading } from './source.js';

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every mainstream Linux (USER_HZ). */
const USER_HZ = 100;

/** Parses utime + stime (fields 14 and 15) of /proc/<pid>/stat, in seconds. The comm field may contain spaces. */
export function cpuSecondsFromStat(stat: string): number | undefined {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14 → rest[11], stime field 15 → rest[12].
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / USER_HZ : undefined;
}

/** Parses VmRSS (kB) of /proc/<pid>/status, in bytes. */
export function rssFromStatus(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m === null ? undefined : Number(m[1]) * 1024;
}

/** Creates the source. `procRoot` is for tests. */
export function createProcessSource(config: ProcessSourceConfig, procRoot = '/proc'): Source {
  const cpu = new CpuRate();
  let lastPid: number | undefined;
  return {
    type: 'process',
    async read(now: number): Promise<SourceReading> {
      try {
        const pid = config.pid ?? Number((await readFile(config.pidFile ?? '', 'utf8')).trim());
        if (!Number.isInteger(pid) || pid <= 0) return { ok: false, error: `no valid pid in ${config.pidFile ?? '(none)'}` };
        if (pid !== lastPid) {
          lastPid = pid;
          cpu.reset(); // a new process: its CPU counter starts over
        }
        const [status, stat] = await Promise.all([readFile(`${procRoot}/${pid}/status`, 'utf8'), readFile(`${procRoot}/${pid}/stat`, 'utf8')]);
        const memoryBytes = rssFromStatus(status);
        const seconds = cpuSecondsFromStat(stat);
        const cpuRatio = seconds === undefined ? undefined : cpu.next(now, seconds);
        return {
          ok: true,
          ...(memoryBytes === undefined ? {} : { memoryBytes }),
          ...(cpuRatio === undefined ? {} : { cpuRatio }),
        };
      } catch (thrown) {
        return failure(thrown);
      }
    },
  };
}
