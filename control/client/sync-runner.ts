/**
 * SyncRunner: kube-proxy's BoundedFrequencyRunner. Runs one `run` function, coalescing requests.
 *
 * Guarantees:
 * - Coalescing: any number of run() requests before the next run starts cause one run; requests
 *   made while a run is in progress cause exactly one more run after it.
 * - Never two runs at once, and two runs start at least `minInterval` ms apart.
 * - At least every `maxInterval` ms a run happens even if nobody asked (periodic full resync);
 *   `Infinity` or 0 disables it.
 * - retryAfter(ms) asks for a run no later than ms from now (still subject to minInterval); call
 *   it from `run` after a failed apply. If `run` throws, a retry is scheduled after
 *   `retryInterval` (default max(minInterval, 1 s)) and the error goes to `onError`.
 * - start() schedules a first run at once; stop() cancels timers and resolves after any run in
 *   progress has finished.
 */
export interface SyncRunnerOptions {
  minInterval: number;
  maxInterval: number;
  run: () => void | Promise<void>;
  retryInterval?: number;
  onError?: (err: unknown) => void;
}

export class SyncRunner {
  private timer: NodeJS.Timeout | undefined;
  /** Earliest time a run has been asked for; undefined = nothing pending. */
  private nextAt: number | undefined;
  private lastStart = -Infinity;
  private active: Promise<void> | undefined;
  /** Set synchronously when a run starts (a synchronous `run` finishes before `active` is set). */
  private busy = false;
  private started = false;

  constructor(private readonly opts: SyncRunnerOptions) {
    if (!(opts.minInterval >= 0)) throw new Error('minInterval must be ≥ 0');
    if (opts.maxInterval > 0 && opts.maxInterval < opts.minInterval) throw new Error('maxInterval must be ≥ minInterval');
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.request(Date.now());
  }

  async stop(): Promise<void> {
    this.started = false;
    this.nextAt = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.active;
  }

  /** Ask for a run as soon as minInterval allows. */
  run(): void {
    this.request(Date.now());
  }

  /** Ask for a run within `ms` (sooner if something else asks). */
  retryAfter(ms: number): void {
    this.request(Date.now() + ms);
  }

  /** True while `run` is executing. */
  running(): boolean {
    return this.busy;
  }

  private request(at: number): void {
    if (!this.started) return;
    if (this.nextAt === undefined || at < this.nextAt) {
      this.nextAt = at;
      if (!this.busy) this.arm();
    }
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.nextAt === undefined || !this.started) return;
    const due = Math.max(this.nextAt, this.lastStart + this.opts.minInterval);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.active = this.fire().finally(() => {
        this.active = undefined;
        this.busy = false;
        this.arm();
      });
    }, Math.max(0, due - Date.now()));
  }

  private async fire(): Promise<void> {
    this.busy = true;
    this.nextAt = undefined;
    this.lastStart = Date.now();
    const max = this.opts.maxInterval;
    try {
      await this.opts.run();
    } catch (err) {
      try {
        this.opts.onError?.(err);
      } catch {
        // nowhere left to report
      }
      this.request(Date.now() + (this.opts.retryInterval ?? Math.max(this.opts.minInterval, 1000)));
    }
    if (max > 0 && Number.isFinite(max)) this.request(this.lastStart + max);
  }
}
