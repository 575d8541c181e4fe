/**
 * WorkQueue: client-go's rate-limited delaying work queue (util/workqueue) for keys.
 *
 * Guarantees (the ones reconcilers rely on):
 * - Dedup: a key added many times before a worker takes it is processed once.
 * - Never concurrently: a key is handed to at most one worker at a time. A key re-added while it is
 *   being processed is remembered ("dirty") and queued again when done() is called, so the change
 *   that caused the re-add is not lost.
 * - Fairness: keys come out in the order they were (first) added.
 * - addRateLimited: per-key exponential backoff (5 ms, 10 ms, … capped at 1000 s) until forget().
 * - addAfter: the key is added once the delay passes; a pending key keeps its earliest time.
 * - shutDown: get() still hands out keys already queued, then resolves undefined to every waiter;
 *   later add()s are ignored and pending delayed adds are dropped.
 *
 * runWorkers() is the one retry point: reconcile(key) that throws ⇒ addRateLimited(key);
 * success ⇒ forget(key).
 */
import { ItemBackoff } from './backoff.js';
import type { ItemBackoffOptions } from './backoff.js';

export interface WorkQueueOptions {
  /** Per-key backoff for addRateLimited; defaults 5 ms base, 1000 s cap. */
  backoff?: ItemBackoffOptions;
}

export class WorkQueue<K = string> {
  private queue: K[] = [];
  /** Keys that need processing (queued, or re-added while processing). */
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly waiters: ((key: K | undefined) => void)[] = [];
  private readonly delayed = new Map<K, { at: number; timer: NodeJS.Timeout }>();
  private readonly limiter: ItemBackoff<K>;
  private stopping = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.limiter = new ItemBackoff<K>(opts.backoff);
  }

  add(key: K): void {
    if (this.stopping || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // queued again by done()
    this.enqueue(key);
  }

  /** Next key to process (waits if none); undefined once the queue is shut down and empty. */
  get(): Promise<K | undefined> {
    if (this.queue.length > 0) return Promise.resolve(this.take());
    if (this.stopping) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Mark `key` finished; if it was re-added meanwhile it is queued again now. */
  done(key: K): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.enqueue(key);
  }

  addRateLimited(key: K): void {
    this.addAfter(key, this.limiter.when(key));
  }

  /** Reset the key's backoff (after a successful reconcile). */
  forget(key: K): void {
    this.limiter.forget(key);
  }

  numRequeues(key: K): number {
    return this.limiter.numRequeues(key);
  }

  addAfter(key: K, ms: number): void {
    if (this.stopping) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const pending = this.delayed.get(key);
    if (pending) {
      if (pending.at <= at) return;
      clearTimeout(pending.timer);
    }
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  shutDown(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    if (this.queue.length === 0) {
      for (const w of this.waiters.splice(0)) w(undefined);
    }
  }

  shuttingDown(): boolean {
    return this.stopping;
  }

  /** Keys waiting to be handed out (not those being processed or delayed). */
  len(): number {
    return this.queue.length;
  }

  private enqueue(key: K): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.queue.push(key);
      waiter(this.take());
    } else {
      this.queue.push(key);
    }
  }

  private take(): K | undefined {
    const key = this.queue.shift();
    if (key === undefined) return undefined;
    this.processing.add(key);
    this.dirty.delete(key);
    if (this.stopping && this.queue.length === 0) {
      for (const w of this.waiters.splice(0)) w(undefined);
    }
    return key;
  }
}

export interface RunWorkersOptions<K> {
  /** Called with every reconcile failure before the key is requeued (for logs/metrics). */
  onError?: (key: K, err: unknown) => void;
}

/**
 * Run `n` workers until the queue is shut down and drained. Resolves when all have exited.
 * Each key is reconciled by one worker at a time; a throw requeues it with per-key backoff.
 */
export async function runWorkers<K>(
  queue: WorkQueue<K>, n: number, reconcile: (key: K) => Promise<void>, opts: RunWorkersOptions<K> = {},
): Promise<void> {
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await reconcile(key);
        queue.forget(key);
      } catch (err) {
        try {
          opts.onError?.(key, err);
        } catch {
          // a failing error hook must not kill the worker
        }
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, n) }, () => worker()));
}
