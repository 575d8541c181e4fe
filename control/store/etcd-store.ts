/**
 * Store over etcd (etcd3 client). Design note:
 * - Every write is ONE etcd round trip: a transaction whose compare encodes the precondition
 *   (absent for create; present, and at the expected mod revision for CAS) and whose failure
 *   branch reads the key, so NotFound and Conflict are told apart without a second call.
 * - resourceVersion = the key's mod revision; the stored JSON never carries it (etcd-codec.ts).
 * - Reads are etcd's default linearizable ranges; list is a single range, so items and the
 *   returned revision are one consistent snapshot, sorted by key.
 * - Watches go through one shared etcd watch and an in-memory window (etcd-watch-cache.ts).
 * - Availability: etcd3's retry and circuit-breaker policies are replaced by pass-throughs and
 *   every unary call has a deadline (callTimeoutMs, default 2 s), so with etcd down calls fail
 *   with StoreError('Unavailable') promptly instead of hanging or waiting out a breaker; gRPC's
 *   reconnect backoff is capped at 1 s so the store recovers by itself soon after etcd returns.
 * - KV calls and watches use separate clients (separate HTTP/2 connections): etcd3 resets all
 *   of a client's channels after a failed call, which must not cut the watch streams, and big
 *   list responses must not queue ahead of watch events.
 */
import { CompareResult, CompareTarget, Etcd3, type IOptions, type ITxnResponse } from 'etcd3';
import type { KubeObject } from '../api/object.js';
import { decodeKv, decodeValue, encodeObject, prefixEnd, toStoreError } from './etcd-codec.js';
import { EtcdWatchCache } from './etcd-watch-cache.js';
import { StoreError, type ListResult, type Store, type WatchCallbacks, type WatchHandle } from './store.js';

export interface EtcdStoreOptions {
  /** e.g. ["http://127.0.0.1:2379"] */
  endpoints: string[];
  /** Deadline for every unary etcd call (default 2000 ms). */
  callTimeoutMs?: number;
  /** Prefix of the shared watch (default "/registry/"). */
  watchPrefix?: string;
  /** Events kept in memory for watches that resume from a recent revision (default 10 000). */
  watchCacheSize?: number;
}

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

/** etcd3's fault-handling hooks only call execute(); this one runs the call once, as is. */
const passThrough = {
  execute: async <T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T): Promise<T> => fn({ signal: new AbortController().signal }),
} as unknown as Policy;

function makeClient(endpoints: string[], callTimeoutMs: number, role: string): Etcd3 {
  return new Etcd3({
    hosts: endpoints,
    faultHandling: { host: () => passThrough, global: passThrough },
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
    grpcOptions: {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      'grpc.keepalive_time_ms': 10_000, // etcd's default enforcement minimum is 5 s
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.max_receive_message_length': 512 * 1024 * 1024, // large lists
      'grpc.max_send_message_length': 16 * 1024 * 1024,
      'grpc.primary_user_agent': `tugboat-store-${role}`, // distinct options → distinct connection
    },
  });
}

export class EtcdStore implements Store {
  /** The etcd3 client used for key-value calls (exposed for tests and tooling). */
  readonly client: Etcd3;
  private readonly watchClient: Etcd3;
  private readonly watchCache: EtcdWatchCache;
  private readonly probeKey: Buffer;

  constructor(opts: EtcdStoreOptions) {
    const callTimeoutMs = opts.callTimeoutMs ?? 2_000;
    const prefix = opts.watchPrefix ?? '/registry/';
    this.client = makeClient(opts.endpoints, callTimeoutMs, 'kv');
    this.watchClient = makeClient(opts.endpoints, callTimeoutMs, 'watch');
    this.probeKey = Buffer.from(prefix);
    this.watchCache = new EtcdWatchCache(this.watchClient, {
      prefix,
      capacity: opts.watchCacheSize ?? 10_000,
      createTimeoutMs: callTimeoutMs,
      reconnectMinMs: 100,
      reconnectMaxMs: 2_000,
    });
  }

  async create(key: string, obj: KubeObject): Promise<KubeObject> {
    const k = Buffer.from(key);
    const value = encodeObject(obj);
    const res = await this.txn(key, {
      compare: [{ key: k, target: CompareTarget.Version, result: CompareResult.Equal, version: 0 }],
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
    });
    if (!res.succeeded) throw new StoreError('AlreadyExists', `${key} already exists`, key);
    return decodeValue(value, res.header.revision, key);
  }

  async update(key: string, obj: KubeObject, expectedRevision?: number): Promise<KubeObject> {
    const k = Buffer.from(key);
    const value = encodeObject(obj);
    const res = await this.txn(key, {
      compare: this.preconditions(k, expectedRevision),
      success: [{ request_put: { key: k, value: Buffer.from(value) } }],
      failure: [{ request_range: { key: k, keys_only: true } }],
    });
    if (!res.succeeded) throw this.preconditionError(key, res, expectedRevision);
    return decodeValue(value, res.header.revision, key);
  }

  async delete(key: string, expectedRevision?: number): Promise<KubeObject> {
    const k = Buffer.from(key);
    const res = await this.txn(key, {
      compare: this.preconditions(k, expectedRevision),
      success: [{ request_delete_range: { key: k, prev_kv: true } }],
      failure: [{ request_range: { key: k, keys_only: true } }],
    });
    if (!res.succeeded) throw this.preconditionError(key, res, expectedRevision);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
    if (!prev) throw new StoreError('NotFound', `${key} not found`, key);
    return decodeValue(prev.value, res.header.revision, key);
  }

  async get(key: string): Promise<KubeObject | undefined> {
    const res = await this.call(key, () => this.client.kv.range({ key: Buffer.from(key) }));
    const kv = res.kvs[0];
    return kv ? decodeKv(kv) : undefined;
  }

  async list(prefix: string): Promise<ListResult> {
    const k = Buffer.from(prefix);
    const res = await this.call(prefix, () => this.client.kv.range({ key: k, range_end: prefixEnd(k) }));
    return { items: res.kvs.map(decodeKv), revision: Number(res.header.revision) };
  }

  watch(prefix: string, fromRevision: number, cb: WatchCallbacks): WatchHandle {
    if (fromRevision > 0) return this.watchCache.watch(prefix, fromRevision, cb);
    // "From now" is etcd's current revision, read linearizably: the shared watch may not have
    // received a write the caller already saw complete, and that write must not be replayed.
    let inner: WatchHandle | undefined;
    let stopped = false;
    this.currentRevision().then(
      (revision) => { if (!stopped) inner = this.watchCache.watch(prefix, revision, cb); },
      (err: unknown) => {
        if (stopped) return;
        stopped = true;
        cb.onError(err instanceof StoreError ? err : new StoreError('Unavailable', String(err)));
      },
    );
    return { stop: () => { stopped = true; inner?.stop(); } };
  }

  async currentRevision(): Promise<number> {
    const res = await this.call(undefined, () => this.client.kv.range({ key: this.probeKey, keys_only: true }));
    return Number(res.header.revision);
  }

  async ping(): Promise<void> {
    await this.currentRevision();
  }

  /** Discard history up to `revision` (watches from before it get 'Gone'); already compacted is fine. */
  async compact(revision: number): Promise<void> {
    try {
      await this.client.kv.compact({ revision, physical: true });
    } catch (err) {
      const mapped = toStoreError(err);
      if (mapped instanceof StoreError && mapped.code === 'Gone') return;
      throw mapped;
    }
  }

  /** The shared watch window, for tests and metrics. */
  watchWindow(): { floor: number; lastRevision: number; size: number; connected: boolean } {
    return this.watchCache.window;
  }

  async close(): Promise<void> {
    this.watchCache.close();
    this.client.close();
    this.watchClient.close();
  }

  /** mod revision 0 would match an absent key, so presence (version > 0) is always part of CAS. */
  private preconditions(k: Buffer, expectedRevision: number | undefined) {
    const present = { key: k, target: CompareTarget.Version, result: CompareResult.Greater, version: 0 };
    if (expectedRevision === undefined) return [present];
    return [present, { key: k, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: expectedRevision }];
  }

  private preconditionError(key: string, res: ITxnResponse, expectedRevision: number | undefined): StoreError {
    const exists = (res.responses[0]?.response_range?.kvs.length ?? 0) > 0;
    if (!exists) return new StoreError('NotFound', `${key} not found`, key);
    return new StoreError('Conflict', `${key} was modified (expected revision ${expectedRevision})`, key);
  }

  private txn(key: string, req: Parameters<Etcd3['kv']['txn']>[0]): Promise<ITxnResponse> {
    return this.call(key, () => this.client.kv.txn(req));
  }

  private async call<T>(key: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toStoreError(err, key);
    }
  }
}
