/**
 * A deliberate memory leak for the demo target: retains `leakPerSecond` bytes each second in real
 * Buffers that are written to (filled with a non-zero byte), so the pages become resident and
 * RSS really grows — a lazily zeroed allocation would not show up in RSS at all. The amount due
 * is computed from elapsed clock time, so the rate holds whatever the tick jitter.
 * A hard cap keeps a forgotten knob from exhausting the machine.
 */
import type { Clock, TimerHandle } from '../core/clock.js';

/** How often the leak allocates. */
const TICK_MS = 250;
/** Default ceiling on retained bytes. */
export const DEFAULT_MAX_LEAK_BYTES = 512 * 1024 * 1024;

/** What the leak holds now. */
export interface LeakStats {
  retainedBytes: number;
  chunks: number;
  leakPerSecond: number;
  /** True when the cap stopped further growth. */
  capped: boolean;
}

/** The leak's controls. */
export interface Leak {
  /** Sets the rate in bytes per second; 0 stops growth (retained memory stays until released). */
  setRate(bytesPerSecond: number): void;
  /** Frees everything retained; returns the bytes released. */
  release(): number;
  stats(): LeakStats;
  /** Stops the timer and releases the memory. */
  stop(): void;
}

/** Creates a leak that is idle until `setRate` is given a positive rate. */
export function createLeak(clock: Clock, maxBytes = DEFAULT_MAX_LEAK_BYTES): Leak {
  const chunks: Buffer[] = [];
  let retained = 0;
  let rate = 0;
  let carry = 0;
  let last = 0;
  let timer: TimerHandle | undefined;
  let fill = 1;

  const tick = (): void => {
    const now = clock.now();
    carry += (rate * (now - last)) / 1000;
    last = now;
    const bytes = Math.min(Math.floor(carry), maxBytes - retained);
    if (bytes > 0) {
      // allocUnsafe + fill writes every page: the memory is resident, not just reserved.
      chunks.push(Buffer.allocUnsafe(bytes).fill(fill));
      fill = (fill % 255) + 1;
      retained += bytes;
    }
    carry -= Math.floor(carry);
    timer = clock.setTimeout(tick, TICK_MS);
  };

  return {
    setRate(bytesPerSecond) {
      rate = Math.max(0, bytesPerSecond);
      if (rate > 0 && timer === undefined) {
        last = clock.now();
        carry = 0;
        timer = clock.setTimeout(tick, TICK_MS);
      } else if (rate === 0 && timer !== undefined) {
        timer.cancel();
        timer = undefined;
      }
    },
    release() {
      const released = retained;
      chunks.length = 0;
      retained = 0;
      return released;
    },
    stats: () => ({ retainedBytes: retained, chunks: chunks.length, leakPerSecond: rate, capped: retained >= maxBytes }),
    stop() {
      timer?.cancel();
      timer = undefined;
      rate = 0;
      chunks.length = 0;
      retained = 0;
    },
  };
}
