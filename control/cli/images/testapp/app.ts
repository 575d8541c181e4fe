/**
 * tugboat/testapp: one small server for experiments (kube-alive style). Node built-ins only: this
 * file and websocket.ts are copied into the image as they are compiled, without node_modules.
 *
 *   GET  /           {"pod","namespace","node","ip","version","client"}
 *   GET  /healthz    200 "ok" until POST /fail, then 500 "failing" (POST /recover undoes it)
 *   GET  /cpu?ms=N   burns CPU for N ms (capped at 60 s), answers {"burnedMs"}
 *   GET  /ws         WebSocket echo
 *   anything else    404
 * Identity comes from the downward API env (POD_NAME, POD_NAMESPACE, NODE_NAME, POD_IP) with the
 * hostname and the first non-loopback IPv4 as fallbacks; version from $VERSION (default v1).
 */
import http from 'node:http';
import https from 'node:https';
import { hostname, networkInterfaces } from 'node:os';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveEcho } from './websocket.js';

export interface TestAppEnv {
  [name: string]: string | undefined;
}

export interface TestAppIdentity {
  pod: string;
  namespace: string;
  node: string;
  ip: string;
  version: string;
}

const MAX_BURN_MS = 60_000;

export function identityFrom(env: TestAppEnv): TestAppIdentity {
  return {
    pod: env.POD_NAME || hostname(),
    namespace: env.POD_NAMESPACE || '',
    node: env.NODE_NAME || '',
    ip: env.POD_IP || firstIPv4(),
    version: env.VERSION || 'v1',
  };
}

function firstIPv4(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '';
}

/** The peer address as the client would recognise it (IPv4-mapped IPv6 unwrapped). */
export function clientAddress(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

export interface TestApp {
  handle(req: IncomingMessage, res: ServerResponse): void;
  healthy(): boolean;
}

export function createTestApp(env: TestAppEnv): TestApp {
  const id = identityFrom(env);
  let healthy = true;
  const send = (res: ServerResponse, code: number, body: string, type = 'text/plain'): void => {
    res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  return {
    healthy: () => healthy,
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://testapp');
      const route = `${req.method} ${url.pathname}`;
      if (route === 'GET /' || route === 'HEAD /') {
        return send(res, 200, JSON.stringify({ ...id, client: clientAddress(req) }) + '\n', 'application/json');
      }
      if (route === 'GET /healthz') return send(res, healthy ? 200 : 500, healthy ? 'ok\n' : 'failing\n');
      if (route === 'POST /fail') {
        healthy = false;
        return send(res, 200, 'healthz now fails\n');
      }
      if (route === 'POST /recover') {
        healthy = true;
        return send(res, 200, 'healthz now succeeds\n');
      }
      if (route === 'GET /cpu') {
        const ms = Math.min(MAX_BURN_MS, Math.max(0, Number(url.searchParams.get('ms') ?? '100') || 0));
        const until = Date.now() + ms;
        let spins = 0;
        while (Date.now() < until) spins++;
        return send(res, 200, JSON.stringify({ burnedMs: ms, spins }) + '\n', 'application/json');
      }
      return send(res, 404, 'not found\n');
    },
  };
}

export interface RunningTestApp {
  servers: Array<http.Server | https.Server>;
  /** Stops accepting, lets in-flight requests finish (at most `graceMs`), closes idle sockets. */
  shutdown(graceMs: number): Promise<void>;
}

/** Listens on $PORT (HTTP) and, with $TLS_CERT and $TLS_KEY, on $TLS_PORT (HTTPS, default 8443). */
export async function startTestApp(env: TestAppEnv, log: (line: string) => void): Promise<RunningTestApp> {
  const app = createTestApp(env);
  const servers: Array<http.Server | https.Server> = [];
  const attach = (s: http.Server | https.Server): void => {
    s.on('request', (req, res) => app.handle(req, res));
    s.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
      if (new URL(req.url ?? '/', 'http://testapp').pathname === '/ws') serveEcho(req, socket, head);
      else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    });
    servers.push(s);
  };
  const listen = (s: http.Server | https.Server, port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, () => resolve());
    });
  const port = Number(env.PORT || 8080);
  const plain = http.createServer();
  attach(plain);
  await listen(plain, port);
  log(`testapp ${identityFrom(env).version} listening on :${port} (http)`);
  if (env.TLS_CERT && env.TLS_KEY) {
    const secure = https.createServer({ cert: readFileSync(env.TLS_CERT), key: readFileSync(env.TLS_KEY) });
    attach(secure);
    const tlsPort = Number(env.TLS_PORT || 8443);
    await listen(secure, tlsPort);
    log(`testapp listening on :${tlsPort} (https)`);
  }
  return {
    servers,
    async shutdown(graceMs) {
      await Promise.race([
        Promise.all(servers.map((s) => new Promise<void>((r) => {
          s.close(() => r());
          s.closeIdleConnections();
        }))),
        new Promise<void>((r) => setTimeout(r, graceMs).unref()),
      ]);
      for (const s of servers) s.closeAllConnections();
    },
  };
}
