/**
 * In-memory Store with EtcdStore's semantics, for fast unit tests of the API server and friends.
 *
 * - One global revision counter (starts at 1, like a fresh etcd); every successful write takes
 *   the next revision, failed writes take none.
 * - Objects are kept as JSON without resourceVersion, so reads return fresh copies and
 *   JSON-isms (dropped undefined, etc.) match etcd.
 * - The history since the last compact(rev) is kept in full; a watch from before the compaction
 *   point fails with 'Gone'. `historyLimit` auto-compacts the oldest events so long test runs stay
 *   bounded.
 * - Watch events are delivered asynchronously (a microtask after the write), in revision order,
 *   exactly once; event objects are shared between subscribers, as with EtcdStore.
 * - setAvailable(false) simulates etcd being down: calls reject with 'Unavailable' and every
 *   watch ends with onError('Unavailable').
 */
import type { KubeObject } from '../../control/api/object.js';
import {
  StoreError, type ListResult, type Store, type StoreEvent, type WatchCallbacks, type WatchHandle,
} from '../../control/store/store.js';

interface Entry {
  value: string;
  modRevision: number;
}

interface Subscriber {
  prefix: string;
  /** Deliver revisions > after. */
  after: number;
  cb: WatchCallbacks;
  queue: StoreEvent[];
  scheduled: boolean;
  ended: boolean;
}

export interface MemoryStoreOptions {
  /** Keep at most this many events of history (default 100 000). */
  historyLimit?: number;
}

export class MemoryStore implements Store {
  private revision = 1;
  private compactedRevision = 0;
  private readonly data = new Map<string, Entry>();
  private history: StoreEvent[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private available = true;
  private closed = false;
  private readonly historyLimit: number;

  constructor(opts: MemoryStoreOptions = {}) {
    this.historyLimit = opts.historyLimit ?? 100_000;
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    this.check(key);
    if (this.data.has(key)) throw new StoreError('AlreadyExists', `${key} already exists`, key);
    return this.put(key, obj, 'ADDED', undefined);
  }

  async update(key: string, obj: KubeObject, expectedRevision?: number): Promise<KubeObject> {
    this.check(key);
    const prev = this.precondition(key, expectedRevision);
    return this.put(key, obj, 'MODIFIED', prev);
  }

  async delete(key: string, expectedRevision?: number): Promise<KubeObject> {
    this.check(key);
    const prev = this.precondition(key, expectedRevision);
    this.data.delete(key);
    const revision = ++this.revision;
    const object = decode(prev.value, revision);
    this.record({ type: 'DELETED', key, object, previous: decode(prev.value, prev.modRevision), revision });
    return decode(prev.value, revision);
  }

  async get(key: string): Promise<KubeObject | undefined> {
    this.check(key);
    const entry = this.data.get(key);
    return entry ? decode(entry.value, entry.modRevision) : undefined;
  }

  async list(prefix: string): Promise<ListResult> {
    this.check(prefix);
    const keys = [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort(compareBytes);
    const items = keys.map((k) => {
      const entry = this.data.get(k) as Entry;
      return decode(entry.value, entry.modRevision);
    });
    return { items, revision: this.revision };
  }

  watch(prefix: string, fromRevision: number, cb: WatchCallbacks): WatchHandle {
    const sub: Subscriber = { prefix, after: fromRevision > 0 ? fromRevision : this.revision, cb, queue: [], scheduled: false, ended: false };
    const handle = { stop: (): void => { sub.ended = true; this.subscribers.delete(sub); } };
    if (this.closed || !this.available) {
      queueMicrotask(() => this.end(sub, new StoreError('Unavailable', this.closed ? 'store is closed' : 'etcd unavailable (simulated)')));
      return handle;
    }
    if (fromRevision > 0 && fromRevision < this.compactedRevision) {
      queueMicrotask(() => this.end(sub, new StoreError('Gone', `too old resource version: ${fromRevision} (${this.compactedRevision})`)));
      return handle;
    }
    if (fromRevision > 0) {
      for (const ev of this.history) {
        if (ev.revision > fromRevision && ev.key.startsWith(prefix)) sub.queue.push(ev);
      }
    }
    this.subscribers.add(sub);
    this.schedule(sub);
    return handle;
  }

  async currentRevision(): Promise<number> {
    this.check();
    return this.revision;
  }

  async ping(): Promise<void> {
    this.check();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const sub of [...this.subscribers]) this.end(sub, new StoreError('Unavailable', 'store is closed'));
  }

  /** Discard history up to `revision`; watches from before it get 'Gone' (like etcd compaction). */
  async compact(revision: number): Promise<void> {
    this.check();
    if (revision > this.revision) throw new Error(`compact: revision ${revision} is in the future (current ${this.revision})`);
    if (revision <= this.compactedRevision) return;
    this.compactedRevision = revision;
    this.history = this.history.filter((ev) => ev.revision > revision);
  }

  /** Simulate etcd going away (false) and coming back (true). */
  setAvailable(available: boolean): void {
    this.available = available;
    if (!available) {
      for (const sub of [...this.subscribers]) this.end(sub, new StoreError('Unavailable', 'etcd unavailable (simulated)'));
    }
  }

  private check(key?: string): void {
    if (this.closed) throw new StoreError('Unavailable', 'store is closed', key);
    if (!this.available) throw new StoreError('Unavailable', 'etcd unavailable (simulated)', key);
  }

  private precondition(key: string, expectedRevision: number | undefined): Entry {
    const entry = this.data.get(key);
    if (!entry) throw new StoreError('NotFound', `${key} not found`, key);
    if (expectedRevision !== undefined && entry.modRevision !== expectedRevision) {
      throw new StoreError('Conflict', `${key} was modified (expected revision ${expectedRevision})`, key);
    }
    return entry;
  }

  private put(key: string, obj: KubeObject, type: 'ADDED' | 'MODIFIED', prev: Entry | undefined): KubeObject {
    const { resourceVersion: _dropped, ...metadata } = obj.metadata ?? {};
    const value = JSON.stringify({ ...obj, metadata });
    const revision = ++this.revision;
    this.data.set(key, { value, modRevision: revision });
    const event: StoreEvent = { type, key, object: decode(value, revision), revision };
    if (prev) event.previous = decode(prev.value, prev.modRevision);
    this.record(event);
    return decode(value, revision);
  }

  private record(ev: StoreEvent): void {
    this.history.push(ev);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.compactedRevision = Math.max(this.compactedRevision, dropped[dropped.length - 1].revision);
    }
    for (const sub of this.subscribers) {
      if (ev.revision <= sub.after || !ev.key.startsWith(sub.prefix)) continue;
      sub.queue.push(ev);
      this.schedule(sub);
    }
  }

  private schedule(sub: Subscriber): void {
    if (sub.scheduled || sub.queue.length === 0) return;
    sub.scheduled = true;
    queueMicrotask(() => {
      sub.scheduled = false;
      const batch = sub.queue;
      sub.queue = [];
      for (const ev of batch) {
        if (sub.ended) return;
        try {
          sub.cb.onEvent(ev);
        } catch (err) {
          this.end(sub, new StoreError('Unavailable', `watch consumer failed: ${err instanceof Error ? err.message : String(err)}`));
        }
      }
    });
  }

  private end(sub: Subscriber, err: StoreError): void {
    if (sub.ended) return;
    sub.ended = true;
    this.subscribers.delete(sub);
    try {
      sub.cb.onError(err);
    } catch {
      // the watch is over either way
    }
  }
}

function decode(value: string, revision: number): KubeObject {
  const obj = JSON.parse(value) as KubeObject;
  obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(revision) };
  return obj;
}

/** etcd orders keys by their UTF-8 bytes. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
