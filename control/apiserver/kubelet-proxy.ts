/**
 * pods/log and pods/exec|attach are served by the pod's kubelet; the API server finds the node
 * (status.addresses InternalIP + status.daemonEndpoints.kubeletEndpoint.Port) and proxies:
 *   GET  …/pods/NAME/log   → GET  https://node:port/containerLogs/NS/NAME/CONTAINER?…
 *   GET  …/pods/NAME/exec  → the WebSocket upgrade is relayed byte for byte to
 *        https://node:port/exec/NS/NAME/CONTAINER?command=…  (v5.channel.k8s.io is end to end)
 *   GET  …/pods/NAME/attach → the same, to https://node:port/attach/NS/NAME/CONTAINER?stdin=…
 *        (kubectl attach, kubectl run -i/-it)
 *   GET|POST …/pods/NAME/portforward → the same, to https://node:port/portForward/NS/NAME (no
 *        container: a pod's ports are the pod's). kubectl 1.32 first sends a WebSocket upgrade
 *        (SPDY/3.1+portforward.k8s.io), then after any non-101 answer POST `Upgrade: SPDY/3.1`;
 *        both are relayed as they are, so the kubelet answers the handshake kubectl reads.
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

/** The kubelet of the node a pod is bound to (upstream's "pod … does not have a host assigned" otherwise). */
async function podKubelet(rest: RestStorage, pod: KubeObject): Promise<{ host: string; port: number }> {
  const nodeName = ((pod.spec ?? {}) as PodSpecLike).nodeName;
  const name = pod.metadata.name;
  if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  const node = await rest.read(NODES, undefined, nodeName);
  if (!node) throw errors.badRequest(`node ${nodeName} of pod ${name} not found`);
  return nodeEndpoint(node);
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
  return { ...(await podKubelet(rest, pod)), container: chosen };
}

/** Where an upgrade for pods/{sub} goes on the kubelet. */
async function upgradeTarget(rest: RestStorage, namespace: string, name: string, sub: string, query: URLSearchParams): Promise<{ host: string; port: number; path: string }> {
  const pod = (ns: string, n: string) => `${encodeURIComponent(ns)}/${encodeURIComponent(n)}`;
  if (sub === 'portforward') {
    const kubelet = await podKubelet(rest, await rest.get(PODS, namespace, name));
    return { ...kubelet, path: `/portForward/${pod(namespace, name)}${passThroughQuery(query, [])}` };
  }
  const t = await resolveTarget(rest, namespace, name, query.get('container'));
  return { host: t.host, port: t.port, path: `/${sub}/${pod(namespace, name)}/${encodeURIComponent(t.container)}${passThroughQuery(query, ['container'])}` };
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

/** Relays an upgrade request (WebSocket or SPDY/3.1) to the kubelet and splices the two sockets. */
export async function proxyUpgrade(rest: RestStorage, cert: KubeletClientCert, req: IncomingMessage, socket: Duplex, head: Buffer, namespace: string, name: string, sub: string, query: URLSearchParams): Promise<void> {
  const t = await upgradeTarget(rest, namespace, name, sub, query);
  const path = t.path;
  const upstream = tls.connect({ host: t.host, port: t.port, cert: cert.cert, key: cert.key, ca: cert.ca, rejectUnauthorized: false });
  upstream.setNoDelay(true); // port-forward and interactive exec send many small writes
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
