/**
 * ApiClient: the one HTTP client every Tugboat component uses to reach the API server.
 *
 * Guarantees:
 * - One keep-alive agent per client (HTTPS with the kubeconfig's CA / client cert / token, or
 *   plain HTTP for tests; the token is sent on both, as client-node does).
 * - Every failure is an ApiError: non-2xx answers are rebuilt from the Status body (code, reason,
 *   message, details); unreachable servers become 503 ServiceUnavailable with the cause in the
 *   message; requests that exceed their deadline (30 s by default, never for watches) become 504.
 * - `watch` streams newline-delimited JSON events, surviving lines split across chunks, and ends
 *   exactly once through `onEnd` (undefined = clean end of stream; an ApiError otherwise,
 *   including `ERROR` events such as 410 Expired). After `stop()` nothing more is delivered.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { ApiError, errors } from '../api/errors.js';
import type { Status } from '../api/errors.js';
import type { KubeList, KubeObject, WatchEvent } from '../api/object.js';
import type { ResourceInfo } from '../api/resources.js';
import { groupVersion } from '../api/resources.js';
import type { ClientConfig } from './config.js';
import { queryString, resourcePath } from './paths.js';
import { errorFromBody } from './status.js';
import { WatchLineDecoder, parseWatchLine } from './watch-decoder.js';

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  limit?: number;
  continue?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Only changes after this version; '' or '0' replay the current state as ADDED events first. */
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
}

export interface PatchOptions {
  fieldManager?: string;
  force?: boolean;
  subresource?: string;
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface WatchHandle {
  /** Close the stream; no event or onEnd is delivered afterwards. Safe to call twice. */
  stop(): void;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

/** The subset of ApiClient an Informer needs; tests and fakes can provide just this. */
export interface ListerWatcher {
  list<T extends KubeObject = KubeObject>(info: ResourceInfo, opts?: ListOptions): Promise<KubeList<T>>;
  watch<T extends KubeObject = KubeObject>(
    info: ResourceInfo, opts: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void, onEnd: (err?: ApiError) => void,
  ): WatchHandle;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** A watch with timeoutSeconds that the server has not closed this long after is treated as dead. */
const WATCH_GRACE_MS = 60_000;

type Body = string | Buffer | object | undefined;

export class ApiClient implements ListerWatcher {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly secure: boolean;
  private readonly timeoutMs: number;
  private readonly userAgent: string;
  private readonly openWatches = new Set<WatchHandle>();

  constructor(readonly config: ClientConfig) {
    this.base = new URL(config.server);
    this.secure = this.base.protocol === 'https:';
    if (!this.secure && this.base.protocol !== 'http:') throw new Error(`unsupported server URL ${config.server}`);
    this.timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.userAgent = config.userAgent ?? `tugboat/0.1.0 (node ${process.version})`;
    this.agent = this.secure
      ? new https.Agent({
        keepAlive: true,
        ca: config.ca,
        cert: config.cert,
        key: config.key,
        rejectUnauthorized: !config.insecureSkipTLSVerify,
      })
      : new http.Agent({ keepAlive: true });
  }

  // ---- typed resource verbs -------------------------------------------------------------------

  async get<T extends KubeObject = KubeObject>(info: ResourceInfo, namespace: string | undefined, name: string): Promise<T> {
    return (await this.request('GET', resourcePath(info, namespace, name))).json<T>();
  }

  async list<T extends KubeObject = KubeObject>(info: ResourceInfo, opts: ListOptions = {}): Promise<KubeList<T>> {
    const q = queryString({
      labelSelector: opts.labelSelector || undefined,
      fieldSelector: opts.fieldSelector || undefined,
      resourceVersion: opts.resourceVersion,
      limit: opts.limit,
      continue: opts.continue || undefined,
    });
    return (await this.request('GET', resourcePath(info, opts.namespace) + q)).json<KubeList<T>>();
  }

  /** POST to the collection of `obj.metadata.namespace`; apiVersion/kind are filled in when missing. */
  async create<T extends KubeObject = KubeObject>(info: ResourceInfo, obj: T): Promise<T> {
    const ns = requireNamespace(info, obj);
    return (await this.request('POST', resourcePath(info, ns), withTypeMeta(info, obj))).json<T>();
  }

  /** PUT; `metadata.resourceVersion` in `obj` makes it a compare-and-swap (409 Conflict if stale). */
  async update<T extends KubeObject = KubeObject>(info: ResourceInfo, obj: T): Promise<T> {
    const ns = requireNamespace(info, obj);
    return (await this.request('PUT', resourcePath(info, ns, requireName(obj)), withTypeMeta(info, obj))).json<T>();
  }

  async updateStatus<T extends KubeObject = KubeObject>(info: ResourceInfo, obj: T): Promise<T> {
    const ns = requireNamespace(info, obj);
    return (await this.request('PUT', resourcePath(info, ns, requireName(obj), 'status'), withTypeMeta(info, obj))).json<T>();
  }

  /**
   * PATCH with the content type of `type`. For server-side apply ('apply') the body is sent as
   * JSON (valid YAML) and `fieldManager` defaults to 'tugboat', since the server requires one.
   */
  async patch<T extends KubeObject = KubeObject>(
    info: ResourceInfo, namespace: string | undefined, name: string, patch: unknown, type: PatchType,
    opts: PatchOptions = {},
  ): Promise<T> {
    const q = queryString({
      fieldManager: opts.fieldManager ?? (type === 'apply' ? 'tugboat' : undefined),
      force: opts.force,
    });
    const path = resourcePath(info, namespace, name, opts.subresource) + q;
    const res = await this.request('PATCH', path, JSON.stringify(patch), { 'Content-Type': PATCH_CONTENT_TYPES[type] });
    return res.json<T>();
  }

  /** DELETE; resolves to the object (when deletion is deferred by finalizers/grace) or a Status. */
  async delete(info: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject | Status> {
    const hasOptions = opts.propagationPolicy !== undefined || opts.gracePeriodSeconds !== undefined || opts.preconditions !== undefined;
    const body = hasOptions ? { kind: 'DeleteOptions', apiVersion: 'v1', ...opts } : undefined;
    return (await this.request('DELETE', resourcePath(info, namespace, name), body)).json<KubeObject | Status>();
  }

  /** POST to a subresource, e.g. pods/binding or pods/eviction. */
  async createSubresource<R = unknown>(info: ResourceInfo, namespace: string | undefined, name: string, subresource: string, body: unknown): Promise<R> {
    return (await this.request('POST', resourcePath(info, namespace, name, subresource), body as Body)).json<R>();
  }

  // ---- watch ------------------------------------------------------------------------------------

  watch<T extends KubeObject = KubeObject>(
    info: ResourceInfo, opts: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void, onEnd: (err?: ApiError) => void,
  ): WatchHandle {
    const q = queryString({
      watch: 'true',
      labelSelector: opts.labelSelector || undefined,
      fieldSelector: opts.fieldSelector || undefined,
      resourceVersion: opts.resourceVersion,
      timeoutSeconds: opts.timeoutSeconds,
      allowWatchBookmarks: opts.allowWatchBookmarks || undefined,
    });
    const path = resourcePath(info, opts.namespace) + q;
    let finished = false;
    let guard: NodeJS.Timeout | undefined;
    const decoder = new WatchLineDecoder();

    const req = this.newRequest('GET', path, {});
    const handle: WatchHandle = {
      stop: () => {
        if (finished) return;
        finished = true;
        cleanup();
        req.destroy();
      },
    };
    const cleanup = (): void => {
      if (guard) clearTimeout(guard);
      this.openWatches.delete(handle);
    };
    const finish = (err?: ApiError): void => {
      if (finished) return;
      finished = true;
      cleanup();
      req.destroy();
      onEnd(err);
    };
    const deliver = (lines: string[]): void => {
      for (const line of lines) {
        if (finished) return;
        const ev = parseWatchLine<T>(line);
        if (ev instanceof ApiError) return finish(ev);
        try {
          onEvent(ev);
        } catch (err) {
          return finish(new ApiError(500, 'InternalError', `watch event handler threw: ${(err as Error).message}`));
        }
      }
    };

    if (opts.timeoutSeconds !== undefined) {
      guard = setTimeout(() => finish(new ApiError(504, 'Timeout',
        `watch ${path} not closed by the server ${opts.timeoutSeconds}s + ${WATCH_GRACE_MS / 1000}s after it started`)),
      opts.timeoutSeconds * 1000 + WATCH_GRACE_MS);
    }
    req.on('error', (err) => finish(this.networkError('GET', path, err)));
    req.on('response', (res: IncomingMessage) => {
      if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode >= 300) {
        readBody(res).then(
          (body) => finish(errorFromBody(res.statusCode ?? 500, body.toString('utf8'), res.statusMessage)),
          (err: Error) => finish(this.networkError('GET', path, err)),
        );
        return;
      }
      res.on('data', (chunk: Buffer) => deliver(decoder.push(chunk)));
      res.on('end', () => {
        deliver(decoder.end());
        finish(undefined);
      });
      res.on('aborted', () => finish(this.networkError('GET', path, new Error('connection closed mid-stream'))));
      res.on('error', (err) => finish(this.networkError('GET', path, err)));
    });
    req.end();
    this.openWatches.add(handle);
    return handle;
  }

  // ---- raw ---------------------------------------------------------------------------------------

  /**
   * Any request (e.g. /version, /healthz, pod logs). Objects are sent as JSON; strings and Buffers
   * as they are. Non-2xx throws ApiError. `timeoutMs` 0 disables the deadline.
   */
  request(method: string, path: string, body?: Body, headers: Record<string, string> = {}, timeoutMs = this.timeoutMs): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      let timedOut = false;
      const payload = serialize(body);
      const req = this.newRequest(method, path, headers, payload);
      const timer = timeoutMs > 0
        ? setTimeout(() => { timedOut = true; req.destroy(new Error('deadline exceeded')); }, timeoutMs)
        : undefined;
      const fail = (err: Error): void => {
        if (timer) clearTimeout(timer);
        reject(timedOut
          ? new ApiError(504, 'Timeout', `${method} ${path}: no answer from ${this.base.origin} within ${timeoutMs}ms`)
          : this.networkError(method, path, err));
      };
      req.on('error', fail);
      req.on('response', (res) => {
        readBody(res).then((buf) => {
          if (timer) clearTimeout(timer);
          const status = res.statusCode ?? 500;
          if (status < 200 || status >= 300) return reject(errorFromBody(status, buf.toString('utf8'), res.statusMessage));
          resolve(rawResponse(status, res.headers, buf, method, path));
        }, fail);
      });
      req.end(payload);
    });
  }

  /** Stop open watches and close pooled connections. The client is unusable afterwards. */
  close(): void {
    for (const w of [...this.openWatches]) w.stop();
    this.agent.destroy();
  }

  // ---- internals ---------------------------------------------------------------------------------

  private newRequest(method: string, path: string, headers: Record<string, string>, payload?: Buffer): http.ClientRequest {
    const all: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.userAgent,
      ...headers,
    };
    if (this.config.token) all.Authorization = `Bearer ${this.config.token}`;
    if (payload !== undefined) {
      if (!hasHeader(all, 'content-type')) all['Content-Type'] = 'application/json';
      all['Content-Length'] = String(payload.length);
    }
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const options: http.RequestOptions = {
      method,
      host: this.base.hostname.replace(/^\[|\]$/g, ''),
      port: this.base.port || (this.secure ? 443 : 80),
      path: basePath + path,
      headers: all,
      agent: this.agent,
    };
    return this.secure ? https.request(options) : http.request(options);
  }

  private networkError(method: string, path: string, err: Error): ApiError {
    const code = (err as NodeJS.ErrnoException).code;
    return errors.unavailable(`${method} ${this.base.origin}${path}: ${code ? `${code} ` : ''}${err.message}`);
  }
}

function serialize(body: Body): Buffer | undefined {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body), 'utf8');
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

function readBody(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('aborted', () => reject(new Error('connection closed mid-response')));
    res.on('error', reject);
  });
}

function rawResponse(status: number, headers: IncomingHttpHeaders, body: Buffer, method: string, path: string): RawResponse {
  return {
    status, headers, body,
    text: () => body.toString('utf8'),
    json: <T>() => {
      try {
        return JSON.parse(body.toString('utf8')) as T;
      } catch {
        throw new ApiError(500, 'InternalError', `${method} ${path}: response is not JSON: ${body.toString('utf8').slice(0, 200)}`);
      }
    },
  };
}

function requireNamespace(info: ResourceInfo, obj: KubeObject): string | undefined {
  if (!info.namespaced) return undefined;
  const ns = obj.metadata?.namespace;
  if (!ns) throw errors.badRequest(`${info.resource}: metadata.namespace is required`);
  return ns;
}

function requireName(obj: KubeObject): string {
  const name = obj.metadata?.name;
  if (!name) throw errors.badRequest('metadata.name is required');
  return name;
}

function withTypeMeta<T extends KubeObject>(info: ResourceInfo, obj: T): T {
  if (obj.apiVersion && obj.kind) return obj;
  return { ...obj, apiVersion: obj.apiVersion ?? groupVersion(info), kind: obj.kind ?? info.kind };
}
