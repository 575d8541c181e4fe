/**
 * Translation between etcd key-values and API objects, and between etcd3/gRPC errors and
 * StoreError codes. Pure functions; the only place that knows the stored byte format.
 *
 * Stored format: the object's JSON without metadata.resourceVersion (the revision is etcd's own
 * mod_revision, so storing it would only let the two disagree).
 */
import type { IEvent, IKeyValue } from 'etcd3';
import type { KubeObject } from '../api/object.js';
import { StoreError, type StoreEvent } from './store.js';

export function encodeObject(obj: KubeObject): string {
  const { resourceVersion: _dropped, ...metadata } = obj.metadata ?? {};
  return JSON.stringify({ ...obj, metadata });
}

/** Parse stored JSON and stamp the given revision as resourceVersion. */
export function decodeValue(value: Buffer | string, revision: string | number, key?: string): KubeObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    throw new Error(`store: value under ${key ?? '(unknown key)'} is not JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`store: value under ${key ?? '(unknown key)'} is not a JSON object`);
  }
  const obj = parsed as KubeObject;
  obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(revision) };
  return obj;
}

export function decodeKv(kv: IKeyValue): KubeObject {
  return decodeValue(kv.value, kv.mod_revision, kv.key.toString('utf8'));
}

/**
 * One etcd watch event → StoreEvent. Returns undefined for values that are not API objects
 * (foreign writers under the prefix), which a watch skips rather than dying on.
 * ADDED when the key was (re)created at this revision, i.e. create_revision == mod_revision.
 */
export function toStoreEvent(ev: IEvent): StoreEvent | undefined {
  const key = ev.kv.key.toString('utf8');
  const revision = Number(ev.kv.mod_revision);
  try {
    const previous = ev.prev_kv ? decodeKv(ev.prev_kv) : undefined;
    if (String(ev.type).toUpperCase() === 'DELETE') {
      // etcd only omits prev_kv if it was already compacted; keep the event, with what we know.
      const last = previous ?? { metadata: { name: key.slice(key.lastIndexOf('/') + 1) } };
      const object: KubeObject = { ...last, metadata: { ...last.metadata, resourceVersion: String(revision) } };
      return { type: 'DELETED', key, object, previous, revision };
    }
    const object = decodeKv(ev.kv);
    const type = ev.kv.create_revision === ev.kv.mod_revision ? 'ADDED' : 'MODIFIED';
    return type === 'ADDED' ? { type, key, object, revision } : { type, key, object, previous, revision };
  } catch {
    return undefined;
  }
}

/** The exclusive end of the key range holding every key with `prefix` (etcd's "prefix + 1"). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // all keys >= prefix
}

/** etcd server errors that are the caller's fault; they surface as plain errors (HTTP 500/400 upstream). */
const CALLER_ERRORS = [
  'request is too large', 'too many operations', 'duplicate key', 'key is not provided',
  'permission denied', 'future revision',
];

/**
 * Map anything an etcd call threw to the contract's codes: compaction → Gone; transport,
 * deadline and server-side transient trouble (no leader, timeouts, NOSPACE) → Unavailable.
 */
export function toStoreError(err: unknown, key?: string): Error {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (message.includes('required revision has been compacted')) {
    return new StoreError('Gone', `etcd: ${message}`, key);
  }
  if (CALLER_ERRORS.some((m) => message.includes(m))) {
    return err instanceof Error ? err : new Error(message);
  }
  return new StoreError('Unavailable', `etcd unavailable: ${message}`, key);
}
