/**
 * The storage contract the API server is written against. One implementation (EtcdStore) over
 * etcd3; an in-memory one for unit tests lives in test/fakes and must behave identically
 * (same revisions semantics, same errors).
 *
 * Guarantees:
 * - resourceVersion of a returned object = etcd mod revision of its key (as a decimal string);
 *   the stored bytes never carry resourceVersion.
 * - create fails with StoreError 'AlreadyExists'; update/delete with an expected revision are
 *   compare-and-swap and fail with 'Conflict' when the key moved on, 'NotFound' when absent.
 * - list returns every object under a prefix at one revision (the returned `revision`).
 * - watch(prefix, fromRevision) delivers every change with revision > fromRevision, in revision
 *   order, exactly once; if fromRevision is older than etcd's compaction point the watch fails with
 *   'Gone' (the API server answers 410 Expired).
 * - when etcd is unreachable, calls fail within a bounded time with 'Unavailable' (never hang).
 */
import type { KubeObject } from '../api/object.js';

export type StoreErrorCode = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Gone' | 'Unavailable';

export class StoreError extends Error {
  /**
   * @param compactRevision for 'Gone' from a watch: etcd's compaction point, so a caller can
   * tell which resume revisions are still served (those >= it - 1).
   */
  constructor(readonly code: StoreErrorCode, message: string, readonly key?: string, readonly compactRevision?: number) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  /** For DELETED: the last state before deletion, with resourceVersion = the deletion revision. */
  object: KubeObject;
  /** For MODIFIED and DELETED: the state before this change. */
  previous?: KubeObject;
  revision: number;
}

export interface ListResult {
  items: KubeObject[];
  revision: number;
}

export interface WatchHandle {
  stop(): void;
}

export interface WatchCallbacks {
  onEvent(event: StoreEvent): void;
  /** Called at most once; the watch is over afterwards. */
  onError(err: StoreError): void;
  /** Optional: progress notifications (no events up to this revision) for bookmarks. */
  onProgress?(revision: number): void;
}

export interface Store {
  create(key: string, obj: KubeObject): Promise<KubeObject>;
  /** CAS on expectedRevision when given; unconditional otherwise (still fails NotFound if absent). */
  update(key: string, obj: KubeObject, expectedRevision?: number): Promise<KubeObject>;
  delete(key: string, expectedRevision?: number): Promise<KubeObject>;
  get(key: string): Promise<KubeObject | undefined>;
  list(prefix: string): Promise<ListResult>;
  /** Changes strictly after fromRevision; fromRevision 0 means "from now". */
  watch(prefix: string, fromRevision: number, cb: WatchCallbacks): WatchHandle;
  /** The newest revision the store has seen (for empty lists and bookmarks). */
  currentRevision(): Promise<number>;
  /** Resolves when the backend answers (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
