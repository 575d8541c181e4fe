/**
 * The sync loop both modes share: informer events feed the change trackers (and only wake the
 * runner), a SyncRunner coalesces them, and each run hands the committed changes to the backend.
 *
 * Guarantees:
 * - nothing is written before both Service and EndpointSlice caches have synced (an empty cache
 *   must never mean "delete every rule");
 * - runs are at least `minSyncMs` apart (bursts coalesce) and at most `syncPeriodMs` apart;
 *   a run more than `syncPeriodMs` after the last full sync is full;
 * - after any failure the next run is full, and the failed run's changes are carried into it;
 * - network programming latency is observed per applied endpoint change from the slice's
 *   last-change-trigger-time annotation.
 */
import type { Logger } from 'pino';
import { SyncRunner } from '../../control/client/index.js';
import type { KubeObject } from '../../control/api/object.js';
import type { ProxyBackend } from './backend.js';
import { ModelTracker, type Commit } from './core/model-tracker.js';
import type { ProxyMetrics } from './metrics.js';

export interface ProxierOptions {
  backend: ProxyBackend;
  log: Logger;
  metrics: ProxyMetrics;
  minSyncMs: number;
  syncPeriodMs: number;
  now?: () => number;
}

export class Proxier {
  readonly tracker = new ModelTracker();
  private readonly runner: SyncRunner;
  private synced = false;
  private needFull = true;
  private lastFull = 0;
  private carry: Commit | undefined;
  private readonly now: () => number;
  /** Resolvers waiting for the next successful sync (tests, the agent's readiness). */
  private waiters: (() => void)[] = [];
  syncs = { full: 0, partial: 0, failed: 0 };

  constructor(private readonly opts: ProxierOptions) {
    this.now = opts.now ?? Date.now;
    this.runner = new SyncRunner({
      minInterval: opts.minSyncMs,
      maxInterval: opts.syncPeriodMs,
      run: () => this.syncOnce(),
      onError: (err) => opts.log.warn({ err: (err as Error).message, code: (err as { code?: string }).code }, 'proxy sync failed; the next sync is full'),
    });
  }

  onService(old: KubeObject | undefined, cur: KubeObject | undefined): void {
    if (this.tracker.onService(old, cur) && this.synced) this.runner.run();
  }

  onSlice(old: KubeObject | undefined, cur: KubeObject | undefined): void {
    if (this.tracker.onSlice(old, cur) && this.synced) this.runner.run();
  }

  /** Call once the caches have synced: starts the loop with a full sync. */
  start(): void {
    this.synced = true;
    this.runner.start();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** Resolves after the next sync that succeeds. */
  nextSync(): Promise<void> {
    return new Promise((r) => {
      this.waiters.push(r);
      this.runner.run();
    });
  }

  private async syncOnce(): Promise<void> {
    if (!this.synced) return;
    const fresh = this.tracker.commit();
    const commit: Commit = this.carry
      ? { changed: new Set([...this.carry.changed, ...fresh.changed]), triggerTimes: [...this.carry.triggerTimes, ...fresh.triggerTimes] }
      : fresh;
    const start = this.now();
    const full = this.needFull || start - this.lastFull >= this.opts.syncPeriodMs;
    if (!full && commit.changed.size === 0) {
      this.release();
      return;
    }
    const m = this.opts.metrics;
    try {
      const result = await this.opts.backend.sync(this.tracker.model(), commit, full);
      m.rulesTotal.set({ table: 'nat' }, result.natRules);
      m.rulesTotal.set({ table: 'filter' }, result.filterRules);
    } catch (err) {
      if (!this.needFull) m.partialRestoreFailures.inc();
      m.restoreFailures.inc();
      this.syncs.failed++;
      this.needFull = true;
      this.carry = commit;
      throw err;
    }
    const end = this.now();
    const seconds = (end - start) / 1000;
    this.needFull = false;
    this.carry = undefined;
    m.syncDuration.observe(seconds);
    if (full) {
      this.lastFull = start;
      this.syncs.full++;
      m.syncFullDuration.observe(seconds);
    } else {
      this.syncs.partial++;
      m.syncPartialDuration.observe(seconds);
    }
    m.lastSync.set(end / 1000);
    for (const t of commit.triggerTimes) m.networkProgramming.observe(Math.max(0, end - t) / 1000);
    this.release();
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}
