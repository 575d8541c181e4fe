/**
 * Informer: a list+watch cache of one resource (optionally narrowed to a namespace and
 * label/field selectors), client-go's reflector + indexer + handlers in one small class.
 *
 * Guarantees:
 * - LIST, then WATCH from the list's resourceVersion; events are applied in order.
 * - Clean end of a watch ⇒ re-watch from the last seen resourceVersion (bookmarks included).
 * - 410 (HTTP status or ERROR event) ⇒ re-LIST and diff against the cache, delivering adds,
 *   updates and deletes (for objects that vanished meanwhile) so handlers converge.
 * - Any other failure (500s, refused connections, timeouts) ⇒ retry with capped, jittered
 *   exponential backoff. The informer never stops by itself (client-node's does).
 * - The cache is updated before handlers run, so a handler (or the worker it wakes) reading the
 *   cache sees at least the state of the event.
 * - `update` is delivered only when metadata.resourceVersion changed.
 * - Objects handed out are deep-frozen: mutating one throws. Clone (api/object.ts) before editing.
 * - hasSynced() turns true after the first LIST has been applied and its `add`s delivered; until
 *   then the cache must not be read as "the cluster is empty".
 * - A handler that throws is reported through onError and does not disturb the informer.
 */
import type { ApiError } from '../api/errors.js';
import type { KubeObject, WatchEvent } from '../api/object.js';
import type { ResourceInfo } from '../api/resources.js';
import { Backoff } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import type { ListerWatcher, WatchHandle } from './client.js';
import { objectKey } from './keys.js';

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Backoff after failures; defaults 500 ms → 30 s, ±20 %. */
  backoff?: BackoffOptions;
  /**
   * Server-side watch timeout; each watch asks for a random value in [t, 2t) like client-go, so
   * connections are refreshed and many informers do not reconnect together. Default 300; 0 = none.
   */
  watchTimeoutSeconds?: number;
  /** Ask for BOOKMARK events (cheaper resumption). Default true. */
  allowWatchBookmarks?: boolean;
}

export type IndexFunc<T> = (obj: T) => string[];

/** A watch shorter than this that delivered nothing is "unproductive": its retry is backed off. */
const PRODUCTIVE_WATCH_MS = 1000;

export class Informer<T extends KubeObject = KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly indexFuncs = new Map<string, IndexFunc<T>>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private readonly addHandlers: ((obj: T) => void)[] = [];
  private readonly updateHandlers: ((oldObj: T, newObj: T) => void)[] = [];
  private readonly deleteHandlers: ((obj: T) => void)[] = [];
  private readonly errorHandlers: ((err: unknown) => void)[] = [];
  private syncWaiters: ((synced: boolean) => void)[] = [];
  private readonly backoff: Backoff;
  private synced = false;
  private running = false;
  /** Bumped by start/stop so a loop left over from an earlier start() exits quietly. */
  private generation = 0;
  private lastRV = '';
  private currentWatch: WatchHandle | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly client: ListerWatcher,
    readonly resource: ResourceInfo,
    private readonly opts: InformerOptions = {},
  ) {
    this.backoff = new Backoff(opts.backoff);
  }

  // ---- handlers -------------------------------------------------------------------------------

  onAdd(fn: (obj: T) => void): this { this.addHandlers.push(fn); return this; }
  onUpdate(fn: (oldObj: T, newObj: T) => void): this { this.updateHandlers.push(fn); return this; }
  onDelete(fn: (obj: T) => void): this { this.deleteHandlers.push(fn); return this; }
  /** List/watch failures (before each retry) and exceptions thrown by handlers. */
  onError(fn: (err: unknown) => void): this { this.errorHandlers.push(fn); return this; }

  // ---- lifecycle ------------------------------------------------------------------------------

  start(): void {
    if (this.running) return;
    this.running = true;
    const gen = ++this.generation;
    void this.loop(gen);
  }

  /** Stops listing/watching; the cache keeps its last contents. start() may be called again. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    this.currentWatch?.stop();
    this.currentWatch = undefined;
    this.wake?.();
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w(this.synced);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced; false if `signal` aborts or the informer is stopped first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted || !this.running) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== settle);
        resolve(false);
      };
      const settle = (synced: boolean): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(synced);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(settle);
    });
  }

  /** The resourceVersion the cache reflects (from the last list, event or bookmark). */
  lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  // ---- cache reads ----------------------------------------------------------------------------

  list(): readonly T[] {
    return [...this.store.values()];
  }

  /** By key: 'namespace/name', or 'name' for cluster-scoped resources. */
  get(key: string): T | undefined {
    return this.store.get(key);
  }

  /** Register an index (e.g. pods by spec.nodeName); may be added before or after start(). */
  addIndex(name: string, fn: IndexFunc<T>): void {
    if (this.indexFuncs.has(name)) throw new Error(`index ${name} already exists`);
    this.indexFuncs.set(name, fn);
    this.indexes.set(name, new Map());
    for (const [key, obj] of this.store) this.indexOne(name, fn, key, obj);
  }

  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`no index named ${name}`);
    const keys = index.get(value);
    if (!keys) return [];
    const out: T[] = [];
    for (const k of keys) {
      const obj = this.store.get(k);
      if (obj) out.push(obj);
    }
    return out;
  }

  // ---- the reflector loop ---------------------------------------------------------------------

  private live(gen: number): boolean {
    return this.running && gen === this.generation;
  }

  private async loop(gen: number): Promise<void> {
    let needList = true;
    while (this.live(gen)) {
      if (needList) {
        try {
          await this.relist(gen);
          needList = false;
        } catch (err) {
          if (!this.live(gen)) return;
          this.report(err);
          await this.sleep(this.backoff.next());
          continue;
        }
      }
      if (!this.live(gen)) return;
      const result = await this.watchOnce();
      if (!this.live(gen)) return;
      const productive = result.events > 0 || result.durationMs >= PRODUCTIVE_WATCH_MS;
      if (productive) this.backoff.reset();
      if (result.err) {
        if (result.err.code === 410) needList = true;
        else this.report(result.err);
        // A 410 after a working watch is routine (compaction): relist at once. Anything else waits.
        if (result.err.code !== 410 || !productive) await this.sleep(this.backoff.next());
      } else if (!productive) {
        // The server closes immediately without sending anything: do not spin.
        await this.sleep(this.backoff.next());
      }
    }
  }

  private async relist(gen: number): Promise<void> {
    const list = await this.client.list<T>(this.resource, {
      namespace: this.opts.namespace,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
    });
    if (!this.live(gen)) return;
    const fresh = new Map<string, T>();
    for (const item of list.items) fresh.set(objectKey(item), deepFreeze(item));
    const old = new Map(this.store);

    // Replace the cache first, then notify: handlers observe the new state.
    this.store.clear();
    for (const [key, obj] of fresh) this.store.set(key, obj);
    this.rebuildIndexes();
    this.lastRV = list.metadata?.resourceVersion ?? '';

    for (const [key, obj] of old) if (!fresh.has(key)) this.emit(this.deleteHandlers, obj);
    for (const [key, obj] of fresh) {
      const prev = old.get(key);
      if (!prev) this.emit(this.addHandlers, obj);
      else if (prev.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emitUpdate(prev, obj);
    }
    this.backoff.reset();
    if (!this.synced) {
      this.synced = true;
      const waiters = this.syncWaiters;
      this.syncWaiters = [];
      for (const w of waiters) w(true);
    }
  }

  private watchOnce(): Promise<{ err?: ApiError; events: number; durationMs: number }> {
    const started = Date.now();
    let events = 0;
    const t = this.opts.watchTimeoutSeconds ?? 300;
    return new Promise((resolve) => {
      let ended = false;
      const done = (err?: ApiError): void => {
        if (ended) return;
        ended = true;
        this.currentWatch = undefined;
        this.wake = undefined;
        resolve({ err, events, durationMs: Date.now() - started });
      };
      // stop() wakes us through `wake` because a stopped watch does not call onEnd.
      this.wake = () => done();
      const handle = this.client.watch<T>(this.resource, {
        namespace: this.opts.namespace,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        resourceVersion: this.lastRV,
        timeoutSeconds: t > 0 ? Math.floor(t * (1 + Math.random())) : undefined,
        allowWatchBookmarks: this.opts.allowWatchBookmarks ?? true,
      }, (ev) => {
        if (ended) return;
        events++;
        this.applyEvent(ev);
      }, done);
      // A watch may end synchronously (fakes do); only remember a handle that is still open.
      if (!ended) this.currentWatch = handle;
    });
  }

  private applyEvent(ev: WatchEvent<T>): void {
    const rv = ev.object?.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.lastRV = rv;
      return;
    }
    const obj = deepFreeze(ev.object);
    const key = objectKey(obj);
    const prev = this.store.get(key);
    if (ev.type === 'DELETED') {
      if (prev) {
        this.store.delete(key);
        this.unindex(key, prev);
        this.emit(this.deleteHandlers, obj);
      }
    } else {
      this.store.set(key, obj);
      if (prev) this.unindex(key, prev);
      this.index(key, obj);
      if (!prev) this.emit(this.addHandlers, obj);
      else if (prev.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emitUpdate(prev, obj);
    }
    if (rv) this.lastRV = rv;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(timer); this.wake = undefined; resolve(); };
    });
  }

  // ---- indexes and handlers -------------------------------------------------------------------

  private rebuildIndexes(): void {
    for (const [name, fn] of this.indexFuncs) {
      this.indexes.set(name, new Map());
      for (const [key, obj] of this.store) this.indexOne(name, fn, key, obj);
    }
  }

  private index(key: string, obj: T): void {
    for (const [name, fn] of this.indexFuncs) this.indexOne(name, fn, key, obj);
  }

  private indexOne(name: string, fn: IndexFunc<T>, key: string, obj: T): void {
    const index = this.indexes.get(name);
    if (!index) return;
    let values: string[];
    try {
      values = fn(obj);
    } catch (err) {
      this.report(err);
      return;
    }
    for (const v of values) {
      let keys = index.get(v);
      if (!keys) index.set(v, keys = new Set());
      keys.add(key);
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexFuncs) {
      const index = this.indexes.get(name);
      if (!index) continue;
      let values: string[];
      try {
        values = fn(obj);
      } catch {
        values = [...index.keys()];
      }
      for (const v of values) {
        const keys = index.get(v);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(v);
      }
    }
  }

  private emit(handlers: ((obj: T) => void)[], obj: T): void {
    for (const h of handlers) {
      try {
        h(obj);
      } catch (err) {
        this.report(err);
      }
    }
  }

  private emitUpdate(oldObj: T, newObj: T): void {
    for (const h of this.updateHandlers) {
      try {
        h(oldObj, newObj);
      } catch (err) {
        this.report(err);
      }
    }
  }

  private report(err: unknown): void {
    for (const h of this.errorHandlers) {
      try {
        h(err);
      } catch {
        // an error handler that throws has nowhere left to report to
      }
    }
  }
}

/** Freeze a JSON value and everything inside it, so cached objects cannot be edited in place. */
export function deepFreeze<V>(value: V): V {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
