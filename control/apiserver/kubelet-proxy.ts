/**
 * pods/log and pods/exec|attach are served by the pod's kubelet; the API server finds the node
 * (status.addresses InternalIP + status.daemonEndpoints.kubeletEndpoint.Port) and proxies:
 *   GET  …/pods/NAME/log   → GET  https://node:port/containerLogs/NS/NAME/CONTAINER?…
 *   GET  …/pods/NAME/exec  → the WebSocket upgrade is relayed byte for byte to
 *        https://node:port/exec/NS/NAME/CONTAINER?command=…  (v5.channel.k8s.io is end to end)
 *   GET  …/pods/NAME/attach → the same, to https://node:port/attach/NS/NAME/CONTAINER?stdin=…
 *        (kubectl attach, kubectl run -i/-it)
 * The kubelet authenticates the API server by its client certificate.
 */
import https from 'node:https';
import tls from 'node:tls';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../api/object.js';
import { ApiError, errors } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import type { RestStorage } from './registry/rest.js';

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;

export interface KubeletClientCert {
  cert: string;
  key: string;
  ca: string;
}

interface Target {
  host: string;
  port: number;
  container: string;
}

interface PodSpecLike {
  nodeName?: string;
  containers?: Array<{ name: string }>;
  initContainers?: Array<{ name: string }>;
}

async function resolveTarget(rest: RestStorage, namespace: string, name: string, container: string | null): Promise<Target> {
  const pod = await rest.get(PODS, namespace, name);
  const spec = (pod.spec ?? {}) as PodSpecLike;
  const names = [...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((c) => c.name);
  let chosen = container ?? undefined;
  if (!chosen) {
    const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
    chosen = annotated ?? spec.containers?.[0]?.name;
  }
  if (!chosen || !names.includes(chosen)) {
    throw errors.badRequest(`container ${chosen ?? ''} is not valid for pod ${name}`);
  }
  if (!spec.nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  const node = await rest.read(NODES, undefined, spec.nodeName);
  if (!node) throw errors.badRequest(`node ${spec.nodeName} of pod ${name} not found`);
  return { ...nodeEndpoint(node), container: chosen };
}

/** Where a node's kubelet listens: its InternalIP (else first address) and daemonEndpoints port. */
export function nodeEndpoint(node: KubeObject): { host: string; port: number } {
  const status = (node.status ?? {}) as { addresses?: Array<{ type: string; address: string }>; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
  const addr = status.addresses?.find((a) => a.type === 'InternalIP')?.address ?? status.addresses?.[0]?.address;
  if (!addr) throw new ApiError(503, 'ServiceUnavailable', `node ${node.metadata.name} has no address`);
  return { host: addr, port: status.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250 };
}

function passThroughQuery(query: URLSearchParams, drop: string[]): string {
  const out = new URLSearchParams();
  for (const [k, v] of query) if (!drop.includes(k)) out.append(k, v);
  const s = out.toString();
  return s ? `?${s}` : '';
}

export async function proxyLogs(rest: RestStorage, cert: KubeletClientCert, namespace: string, name: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const t = await resolveTarget(rest, namespace, name, query.get('container'));
  const path = `/containerLogs/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(t.container)}${passThroughQuery(query, ['container'])}`;
  await new Promise<void>((resolve, reject) => {
    const upstream = https.request({ host: t.host, port: t.port, path, method: 'GET', cert: cert.cert, key: cert.key, ca: cert.ca, rejectUnauthorized: false, timeout: 10_000 }, (up) => {
      res.writeHead(up.statusCode ?? 502, { 'Content-Type': up.headers['content-type'] ?? 'text/plain', 'Transfer-Encoding': 'chunked' });
      up.pipe(res);
      up.on('end', resolve);
      up.on('error', reject);
      res.on('close', () => up.destroy());
    });
    upstream.on('timeout', () => upstream.destroy(new Error('kubelet did not answer within 10s')));
    upstream.on('error', (err) => reject(new ApiError(502, 'InternalError', `error talking to the kubelet of pod ${name}: ${err.message}`)));
    upstream.end();
  });
}

/** Relays an upgrade (WebSocket) request to the kubelet and splices the two sockets. */
export async function proxyUpgrade(rest: RestStorage, cert: KubeletClientCert, req: IncomingMessage, socket: Duplex, head: Buffer, namespace: string, name: string, sub: string, query: URLSearchParams): Promise<void> {
  const t = await resolveTarget(rest, namespace, name, query.get('container'));
  const path = `/${sub}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(t.container)}${passThroughQuery(query, ['container'])}`;
  const upstream = tls.connect({ host: t.host, port: t.port, cert: cert.cert, key: cert.key, ca: cert.ca, rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => {
    upstream.once('secureConnect', resolve);
    upstream.once('error', reject);
  }).catch((err: Error) => {
    throw new ApiError(502, 'InternalError', `error dialing the kubelet of pod ${name}: ${err.message}`);
  });
  const skip = new Set(['host', 'authorization', 'content-length']);
  let head1 = `${req.method} ${path} HTTP/1.1\r\nHost: ${t.host}:${t.port}\r\n`;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i]!;
    if (!skip.has(k.toLowerCase())) head1 += `${k}: ${req.rawHeaders[i + 1]}\r\n`;
  }
  upstream.write(head1 + '\r\n');
  if (head.length) upstream.write(head);
  upstream.pipe(socket);
  socket.pipe(upstream);
  const close = () => {
    upstream.destroy();
    socket.destroy();
  };
  upstream.on('error', close);
  socket.on('error', close);
  upstream.on('close', close);
  socket.on('close', close);
}
