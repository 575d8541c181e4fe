/**
 * The kubelet's HTTPS endpoint on nodeIP:kubeletPort, for the API server's log/exec/attach proxy
 * (control/apiserver/kubelet-proxy.ts):
 *   GET /healthz                                   "ok" (no client certificate needed)
 *   GET /containerLogs/{ns}/{pod}/{container}      ?follow&tailLines&sinceSeconds&sinceTime&timestamps&previous&limitBytes
 *   GET /exec/{ns}/{pod}/{container}?command=…     WebSocket upgrade, v5/v4.channel.k8s.io (remote-command.ts)
 *   GET /attach/{ns}/{pod}/{container}             the same protocol, joined to the container's main process
 *                                                  (?stdin&stdout&stderr; the TTY is the container's own)
 *   GET /metrics/resource/v1beta1                  node and container cpu/memory usage JSON (resource-usage.ts),
 *                                                  503 until two samples were taken; for metrics.k8s.io
 *   GET|POST /portForward/{ns}/{pod}[/{uid}]       kubectl port-forward: WebSocket (SPDY/3.1+portforward.k8s.io)
 *                                                  or SPDY/3.1 upgrade (port-forward-upgrade.ts, port-forward.ts)
 * Callers authenticate with a client certificate signed by the cluster CA (401 otherwise); only
 * the API server's identity (O=system:masters or CN=kube-apiserver-kubelet-client) is allowed
 * (403 otherwise). Errors are Status JSON, which the API server relays to kubectl.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { ContainerInfo, Docker } from './docker.js';
import type { Gauge } from 'prom-client';
import { servePortForward, type PortForwardTarget } from './port-forward.js';
import { acceptSpdyUpgrade, acceptTunnel, choosePortForwardUpgrade, SPDY_UPGRADE, TUNNEL_PROTOCOL, tunnelServer } from './port-forward-upgrade.js';
import { chooseProtocol, serveAttach, serveExec, streamOptions } from './remote-command.js';
import { measuredContainers, ResourceUsageSampler } from './resource-usage.js';
import type { PodRuntime } from './runtime-state.js';

export class KubeletHttpError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string) {
    super(message);
  }
}

export interface ContainerLocator {
  /** the running (or, with previous, the previous terminated) container; throws KubeletHttpError */
  find(namespace: string, pod: string, container: string, previous: boolean): Promise<ContainerInfo>;
}

export interface PortForwardTargets {
  /** where a running pod is reached; throws KubeletHttpError (404 unknown pod, 400 not running or no IP) */
  find(namespace: string, pod: string, uid: string | undefined): Promise<PortForwardTarget>;
}

export interface KubeletServerDeps {
  tls: { cert: string; key: string };
  clientCA: string;
  docker: Docker;
  containers: ContainerLocator;
  log: Logger;
  /** the node's pods as last listed; when given, usage is sampled while the server listens */
  pods?: () => readonly PodRuntime[];
  /** serves /portForward when given; the gauges count open sessions and pod connections */
  portForward?: { targets: PortForwardTargets; sessions?: Gauge; connections?: Gauge };
}

export const RESOURCE_USAGE_PATH = '/metrics/resource/v1beta1';

const ALLOWED_GROUP = 'system:masters';
const ALLOWED_CN = 'kube-apiserver-kubelet-client';

function statusBody(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

/** 0 = allowed; else the HTTP status to refuse with. */
export function authorize(socket: TLSSocket): 0 | 401 | 403 {
  if (!socket.authorized) return 401;
  const subject = socket.getPeerCertificate()?.subject;
  if (!subject) return 401;
  const groups = ([] as string[]).concat(subject.O ?? []);
  const cn = ([] as string[]).concat(subject.CN ?? [])[0];
  return groups.includes(ALLOWED_GROUP) || cn === ALLOWED_CN ? 0 : 403;
}

const ROUTE_KINDS = ['containerLogs', 'exec', 'attach', 'portForward'] as const;

interface Route {
  kind: typeof ROUTE_KINDS[number];
  namespace: string;
  pod: string;
  /** the container, or for portForward the optional pod UID */
  container: string;
  query: URLSearchParams;
}

export function parseRoute(rawUrl: string): Route | undefined {
  const url = new URL(rawUrl, 'https://kubelet');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const kind = ROUTE_KINDS.find((k) => k === parts[0]);
  if (!kind) return undefined;
  // upstream's port-forward route names the pod, optionally with its UID, but no container
  if (kind === 'portForward' ? parts.length !== 3 && parts.length !== 4 : parts.length !== 4) return undefined;
  return { kind, namespace: parts[1]!, pod: parts[2]!, container: parts[3] ?? '', query: url.searchParams };
}

const truthy = (v: string | null): boolean => v === 'true' || v === '1';

export function createKubeletServer(deps: KubeletServerDeps): https.Server {
  const server = https.createServer({ cert: deps.tls.cert, key: deps.tls.key, ca: deps.clientCA, requestCert: true, rejectUnauthorized: false });
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => chooseProtocol(protocols) });
  const tunnels = tunnelServer();

  // The sampler lives as long as the server listens, so the kubelet only has to hand over its pods.
  const pods = deps.pods;
  const usage = pods ? new ResourceUsageSampler({ containers: () => measuredContainers(pods()) }) : undefined;
  if (usage) {
    server.on('listening', () => usage.start());
    server.on('close', () => usage.stop());
  }

  const refuse = (res: ServerResponse, code: number, reason: string, message: string): void => {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(statusBody(code, reason, message));
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      if (req.url === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return res.end('ok');
      }
      const auth = authorize(req.socket as TLSSocket);
      if (auth === 401) return refuse(res, 401, 'Unauthorized', 'Unauthorized: a client certificate signed by the cluster CA is required');
      if (auth === 403) return refuse(res, 403, 'Forbidden', 'Forbidden: only the API server may use this endpoint');
      if (req.url === RESOURCE_USAGE_PATH && req.method === 'GET') {
        const report = usage?.snapshot();
        if (!report) return refuse(res, 503, 'ServiceUnavailable', 'resource usage is not sampled yet');
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify(report));
      }
      const route = parseRoute(req.url ?? '/');
      if (!route || req.method !== 'GET') return refuse(res, 404, 'NotFound', `${req.method} ${req.url} not found`);
      if (route.kind === 'portForward') return refuse(res, 400, 'BadRequest', `port-forward needs an upgrade: websocket (${TUNNEL_PROTOCOL}) or ${SPDY_UPGRADE}`);
      if (route.kind !== 'containerLogs') return refuse(res, 400, 'BadRequest', `${route.kind} needs a WebSocket upgrade (v5.channel.k8s.io); SPDY is not supported`);
      await serveLogs(route, res);
    })().catch((err: Error) => {
      const e = err instanceof KubeletHttpError ? err : new KubeletHttpError(500, 'InternalError', err.message);
      if (!res.headersSent) refuse(res, e.code, e.reason, e.message);
      else res.destroy();
    });
  });

  async function serveLogs(route: Route, res: ServerResponse): Promise<void> {
    const q = route.query;
    const c = await deps.containers.find(route.namespace, route.pod, route.container, truthy(q.get('previous')));
    let sinceSeconds = q.get('sinceSeconds') ? Number(q.get('sinceSeconds')) : undefined;
    const sinceTime = q.get('sinceTime');
    if (sinceTime) sinceSeconds = Math.max(1, Math.ceil((Date.now() - Date.parse(sinceTime)) / 1000));
    const tail = q.get('tailLines');
    const stream = await deps.docker.logs(c.id, {
      follow: truthy(q.get('follow')) && c.state.running,
      tail: tail !== null && tail !== '' ? Math.max(0, Number(tail)) : undefined,
      sinceSeconds, timestamps: truthy(q.get('timestamps')),
    });
    const limit = q.get('limitBytes') ? Number(q.get('limitBytes')) : Infinity;
    let sent = 0;
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.on('close', () => stream.destroy());
    stream.on('data', (chunk: Buffer) => {
      if (sent >= limit) return;
      const part = sent + chunk.length > limit ? chunk.subarray(0, limit - sent) : chunk;
      sent += part.length;
      res.write(part);
      if (sent >= limit) {
        res.end();
        stream.destroy();
      }
    });
    stream.on('end', () => res.end());
    stream.on('error', () => res.end());
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const reject = (code: number, reason: string, message: string): void => {
      const body = statusBody(code, reason, message);
      socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    socket.on('error', () => socket.destroy());
    void (async () => {
      const auth = authorize(req.socket as TLSSocket);
      if (auth) return reject(auth, auth === 401 ? 'Unauthorized' : 'Forbidden', auth === 401 ? 'Unauthorized' : 'Forbidden');
      const route = parseRoute(req.url ?? '/');
      if (!route || route.kind === 'containerLogs') return reject(404, 'NotFound', `${req.url} not found`);
      if (route.kind === 'portForward') return await upgradePortForward(route, req, socket, head, reject);
      const q = route.query;
      const cmd = q.getAll('command');
      if (route.kind === 'exec' && !cmd.length) return reject(400, 'BadRequest', 'you must specify at least one command for the container');
      let c: ContainerInfo;
      try {
        c = await deps.containers.find(route.namespace, route.pod, route.container, false);
      } catch (err) {
        const e = err instanceof KubeletHttpError ? err : new KubeletHttpError(500, 'InternalError', (err as Error).message);
        return reject(e.code, e.reason, e.message);
      }
      if (!c.state.running) return reject(400, 'BadRequest', `container ${route.container} is not running`);
      const streams = streamOptions(q);
      if (typeof streams === 'string') return reject(400, 'BadRequest', streams);
      if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
        // kubectl falls back to SPDY only after a refused WebSocket, or when told to
        return reject(400, 'BadRequest', `${route.kind} is served over WebSocket (v5.channel.k8s.io) only, not SPDY; kubectl 1.31+ uses it unless KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false`);
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const started = Date.now();
        const who = { pod: `${route.namespace}/${route.pod}`, container: route.container };
        if (route.kind === 'exec') {
          void serveExec(ws, ws.protocol, deps.docker, c.id, { cmd, ...streams })
            .then((code) => deps.log.info({ ...who, cmd, exitCode: code, ms: Date.now() - started }, 'exec finished'));
        } else {
          void serveAttach(ws, ws.protocol, deps.docker, c.id, { stdin: streams.stdin, stdout: streams.stdout, stderr: streams.stderr })
            .then((ended) => deps.log.info({ ...who, ended, ms: Date.now() - started }, 'attach finished'));
        }
      });
    })().catch((err: Error) => reject(500, 'InternalError', err.message));
  });

  async function upgradePortForward(route: Route, req: IncomingMessage, socket: Duplex, head: Buffer, reject: (code: number, reason: string, message: string) => void): Promise<void> {
    const pf = deps.portForward;
    if (!pf) return reject(404, 'NotFound', 'port-forward is not served by this kubelet');
    const upgrade = choosePortForwardUpgrade(req);
    if (upgrade.kind === 'refused') return reject(upgrade.code, upgrade.reason, upgrade.message);
    let target: PortForwardTarget;
    try {
      target = await pf.targets.find(route.namespace, route.pod, route.container || undefined);
    } catch (err) {
      const e = err instanceof KubeletHttpError ? err : new KubeletHttpError(500, 'InternalError', (err as Error).message);
      return reject(e.code, e.reason, e.message);
    }
    // The client may have gone while the pod was looked up: nothing to serve, nothing to count.
    if (socket.destroyed) return;
    const transport = upgrade.kind === 'websocket' ? await acceptTunnel(tunnels, req, socket, head) : acceptSpdyUpgrade(socket, head, upgrade.protocol);
    if (!transport) return;
    const started = Date.now();
    pf.sessions?.inc();
    const session = servePortForward(transport, {
      target, log: deps.log,
      onConnection: (delta) => pf.connections?.inc(delta),
    });
    deps.log.info({ pod: `${target.namespace}/${target.name}`, via: upgrade.kind }, 'port-forward session open');
    session.once('close', () => {
      pf.sessions?.dec();
      deps.log.info({ pod: `${target.namespace}/${target.name}`, ms: Date.now() - started }, 'port-forward session closed');
    });
  }
  return server;
}
