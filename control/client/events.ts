/**
 * EventRecorder: core/v1 Events as client-go's record.EventRecorder writes them.
 *
 * Guarantees:
 * - Best effort: `event()` never throws and never blocks the caller; writes happen in the
 *   background and failures are dropped (reported through `onError` when given). Events are a
 *   debugging aid, never a reason for a controller to fail.
 * - Aggregation like client-go's EventCorrelator/EventLogger: the same (source, involved object,
 *   type, reason, message) seen again updates the existing Event (count + 1, lastTimestamp = now,
 *   firstTimestamp kept) instead of creating a new one. If that Event has vanished (TTL, deleted)
 *   a fresh one is created.
 * - Writes for one aggregation key are serialized, so concurrent repeats count correctly.
 * - Names are `<object name>.<hex unix nanos>` and the namespace is the object's ('default' for
 *   cluster-scoped objects, as client-go does), so `kubectl describe <kind> <name>` lists them.
 * - The correlation cache is bounded (LRU of 4096 keys, client-go's size).
 */
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { findResource } from '../api/resources.js';
import type { ApiClient } from './client.js';

const EVENTS = findResource('', 'v1', 'events')!;
const MAX_CACHE_ENTRIES = 4096;

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  /** source.component / reportingComponent, e.g. 'default-scheduler', 'deployment-controller'. */
  component: string;
  /** source.host, e.g. the node name for kubelet events. */
  host?: string;
  /** Clock for timestamps (tests). */
  now?: () => Date;
  /** Called when an event could not be written (it is dropped either way). */
  onError?: (err: unknown) => void;
}

/** What an event is about; any KubeObject with apiVersion/kind/metadata fits. */
export type InvolvedObject = Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>;

interface Aggregate {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

/** The minimal client surface the recorder uses (an ApiClient, or a fake in tests). */
export type EventSink = Pick<ApiClient, 'create' | 'patch'>;

export class EventRecorder {
  private readonly cache = new Map<string, Aggregate>();
  /** Per-key chain of pending writes (serializes repeats of one event). */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly now: () => Date;
  private lastNanos = 0n;

  constructor(private readonly client: EventSink, private readonly opts: EventRecorderOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  /** Record an event about `obj`. Returns at once; the write happens in the background. */
  event(obj: InvolvedObject, type: EventType, reason: string, message: string): void {
    try {
      const key = this.aggregationKey(obj, type, reason, message);
      const previous = this.chains.get(key) ?? Promise.resolve();
      const next = previous.then(() => this.write(key, obj, type, reason, message)).catch((err: unknown) => this.report(err));
      this.chains.set(key, next);
      void next.finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    } catch (err) {
      this.report(err);
    }
  }

  /** Resolves once every event recorded so far has been written (or dropped). */
  async flush(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  private async write(key: string, obj: InvolvedObject, type: EventType, reason: string, message: string): Promise<void> {
    const now = rfc3339(this.now());
    const seen = this.cache.get(key);
    if (seen) {
      const count = seen.count + 1;
      try {
        await this.client.patch(EVENTS, seen.namespace, seen.name, { count, lastTimestamp: now, message }, 'merge');
        this.remember(key, { ...seen, count });
        return;
      } catch (err) {
        // The event expired or was deleted: start a new one below.
        if (!(err instanceof ApiError && err.code === 404)) throw err;
        this.cache.delete(key);
      }
    }
    const namespace = obj.metadata.namespace || 'default';
    const name = `${obj.metadata.name ?? 'unknown'}.${this.uniqueNanos().toString(16)}`;
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        namespace: obj.metadata.namespace || undefined,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source: this.opts.host ? { component: this.opts.component, host: this.opts.host } : { component: this.opts.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      eventTime: null,
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.host ?? '',
    };
    await this.client.create(EVENTS, event);
    this.remember(key, { name, namespace, count: 1, firstTimestamp: now });
  }

  private remember(key: string, agg: Aggregate): void {
    this.cache.delete(key); // re-insert: Map order is the LRU order
    this.cache.set(key, agg);
    if (this.cache.size > MAX_CACHE_ENTRIES) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  /** client-go's getEventKey: source, involved object, type, reason and message. */
  private aggregationKey(obj: InvolvedObject, type: EventType, reason: string, message: string): string {
    const m = obj.metadata;
    return JSON.stringify([
      this.opts.component, this.opts.host ?? '', obj.apiVersion ?? '', obj.kind ?? '',
      m.namespace ?? '', m.name ?? '', m.uid ?? '', type, reason, message,
    ]);
  }

  /** Unix nanoseconds, strictly increasing within this recorder (names must not collide). */
  private uniqueNanos(): bigint {
    let n = BigInt(this.now().getTime()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
    if (n <= this.lastNanos) n = this.lastNanos + 1n;
    this.lastNanos = n;
    return n;
  }

  private report(err: unknown): void {
    try {
      this.opts.onError?.(err);
    } catch {
      /* an error reporter that throws must not escape either */
    }
  }
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}
