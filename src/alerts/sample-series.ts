/**
 * One time-ordered series of samples, bounded by age and by count, that drops its oldest samples
 * in amortised O(1). The alert store keeps one per probe, target, load and health source; a
 * target behind 1,000 probes holds its cap (10,000) of samples, and dropping the oldest with
 * `splice(0, 1)` on every result moved all 10,000 references each time (~12 µs of the daemon's
 * ~1 ms per probe run). Here the dropped prefix is only skipped, and the array is compacted once
 * the dead prefix outweighs the live part, so each sample is moved at most once on average.
 */

/** Compaction waits for at least this many dead slots (small series are never compacted early). */
const MIN_COMPACT = 1024;

/** Samples with a time (`at`, epoch ms), oldest first. */
export class SampleSeries<T extends { at: number }> {
  private items: T[] = [];
  /** Index of the oldest live sample; `items[0, head)` are dropped. */
  private head = 0;

  /** Live samples. */
  get length(): number {
    return this.items.length - this.head;
  }

  /**
   * Appends `s`, then drops the samples older than `cutoff` (from the oldest, stopping at the
   * first kept one, as samples arrive in time order) and, beyond `cap`, the oldest.
   */
  push(s: T, cutoff: number, cap: number): void {
    const items = this.items;
    items.push(s);
    let head = this.head;
    while (head < items.length && items[head]!.at < cutoff) head++;
    if (items.length - head > cap) head = items.length - cap;
    if (head >= MIN_COMPACT && head * 2 >= items.length) {
      this.items = items.slice(head);
      head = 0;
    }
    this.head = head;
  }

  /** The live samples with `from <= at <= to`, oldest first (a new array). */
  between(from: number, to: number): T[] {
    const out: T[] = [];
    const items = this.items;
    for (let i = this.head; i < items.length; i++) {
      const s = items[i]!;
      if (s.at >= from && s.at <= to) out.push(s);
    }
    return out;
  }
}
