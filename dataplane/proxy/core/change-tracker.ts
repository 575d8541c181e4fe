/**
 * Change tracking as kube-proxy's ServiceChangeTracker / EndpointsChangeTracker do it: for each
 * object key, the value before the first unsynced change and the value now. A key whose value came
 * back to where it started is dropped (a no-op), so a sync touches only what really changed —
 * which is what makes partial iptables syncs possible.
 */
export interface Change<V> {
  previous: V | undefined;
  current: V | undefined;
}

export class ChangeTracker<V> {
  private readonly pending = new Map<string, Change<V>>();

  constructor(private readonly equal: (a: V | undefined, b: V | undefined) => boolean) {}

  /** Records key going from `previous` to `current`; returns whether a change is now pending. */
  update(key: string, previous: V | undefined, current: V | undefined): boolean {
    const earlier = this.pending.get(key);
    const change: Change<V> = { previous: earlier ? earlier.previous : previous, current };
    if (this.equal(change.previous, change.current)) this.pending.delete(key);
    else this.pending.set(key, change);
    return this.pending.has(key);
  }

  pendingCount(): number {
    return this.pending.size;
  }

  /** Returns the pending changes and forgets them. */
  drain(): Map<string, Change<V>> {
    const out = new Map(this.pending);
    this.pending.clear();
    return out;
  }
}

/** Structural equality for the JSON-like values the trackers hold (Maps compared by entries). */
export function sameValue(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => (val instanceof Map ? [...val.entries()].sort(([x], [y]) => (String(x) < String(y) ? -1 : 1)) : val));
}
