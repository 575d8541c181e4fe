/**
 * A small in-test API server for pods, enough to drive ApiClient and Informer over real sockets:
 * list and watch with resourceVersions (global counter, event log for resuming watches),
 * label/field selectors, CRUD + merge patch + binding, and knobs to misbehave: end watch
 * streams, answer 410 (HTTP or ERROR event) after "compaction", fail requests with 500, stop
 * listening (connection refused), split event lines across writes.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { KubeObject } from '../../../control/api/object.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Watcher {
  res: http.ServerResponse;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  bookmarks: boolean;
}

interface LoggedEvent { rv: number; type: 'ADDED' | 'MODIFIED' | 'DELETED'; obj: KubeObject }

export interface TlsOptions { key: string | Buffer; cert: string | Buffer; ca?: string | Buffer }

export class FakeApiServer {
  readonly objects = new Map<string, KubeObject>();
  readonly requests: RecordedRequest[] = [];
  private readonly log: LoggedEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly sockets = new Set<Socket>();
  private server: http.Server | undefined;
  private rv = 100;
  /** Watches from a resourceVersion below this get 410. */
  private oldestRv = 0;
  private failures: { kind: 'list' | 'watch' | 'other' | 'any'; code: number; remaining: number }[] = [];
  port = 0;
  /** How 410 is told to a watch that starts too far back. */
  expiredAs: 'http' | 'event' = 'http';
  /** Write each event line in three pieces, a tick apart, to exercise chunk reassembly. */
  splitWrites = false;
  /** When set, requests without this bearer token get 401. */
  requiredToken: string | undefined;

  constructor(private readonly tls?: TlsOptions) {}

  async listen(port = 0): Promise<number> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => { void this.handle(req, res); };
    this.server = this.tls
      ? https.createServer({ key: this.tls.key, cert: this.tls.cert, ca: this.tls.ca, requestCert: !!this.tls.ca, rejectUnauthorized: false }, handler)
      : http.createServer(handler);
    this.server.on('connection', (s: Socket) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    this.server.on('secureConnection', (s: Socket) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  /** Stop listening and cut every connection (clients then see refused connections). */
  async close(): Promise<void> {
    for (const w of this.watchers) w.res.destroy();
    this.watchers.clear();
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  currentRv(): string {
    return String(this.rv);
  }

  // ---- state changes (as a real API server would make them) -------------------------------------

  upsert(obj: KubeObject, opts: { silent?: boolean } = {}): KubeObject {
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const existed = this.objects.has(key);
    const stored: KubeObject = { apiVersion: 'v1', kind: 'Pod', ...structuredClone(obj), metadata: { ...structuredClone(obj.metadata), resourceVersion: String(++this.rv) } };
    if (!stored.metadata.uid) stored.metadata.uid = `uid-${stored.metadata.name}-${this.rv}`;
    this.objects.set(key, stored);
    if (!opts.silent) this.publish({ rv: this.rv, type: existed ? 'MODIFIED' : 'ADDED', obj: stored });
    return stored;
  }

  remove(namespace: string, name: string, opts: { silent?: boolean } = {}): KubeObject | undefined {
    const key = `${namespace}/${name}`;
    const old = this.objects.get(key);
    if (!old) return undefined;
    this.objects.delete(key);
    const gone: KubeObject = { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv) } };
    if (!opts.silent) this.publish({ rv: this.rv, type: 'DELETED', obj: gone });
    return gone;
  }

  /** Send an arbitrary event line to current watchers (e.g. a MODIFIED with an unchanged RV). */
  sendRaw(line: string): void {
    for (const w of this.watchers) this.write(w.res, line.endsWith('\n') ? line : `${line}\n`);
  }

  sendBookmark(): void {
    const line = JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) } } });
    for (const w of this.watchers) if (w.bookmarks) this.write(w.res, `${line}\n`);
  }

  /** Forget history: watches from any earlier resourceVersion now get 410. */
  compact(): void {
    this.oldestRv = this.rv;
    this.log.length = 0;
  }

  /** End every open watch stream normally (as timeoutSeconds would). */
  endWatches(): void {
    const ws = [...this.watchers];
    this.watchers.clear();
    this.afterWrites(() => { for (const w of ws) w.res.end(); });
  }

  /** Tell every open watch "410 Expired" with an ERROR event, then close it. */
  expireWatches(): void {
    const ws = [...this.watchers];
    this.watchers.clear();
    this.afterWrites(() => {
      for (const w of ws) w.res.end(`${JSON.stringify({ type: 'ERROR', object: this.expiredStatus() })}\n`);
    });
  }

  /** Run after split writes already queued, so a stream never ends inside a line. */
  private afterWrites(fn: () => void): void {
    if (!this.splitWrites) fn();
    else this.pending = this.pending.then(fn);
  }

  /** The next `count` requests of this kind answer `code` with a Status body. */
  failNext(kind: 'list' | 'watch' | 'other' | 'any', count: number, code = 500): void {
    this.failures.push({ kind, code, remaining: count });
  }

  clearFailures(): void {
    this.failures = [];
  }

  openWatches(): number {
    return this.watchers.size;
  }

  listRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && r.query.get('watch') !== 'true' && /\/pods$/.test(r.path));
  }

  watchRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.query.get('watch') === 'true');
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });

    if (this.requiredToken !== undefined && req.headers.authorization !== `Bearer ${this.requiredToken}`) {
      return this.status(res, 401, 'Unauthorized', 'Unauthorized');
    }
    if (url.pathname === '/version') return this.json(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0-tugboat-fake' });
    if (url.pathname === '/hang') return; // never answers (client timeouts)

    const m = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/pods(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m) return this.status(res, 404, 'NotFound', `the server could not find the requested resource`);
    const [, ns, name, sub] = m.map((x) => (x === undefined ? undefined : decodeURIComponent(x)));
    const isWatch = url.searchParams.get('watch') === 'true';
    const kind = name === undefined && req.method === 'GET' ? (isWatch ? 'watch' : 'list') : 'other';
    const failure = this.failures.find((f) => f.remaining > 0 && (f.kind === 'any' || f.kind === kind));
    if (failure) {
      failure.remaining--;
      return this.status(res, failure.code, failure.code === 503 ? 'ServiceUnavailable' : 'InternalError', `injected failure ${failure.code}`);
    }

    if (req.method === 'GET' && name === undefined) {
      return isWatch ? this.watch(res, ns, url.searchParams) : this.list(res, ns, url.searchParams);
    }
    if (ns === undefined) return this.status(res, 404, 'NotFound', 'namespace required');
    const key = `${ns}/${name}`;
    const existing = name !== undefined ? this.objects.get(key) : undefined;
    const notFound = (): void => this.status(res, 404, 'NotFound', `pods "${name}" not found`, { name, group: '', kind: 'pods' });

    switch (req.method) {
      case 'GET':
        return existing ? this.json(res, 200, existing) : notFound();
      case 'POST': {
        if (sub === 'binding') {
          if (!existing) return notFound();
          const target = (JSON.parse(body) as { target?: { name?: string } }).target?.name;
          this.upsert({ ...existing, spec: { ...(existing.spec as object), nodeName: target } });
          return this.json(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
        }
        const obj = JSON.parse(body) as KubeObject;
        if (this.objects.has(`${ns}/${obj.metadata.name}`)) {
          return this.status(res, 409, 'AlreadyExists', `pods "${obj.metadata.name}" already exists`, { name: obj.metadata.name, group: '', kind: 'pods' });
        }
        return this.json(res, 201, this.upsert({ ...obj, metadata: { ...obj.metadata, namespace: ns } }));
      }
      case 'PUT': {
        if (!existing) return notFound();
        const obj = JSON.parse(body) as KubeObject;
        if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== existing.metadata.resourceVersion) {
          return this.status(res, 409, 'Conflict', `Operation cannot be fulfilled on pods "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: '', kind: 'pods' });
        }
        const merged = sub === 'status' ? { ...existing, status: obj.status } : obj;
        return this.json(res, 200, this.upsert(merged));
      }
      case 'PATCH': {
        if (!existing) return notFound();
        if (req.headers['content-type'] !== 'application/merge-patch+json') {
          return this.status(res, 415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json`);
        }
        return this.json(res, 200, this.upsert(mergePatch(existing, JSON.parse(body)) as KubeObject));
      }
      case 'DELETE': {
        if (!existing) return notFound();
        return this.json(res, 200, this.remove(ns, name!));
      }
      default:
        return this.status(res, 405, 'MethodNotAllowed', 'method not allowed');
    }
  }

  private list(res: http.ServerResponse, ns: string | undefined, q: URLSearchParams): void {
    const items = [...this.objects.values()].filter((o) => this.matches(o, ns, q.get('labelSelector') ?? undefined, q.get('fieldSelector') ?? undefined));
    this.json(res, 200, { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: String(this.rv) }, items });
  }

  private watch(res: http.ServerResponse, ns: string | undefined, q: URLSearchParams): void {
    const from = Number(q.get('resourceVersion') ?? '0');
    const w: Watcher = {
      res, namespace: ns,
      labelSelector: q.get('labelSelector') ?? undefined,
      fieldSelector: q.get('fieldSelector') ?? undefined,
      bookmarks: q.get('allowWatchBookmarks') === 'true',
    };
    if (from > 0 && from < this.oldestRv) {
      if (this.expiredAs === 'http') return this.json(res, 410, this.expiredStatus());
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify({ type: 'ERROR', object: this.expiredStatus() })}\n`);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    if (from === 0) {
      for (const o of this.objects.values()) if (this.matches(o, ns, w.labelSelector, w.fieldSelector)) this.write(res, `${JSON.stringify({ type: 'ADDED', object: o })}\n`);
    } else {
      for (const e of this.log) if (e.rv > from && this.matches(e.obj, ns, w.labelSelector, w.fieldSelector)) this.write(res, `${JSON.stringify({ type: e.type, object: e.obj })}\n`);
    }
    const timeout = Number(q.get('timeoutSeconds') ?? '0');
    const timer = timeout > 0 ? setTimeout(() => { this.watchers.delete(w); res.end(); }, timeout * 1000) : undefined;
    res.on('close', () => { if (timer) clearTimeout(timer); this.watchers.delete(w); });
    this.watchers.add(w);
  }

  private publish(e: LoggedEvent): void {
    this.log.push(e);
    const line = `${JSON.stringify({ type: e.type, object: e.obj })}\n`;
    for (const w of this.watchers) if (this.matches(e.obj, w.namespace, w.labelSelector, w.fieldSelector)) this.write(w.res, line);
  }

  private pending: Promise<void> = Promise.resolve();

  private write(res: http.ServerResponse, data: string): void {
    if (!this.splitWrites) {
      res.write(data);
      return;
    }
    // Keep order across split writes by chaining them.
    const bytes = Buffer.from(data, 'utf8');
    const a = Math.floor(bytes.length / 3);
    const b = Math.floor((2 * bytes.length) / 3) + 1;
    this.pending = this.pending.then(async () => {
      for (const piece of [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]) {
        if (res.destroyed || res.writableEnded) return;
        res.write(piece);
        await new Promise((r) => setTimeout(r, 2));
      }
    });
  }

  private matches(o: KubeObject, ns: string | undefined, labelSelector?: string, fieldSelector?: string): boolean {
    if (ns !== undefined && o.metadata.namespace !== ns) return false;
    const labels = o.metadata.labels ?? {};
    for (const term of (labelSelector ?? '').split(',').filter(Boolean)) {
      const neg = term.includes('!=');
      const [k, v] = term.split(neg ? '!=' : '=');
      if (neg ? labels[k] === v : labels[k] !== v) return false;
    }
    const fields: Record<string, string | undefined> = {
      'metadata.name': o.metadata.name,
      'metadata.namespace': o.metadata.namespace,
      'spec.nodeName': (o.spec as { nodeName?: string } | undefined)?.nodeName ?? '',
    };
    for (const term of (fieldSelector ?? '').split(',').filter(Boolean)) {
      const [k, v] = term.split('=');
      if (fields[k] !== v) return false;
    }
    return true;
  }

  private expiredStatus(): object {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: 1 (${this.oldestRv})`, reason: 'Expired', code: 410 };
  }

  private json(res: http.ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private status(res: http.ServerResponse, code: number, reason: string, message: string, details?: object): void {
    this.json(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(details ? { details } : {}) });
  }
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
