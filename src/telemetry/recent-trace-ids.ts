/**
 * A bounded set of recently recorded trace ids. Exemplars should only point at traces that were
 * sampled (otherwise Grafana links to nothing); remembering the last few thousand recorded ids is
 * enough, because an exemplar is attached right after its run ends.
 */

/** Insertion-ordered set that forgets the oldest id beyond `capacity`. */
export class RecentTraceIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** Remembers `id` (moving it to the newest position). */
  add(id: string): void {
    this.ids.delete(id);
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next();
      if (oldest.done !== true) this.ids.delete(oldest.value);
    }
  }

  /** True when `id` was added and not yet forgotten. */
  has(id: string): boolean {
    return this.ids.has(id);
  }
}
