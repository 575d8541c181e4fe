/**
 * Crash-loop and image-pull back-off, as the kubelet's flowcontrol.Backoff does it:
 * the first restart of a container is immediate and arms a 10 s back-off; a container that
 * exits again within its back-off waits until `finishedAt + backoff`, and each restart doubles
 * the back-off up to 5 min. An entry untouched for 2 × max (10 min) starts over.
 * Pure apart from the injected clock, so timing is tested without sleeping.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

export interface RestartBackoffOptions {
  initialMs?: number;
  maxMs?: number;
  clock?: Clock;
}

export class RestartBackoff {
  private readonly entries = new Map<string, Entry>();
  private readonly initialMs: number;
  private readonly maxMs: number;
  readonly clock: Clock;

  constructor(opts: RestartBackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 10_000;
    this.maxMs = opts.maxMs ?? 300_000;
    this.clock = opts.clock ?? systemClock;
  }

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && this.clock.now() - e.lastUpdate > 2 * this.maxMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /**
   * How long (ms) `key` must still wait, counting from `since` (the last exit); 0 = may restart.
   */
  remaining(key: string, since: number): number {
    const e = this.live(key);
    if (!e) return 0;
    return Math.max(0, since + e.backoffMs - this.clock.now());
  }

  /** Records a restart: arms the first back-off or doubles it. */
  next(key: string): void {
    const e = this.live(key);
    const now = this.clock.now();
    if (!e) this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: now });
    else this.entries.set(key, { backoffMs: Math.min(e.backoffMs * 2, this.maxMs), lastUpdate: now });
  }

  current(key: string): number {
    return this.live(key)?.backoffMs ?? 0;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every key that starts with `prefix` (a deleted pod). */
  forgetPrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
