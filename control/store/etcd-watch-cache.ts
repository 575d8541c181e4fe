/**
 * The store's one shared etcd watch, an in-memory window of recent events, and the fan-out to
 * every subscriber (a kube-apiserver "watch cache" in miniature).
 *
 * Guarantees, per subscriber: every event under its prefix with revision > fromRevision, in
 * revision order, exactly once, until stop() or a single onError.
 * - Within the window (fromRevision >= ring.floor, which includes "from now" and revisions not
 *   seen yet): replay from the ring, then go live — in one synchronous step, so no event can slip
 *   between replay and live delivery.
 * - Older than the window, or a prefix outside the shared one: a dedicated etcd watch from
 *   fromRevision+1 (etcd answers compacted → 'Gone').
 * - Shared watch broken (etcd down): every shared subscriber gets onError('Unavailable'); the
 *   API server ends those streams and clients re-watch from their last resourceVersion. The
 *   shared watch reconnects with backoff from the last revision it received, so the window stays
 *   gap-free; if that revision was compacted meanwhile, the window restarts empty "from now".
 * - Shared watch compacted under a lagging stream (etcd cancels a watcher that fell behind its
 *   compaction point, even one started "from now"): each subscriber whose own resume point
 *   survived the compaction continues on a dedicated watch, unnoticed; the others get 'Gone',
 *   exactly as if they had asked etcd directly.
 * - Event objects are shared between subscribers: treat them as read-only.
 */
import type { Etcd3 } from 'etcd3';
import { EventRing } from './event-ring.js';
import { openEtcdWatch, type RawWatch } from './etcd-watch-stream.js';
import { StoreError, type StoreEvent, type WatchCallbacks, type WatchHandle } from './store.js';

export interface WatchCacheOptions {
  /** Prefix of the shared watch; watches under it are served from the window. */
  prefix: string;
  /** Events kept in the window. */
  capacity: number;
  /** Watch establishment timeout (shared and dedicated). */
  createTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

interface Subscriber {
  prefix: string;
  /** Deliver revisions > after; undefined = "from now", fixed when the subscriber activates. */
  after: number | undefined;
  cb: WatchCallbacks;
  ended: boolean;
  /** Revision of the last event delivered (batches of one revision are delivered whole). */
  delivered: number;
  dedicated?: RawWatch;
}

type CacheState = 'connecting' | 'up' | 'down' | 'closed';

export class EtcdWatchCache {
  private state: CacheState = 'down';
  private readonly ring: EventRing;
  /** Newest revision up to which the ring holds every event (valid once connected). */
  private lastRev = 0;
  /** True until the ring has a gap-free history to resume from. */
  private fresh = true;
  private shared: RawWatch | undefined;
  private readonly subscribers = new Set<Subscriber>();
  private readonly live = new Set<Subscriber>();
  private pending: Subscriber[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private backoffMs: number;

  constructor(private readonly client: Etcd3, private readonly opts: WatchCacheOptions) {
    this.ring = new EventRing(opts.capacity);
    this.backoffMs = opts.reconnectMinMs;
    this.connect();
  }

  /** Revisions > floor can be served from memory (for tests and metrics). */
  get window(): { floor: number; lastRevision: number; size: number; connected: boolean } {
    return { floor: this.ring.floor, lastRevision: this.lastRev, size: this.ring.length, connected: this.state === 'up' };
  }

  watch(prefix: string, fromRevision: number, cb: WatchCallbacks): WatchHandle {
    const sub: Subscriber = { prefix, after: fromRevision > 0 ? fromRevision : undefined, cb, ended: false, delivered: 0 };
    this.subscribers.add(sub);
    const handle = { stop: (): void => this.unsubscribe(sub) };
    if (this.state === 'closed') {
      queueMicrotask(() => this.end(sub, new StoreError('Unavailable', 'store is closed')));
    } else if (!prefix.startsWith(this.opts.prefix)) {
      queueMicrotask(() => this.startDedicated(sub));
    } else if (this.state === 'down') {
      queueMicrotask(() => this.end(sub, new StoreError('Unavailable', 'etcd watch is down; retry shortly')));
    } else if (this.state === 'connecting') {
      this.pending.push(sub);
    } else {
      // Deferred so callbacks never run before watch() has returned its handle.
      queueMicrotask(() => this.activate(sub));
    }
    return handle;
  }

  close(): void {
    this.state = 'closed';
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.shared?.stop();
    this.shared = undefined;
    for (const sub of [...this.subscribers]) this.end(sub, new StoreError('Unavailable', 'store is closed'));
  }

  private connect(): void {
    if (this.state === 'closed') return;
    this.state = 'connecting';
    this.shared = openEtcdWatch(this.client, {
      prefix: this.opts.prefix,
      startRevision: this.fresh ? undefined : this.lastRev + 1,
      createTimeoutMs: this.opts.createTimeoutMs,
    }, {
      onCreated: (headerRevision) => this.onConnected(headerRevision),
      onEvents: (events) => this.onEvents(events),
      onProgress: (revision) => this.onProgress(revision),
      onEnd: (err) => this.onSharedEnd(err),
    });
  }

  private onConnected(headerRevision: number): void {
    if (this.fresh) {
      this.ring.reset(headerRevision);
      this.lastRev = headerRevision;
      this.fresh = false;
    }
    this.state = 'up';
    this.backoffMs = this.opts.reconnectMinMs;
    const waiting = this.pending;
    this.pending = [];
    for (const sub of waiting) this.activate(sub);
  }

  private onSharedEnd(err: StoreError): void {
    this.shared = undefined;
    if (this.state === 'closed') return;
    this.state = 'down';
    // A compacted resume point means the window can no longer be made gap-free.
    if (err.code === 'Gone') this.fresh = true;
    const reason = new StoreError('Unavailable', `etcd watch interrupted: ${err.message}`);
    const affected = [...this.live, ...this.pending];
    this.live.clear();
    this.pending = [];
    for (const sub of affected) {
      if (err.compactRevision === undefined) this.end(sub, reason);
      else this.continueAfterCompaction(sub, err.compactRevision);
    }
    this.retryTimer = setTimeout(() => { this.retryTimer = undefined; this.connect(); }, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, this.opts.reconnectMaxMs);
  }

  private onEvents(events: StoreEvent[]): void {
    for (const ev of events) {
      this.ring.push(ev);
      if (ev.revision > this.lastRev) this.lastRev = ev.revision;
    }
    for (const sub of this.live) {
      for (const ev of events) {
        if (sub.ended) break;
        if (ev.revision > (sub.after as number) && ev.key.startsWith(sub.prefix)) this.deliver(sub, ev);
      }
    }
  }

  private onProgress(revision: number): void {
    if (revision > this.lastRev) this.lastRev = revision;
    for (const sub of this.live) this.progress(sub, revision);
  }

  private activate(sub: Subscriber): void {
    if (sub.ended) return;
    if (this.state === 'connecting') {
      this.pending.push(sub);
      return;
    }
    if (this.state !== 'up') {
      this.end(sub, new StoreError('Unavailable', 'etcd watch is down; retry shortly'));
      return;
    }
    if (sub.after === undefined) sub.after = this.lastRev;
    if (sub.after < this.ring.floor) {
      this.startDedicated(sub);
      return;
    }
    for (const ev of this.ring.after(sub.after)) {
      if (sub.ended) return;
      if (ev.key.startsWith(sub.prefix)) this.deliver(sub, ev);
    }
    if (!sub.ended) this.live.add(sub);
  }

  private continueAfterCompaction(sub: Subscriber, compactRevision: number): void {
    if (sub.after !== undefined) sub.after = Math.max(sub.after, sub.delivered);
    // etcd serves a watch whose first revision is >= the compaction point.
    if (sub.after !== undefined && sub.after + 1 < compactRevision) {
      this.end(sub, new StoreError('Gone', `too old resource version: ${sub.after} (${compactRevision})`, sub.prefix, compactRevision));
    } else {
      this.startDedicated(sub);
    }
  }

  private startDedicated(sub: Subscriber): void {
    if (sub.ended) return;
    sub.dedicated = openEtcdWatch(this.client, {
      prefix: sub.prefix,
      startRevision: sub.after === undefined ? undefined : sub.after + 1,
      createTimeoutMs: this.opts.createTimeoutMs,
    }, {
      onCreated: () => undefined,
      onEvents: (events) => {
        for (const ev of events) {
          if (sub.ended) return;
          this.deliver(sub, ev);
        }
      },
      onProgress: (revision) => this.progress(sub, revision),
      onEnd: (err) => this.end(sub, err),
    });
  }

  private deliver(sub: Subscriber, ev: StoreEvent): void {
    sub.delivered = ev.revision;
    try {
      sub.cb.onEvent(ev);
    } catch (err) {
      // A throwing consumer must not break delivery to the others; its stream ends instead.
      this.end(sub, new StoreError('Unavailable', `watch consumer failed: ${err instanceof Error ? err.message : String(err)}`));
    }
  }

  private progress(sub: Subscriber, revision: number): void {
    if (sub.ended || !sub.cb.onProgress) return;
    try {
      sub.cb.onProgress(revision);
    } catch {
      // progress is advisory
    }
  }

  private end(sub: Subscriber, err: StoreError): void {
    if (sub.ended) return;
    this.unsubscribe(sub);
    try {
      sub.cb.onError(err);
    } catch {
      // the watch is over either way
    }
  }

  private unsubscribe(sub: Subscriber): void {
    if (sub.ended) return;
    sub.ended = true;
    this.subscribers.delete(sub);
    this.live.delete(sub);
    sub.dedicated?.stop();
    sub.dedicated = undefined;
  }
}
