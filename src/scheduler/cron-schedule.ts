/**
 * Next-fire-time computation for cron expressions, pure and clock-free so the scheduler can be
 * driven by a fake clock. Parsing and validation are node-cron's (the same syntax users know);
 * the search walks day → hour → minute → second with jumps rather than ticking every second.
 * Times are in the daemon's local time zone, like crontab.
 */
import nodeCron from 'node-cron';
import { PwError } from '../core/errors.js';

/** A compiled cron expression. */
export interface CronSchedule {
  readonly expression: string;
  /** The first fire time strictly after `afterMs` (epoch ms), or undefined if none in 5 years. */
  next(afterMs: number): number | undefined;
}

type Field = ReadonlySet<number>;

/** Compiles a cron expression (5 or 6 fields). Throws PW_ERR_CRON with node-cron's explanation. */
export function compileCron(expression: string): CronSchedule {
  const detail = nodeCron.validateDetailed(expression);
  if (!detail.valid) {
    const why = detail.errors.map((e) => e.message).join('; ');
    throw new PwError('PW_ERR_CRON', `invalid cron expression "${expression}": ${why}`);
  }
  const f = nodeCron.parse(expression);
  const seconds: Field = new Set(f.second);
  const minutes: Field = new Set(f.minute);
  const hours: Field = new Set(f.hour);
  const months: Field = new Set(f.month);
  const domAll = f.dayOfMonth.length === 31;
  const dowAll = f.dayOfWeek.length >= 7;
  const lastDom = f.dayOfMonth.includes('L');
  const doms: Field = new Set(f.dayOfMonth.filter((d): d is number => typeof d === 'number'));
  const dows: Field = new Set(f.dayOfWeek.filter((d): d is number => typeof d === 'number').map((d) => d % 7));

  const dayMatches = (d: Date): boolean => {
    const dim = new Date(d.getFullYear(), d.getMonth() + 1, 0).getDate();
    const domOk = doms.has(d.getDate()) || (lastDom && d.getDate() === dim);
    const dowOk = dows.has(d.getDay());
    if (domAll && dowAll) return true;
    if (domAll) return dowOk;
    if (dowAll) return domOk;
    return domOk || dowOk;
  };

  return {
    expression,
    next(afterMs) {
      const limit = afterMs + 5 * 366 * 86_400_000;
      const d = new Date(Math.floor(afterMs / 1000) * 1000 + 1000);
      while (d.getTime() <= limit) {
        if (!months.has(d.getMonth() + 1) || !dayMatches(d)) {
          d.setHours(24, 0, 0, 0);
          continue;
        }
        if (!hours.has(d.getHours())) {
          d.setHours(d.getHours() + 1, 0, 0, 0);
          continue;
        }
        if (!minutes.has(d.getMinutes())) {
          d.setMinutes(d.getMinutes() + 1, 0, 0);
          continue;
        }
        if (!seconds.has(d.getSeconds())) {
          d.setSeconds(d.getSeconds() + 1, 0);
          continue;
        }
        return d.getTime();
      }
      return undefined;
    },
  };
}
