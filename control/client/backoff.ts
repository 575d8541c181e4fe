/**
 * Backoff arithmetic, kept pure so timing can be tested without sleeping.
 * - Backoff: one failing loop (the informer): initial → ×factor each failure → capped, with
 *   ±jitter so many clients that lost the same server do not come back in lockstep.
 * - ItemBackoff: per-key exponential delays for the work queue (client-go's
 *   ItemExponentialFailureRateLimiter: base·2^failures, capped).
 */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** Fraction of the delay added or removed at random (0.2 = ±20 %). */
  jitter?: number;
  random?: () => number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private current = 0;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 500;
    this.maxMs = opts.maxMs ?? 30_000;
    this.factor = opts.factor ?? 2;
    this.jitter = opts.jitter ?? 0.2;
    this.random = opts.random ?? Math.random;
  }

  /** The delay before the next attempt; grows with every call until reset(). */
  next(): number {
    this.current = this.current === 0 ? this.initialMs : Math.min(this.current * this.factor, this.maxMs);
    const spread = this.current * this.jitter * (this.random() * 2 - 1);
    return Math.max(0, Math.round(Math.min(this.current + spread, this.maxMs)));
  }

  reset(): void {
    this.current = 0;
  }
}

export interface ItemBackoffOptions {
  baseMs?: number;
  maxMs?: number;
}

export class ItemBackoff<K> {
  private readonly failures = new Map<K, number>();
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(opts: ItemBackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? 5;
    this.maxMs = opts.maxMs ?? 1_000_000;
  }

  /** Delay for this failure of `key` (5, 10, 20, … ms, capped) and count it. */
  when(key: K): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2^n overflows to Infinity long after the cap; Math.min keeps the result finite.
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: K): void {
    this.failures.delete(key);
  }
}
