/**
 * WATCH as kube-apiserver serves it (notes §5.5, §6): newline-delimited JSON events on a chunked
 * 200 response. resourceVersion unset or "0" replays current state as ADDED first; an explicit
 * RV streams changes strictly after it; a compacted RV ends the stream with an ERROR 410 event.
 * Selectors apply to events, including the transitions (stops matching → DELETED, starts → ADDED).
 * Streams without timeoutSeconds stay open 30–60 min (kubectl get -w exits when we close, P8).
 */
import type { ServerResponse } from 'node:http';
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resources.js';
import { groupVersion, storagePrefix } from '../api/resources.js';
import { errors } from '../api/errors.js';
import type { Store, StoreEvent } from '../store/store.js';
import { StoreError } from '../store/store.js';
import { withTypeMeta } from './registry/rest.js';

export interface WatchOptions {
  info: ResourceInfo;
  namespace?: string;
  matches: (obj: KubeObject) => boolean;
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowBookmarks: boolean;
  /** turns an object into what goes on the wire (a one-row Table for kubectl get -w) */
  encode: (obj: KubeObject, first: boolean) => unknown;
  onOpen?: () => void;
  onClose?: () => void;
}

const BOOKMARK_INTERVAL_MS = 60_000;

export async function serveWatch(store: Store, res: ServerResponse, opts: WatchOptions): Promise<void> {
  const { info } = opts;
  const prefix = storagePrefix(info, opts.namespace);
  let startRevision: number;
  const initial: KubeObject[] = [];
  if (!opts.resourceVersion || opts.resourceVersion === '0') {
    try {
      const listed = await store.list(prefix);
      startRevision = listed.revision;
      for (const o of listed.items) if (opts.matches(o)) initial.push(withTypeMeta(info, o));
    } catch (err) {
      throw err instanceof StoreError ? errors.unavailable(err.message) : err;
    }
  } else {
    startRevision = Number(opts.resourceVersion);
    if (!Number.isInteger(startRevision) || startRevision < 0) throw errors.badRequest(`invalid resource version: ${opts.resourceVersion}`);
  }

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  opts.onOpen?.();

  let first = true;
  let lastRevision = startRevision;
  let closed = false;
  const send = (type: string, obj: unknown) => {
    if (closed) return;
    res.write(JSON.stringify({ type, object: obj }) + '\n');
  };
  const sendObject = (type: string, obj: KubeObject) => {
    send(type, opts.encode(obj, first));
    first = false;
  };
  for (const o of initial) sendObject('ADDED', o);

  const timers: NodeJS.Timeout[] = [];
  const finish = () => {
    if (closed) return;
    closed = true;
    handle.stop();
    for (const t of timers) clearTimeout(t), clearInterval(t);
    res.end();
    opts.onClose?.();
  };

  const handle = store.watch(prefix, startRevision, {
    onEvent(ev: StoreEvent) {
      lastRevision = ev.revision;
      const out = translate(ev, opts.matches);
      if (out) sendObject(out.type, withTypeMeta(info, out.object));
    },
    onError(err: StoreError) {
      const status = err.code === 'Gone'
        ? errors.gone(`too old resource version: ${startRevision} (${err.message})`).toStatus()
        : errors.unavailable(err.message).toStatus();
      send('ERROR', status);
      finish();
    },
    onProgress(revision: number) {
      lastRevision = Math.max(lastRevision, revision);
    },
  });

  res.on('close', finish);
  const lifetime = opts.timeoutSeconds !== undefined && opts.timeoutSeconds > 0
    ? opts.timeoutSeconds * 1000
    : (1800 + Math.random() * 1800) * 1000;
  timers.push(setTimeout(finish, lifetime));
  if (opts.allowBookmarks) {
    timers.push(setInterval(() => {
      send('BOOKMARK', { kind: info.kind, apiVersion: groupVersion(info), metadata: { resourceVersion: String(lastRevision) } });
    }, BOOKMARK_INTERVAL_MS));
  }
}

/** Selector-aware translation of a storage event into a watch event (or nothing). */
export function translate(ev: StoreEvent, matches: (o: KubeObject) => boolean): { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject } | undefined {
  switch (ev.type) {
    case 'ADDED':
      return matches(ev.object) ? { type: 'ADDED', object: ev.object } : undefined;
    case 'DELETED':
      return matches(ev.previous ?? ev.object) ? { type: 'DELETED', object: ev.object } : undefined;
    case 'MODIFIED': {
      const now = matches(ev.object);
      const before = ev.previous ? matches(ev.previous) : now;
      if (now && before) return { type: 'MODIFIED', object: ev.object };
      if (now) return { type: 'ADDED', object: ev.object };
      if (before) return { type: 'DELETED', object: ev.object };
      return undefined;
    }
  }
}
