/**
 * Decoding of a watch response body: newline-delimited JSON events (one event per line, as
 * kube-apiserver writes them). Chunks may split lines, and UTF-8 characters, anywhere; the decoder
 * keeps the partial tail until its newline arrives. Pure: no I/O, unit-tested on its own.
 */
import { StringDecoder } from 'node:string_decoder';
import { ApiError } from '../api/errors.js';
import type { Status } from '../api/errors.js';
import type { KubeObject, WatchEvent } from '../api/object.js';
import { statusToError } from './status.js';

const EVENT_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

export class WatchLineDecoder {
  private readonly utf8 = new StringDecoder('utf8');
  private partial = '';

  /** Feed one chunk; returns the lines it completed (blank lines dropped). */
  push(chunk: Buffer | string): string[] {
    this.partial += typeof chunk === 'string' ? chunk : this.utf8.write(chunk);
    const parts = this.partial.split('\n');
    this.partial = parts.pop() ?? '';
    return parts.map((l) => l.trim()).filter((l) => l.length > 0);
  }

  /** End of stream: the last line if the server did not terminate it with a newline. */
  end(): string[] {
    const rest = (this.partial + this.utf8.end()).trim();
    this.partial = '';
    return rest ? [rest] : [];
  }
}

/**
 * One line → an event, or the ApiError it stands for: an `ERROR` event becomes the error its
 * Status describes (e.g. 410 Expired); a malformed line becomes a 500 so the caller restarts the
 * watch from its last resourceVersion rather than silently skipping a change (client-node drops
 * such lines, which can leave a cache permanently wrong).
 */
export function parseWatchLine<T = KubeObject>(line: string): WatchEvent<T> | ApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return new ApiError(500, 'InternalError', `malformed watch event: ${line.slice(0, 200)}`);
  }
  if (typeof parsed !== 'object' || parsed === null) return new ApiError(500, 'InternalError', `malformed watch event: ${line.slice(0, 200)}`);
  const ev = parsed as { type?: unknown; object?: unknown };
  if (typeof ev.type !== 'string' || !EVENT_TYPES.has(ev.type) || typeof ev.object !== 'object' || ev.object === null) {
    return new ApiError(500, 'InternalError', `malformed watch event: ${line.slice(0, 200)}`);
  }
  if (ev.type === 'ERROR') {
    const status = ev.object as Partial<Status>;
    return statusToError(typeof status.code === 'number' ? status.code : 500, status);
  }
  return { type: ev.type as WatchEvent['type'], object: ev.object as T };
}
