/**
 * One etcd watch on its own gRPC stream, with the failure modes reduced to two: the stream
 * ends with StoreError 'Gone' (start revision compacted) or 'Unavailable' (anything else).
 *
 * Why not etcd3's Watcher: it silently reconnects and moves its start revision to the *header*
 * revision of each response, which for a catching-up (unsynced) watcher is the store's current
 * revision, not the last event sent — a reconnect mid-catch-up would skip events. Here the
 * caller decides how to resume, from revisions it has actually received.
 *
 * Revisions: the `created` response's header revision is the point a watch without
 * startRevision starts after; empty responses are progress notifications, which etcd only sends
 * to synced watchers, so their header revision means "every event up to here was sent".
 */
import type { Etcd3, IDuplexStream, IWatchRequest, IWatchResponse } from 'etcd3';
import { prefixEnd, toStoreError, toStoreEvent } from './etcd-codec.js';
import { StoreError, type StoreEvent } from './store.js';

export interface RawWatchHandlers {
  /** The watch is registered; for a watch "from now", events follow headerRevision. */
  onCreated(headerRevision: number): void;
  onEvents(events: StoreEvent[]): void;
  onProgress(revision: number): void;
  /** At most once, never after stop(). */
  onEnd(err: StoreError): void;
}

export interface RawWatchRequest {
  prefix: string;
  /** Inclusive first revision; omitted = from now. */
  startRevision?: number;
  /** Fail with Unavailable if etcd has not confirmed the watch by then. */
  createTimeoutMs: number;
}

export interface RawWatch {
  stop(): void;
}

type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;

export function openEtcdWatch(client: Etcd3, req: RawWatchRequest, h: RawWatchHandlers): RawWatch {
  let stream: WatchStream | undefined;
  let done = false;
  let created = false;

  const finish = (err: StoreError | undefined): void => {
    if (done) return;
    done = true;
    clearTimeout(createTimer);
    if (stream) closeStream(stream);
    if (err) h.onEnd(err);
  };
  const createTimer = setTimeout(() => {
    finish(new StoreError('Unavailable', `etcd watch on ${req.prefix} not established within ${req.createTimeoutMs} ms`));
  }, req.createTimeoutMs);

  const onResponse = (res: IWatchResponse): void => {
    if (done) return;
    if (res.compact_revision && res.compact_revision !== '0') {
      const compactRevision = Number(res.compact_revision);
      const from = req.startRevision === undefined ? 0 : req.startRevision - 1;
      finish(new StoreError('Gone', `too old resource version: ${from} (${compactRevision})`, req.prefix, compactRevision));
      return;
    }
    if (res.canceled) {
      finish(new StoreError('Unavailable', `etcd canceled the watch: ${res.cancel_reason || 'no reason given'}`));
      return;
    }
    if (res.created) {
      created = true;
      clearTimeout(createTimer);
      h.onCreated(Number(res.header.revision));
      return;
    }
    if (!created) return;
    if (res.events.length === 0) {
      h.onProgress(Number(res.header.revision));
      return;
    }
    const events: StoreEvent[] = [];
    for (const ev of res.events) {
      const converted = toStoreEvent(ev);
      if (converted) events.push(converted);
    }
    if (events.length > 0) h.onEvents(events);
  };

  client.watchClient.watch().then(
    (s) => {
      if (done) {
        closeStream(s);
        return;
      }
      stream = s;
      s.on('data', onResponse);
      s.on('error', (err) => finish(toUnavailable(err)));
      s.on('end', () => finish(new StoreError('Unavailable', 'etcd watch stream ended')));
      const key = Buffer.from(req.prefix);
      s.write({
        create_request: {
          key,
          range_end: prefixEnd(key),
          start_revision: req.startRevision,
          prev_kv: true,
          progress_notify: true,
        },
      });
    },
    (err: unknown) => finish(toUnavailable(err)),
  );

  return { stop: () => finish(undefined) };
}

function toUnavailable(err: unknown): StoreError {
  const mapped = toStoreError(err);
  return mapped instanceof StoreError ? mapped : new StoreError('Unavailable', mapped.message);
}

/**
 * Half-close first: etcd3's own 'error' listener resets every gRPC client of the host on a
 * stream error while the stream is still writable; ending it first keeps our deliberate
 * cancel from tearing down unrelated calls.
 */
function closeStream(s: WatchStream): void {
  s.on('error', () => undefined);
  try {
    s.end();
    s.cancel();
  } catch {
    // already closed
  }
}
