/**
 * Pods this scheduler has placed whose binding the informer has not shown yet (upstream's
 * "assume" step). Without it, a burst of pods would all see the same free node and overfill it.
 *
 * An assumption ends when the informer shows the pod bound (or gone), when the binding fails,
 * or — as a safety net against a lost watch event — `ttlMs` after the binding succeeded.
 */
export class AssumedPods {
  private readonly entries = new Map<string, { node: string; boundAt?: number }>();

  constructor(private readonly ttlMs = 30_000, private readonly now: () => number = Date.now) {}

  assume(key: string, node: string): void {
    this.entries.set(key, { node });
  }

  /** The binding call succeeded; the informer event should follow shortly. */
  bound(key: string): void {
    const e = this.entries.get(key);
    if (e) e.boundAt = this.now();
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  has(key: string): boolean {
    this.expire();
    return this.entries.has(key);
  }

  /** pod key → node, for building a snapshot. */
  view(): ReadonlyMap<string, string> {
    this.expire();
    return new Map([...this.entries].map(([k, e]) => [k, e.node]));
  }

  private expire(): void {
    const now = this.now();
    for (const [k, e] of this.entries) if (e.boundAt !== undefined && now - e.boundAt > this.ttlMs) this.entries.delete(k);
  }
}
