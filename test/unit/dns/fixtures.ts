/**
 * Test fixtures for DNS: cluster objects, a ClusterIndex fed from them, query bytes, and replies
 * decoded (with dns2) into zone text so expectations read like a zone file.
 */
import dns2 from 'dns2';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ClusterIndex } from '../../../dataplane/dns/cluster-index.js';
import type { EndpointSliceObject, PodObject, ServiceObject } from '../../../dataplane/dns/cluster-objects.js';
import { zoneText, type ResourceRecord } from '../../../dataplane/dns/records.js';
import { createDnsServer, type DnsServer, type DnsServerOptions } from '../../../dataplane/dns/server.js';
import { buildQuery, RCODE_NAMES, TYPE } from '../../../dataplane/dns/wire.js';
import type { Clock } from '../../../dataplane/dns/answer-cache.js';

const { Packet } = dns2;

export function service(ns: string, name: string, spec: ServiceObject['spec']): ServiceObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name, resourceVersion: '1' }, spec };
}

export function slice(ns: string, name: string, svc: string, endpoints: EndpointSliceObject['endpoints'], ports: EndpointSliceObject['ports'] = [], addressType = 'IPv4'): EndpointSliceObject {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType,
    metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': svc } }, endpoints, ports,
  };
}

export function pod(ns: string, name: string, ip: string, spec: PodObject['spec'] = {}): PodObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name }, spec, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } };
}

export function indexOf(objs: { services?: ServiceObject[]; slices?: EndpointSliceObject[]; pods?: PodObject[] }, synced = true): ClusterIndex {
  const ix = new ClusterIndex(() => synced);
  for (const p of objs.pods ?? []) ix.upsertPod(p);
  for (const s of objs.services ?? []) ix.upsertService(s);
  for (const s of objs.slices ?? []) ix.upsertSlice(s);
  return ix;
}

export interface QueryOptions {
  id?: number;
  /** Send the name in this exact case (default: as given). */
  rd?: boolean;
  edns?: { udpSize: number; do?: boolean };
}

export function query(name: string, type: keyof typeof TYPE | number, o: QueryOptions = {}): Buffer {
  const t = typeof type === 'number' ? type : TYPE[type];
  const q = buildQuery(o.id ?? 0x1234, name, t, o.edns ? { udpSize: o.edns.udpSize, version: 0, do: !!o.edns.do } : undefined);
  if (o.rd === false) q[2] = q[2]! & 0xfe;
  return q;
}

export interface Decoded {
  id: number;
  rcode: string;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  question: string;
  answer: string;
  authority: string;
  additional: string;
}

export function decode(wire: Buffer): Decoded {
  const p = Packet.parse(wire);
  const h = p.header;
  const notOpt = (r: { type: number }): boolean => r.type !== TYPE.OPT;
  return {
    id: h.id,
    rcode: RCODE_NAMES[h.rcode] ?? String(h.rcode),
    aa: !!h.aa,
    tc: !!h.tc,
    rd: !!h.rd,
    question: p.questions.map((q) => `${q.name} ${q.type}`).join(','),
    answer: zone(zoneText(p.answers as ResourceRecord[])),
    authority: zone(zoneText(p.authorities as ResourceRecord[])),
    additional: zone(zoneText((p.additionals as ResourceRecord[]).filter(notOpt))),
  };
}

/** Zone text with flexible whitespace and order: what test tables write. */
export function zone(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean)
    .map((l) => l.split(/\s+/).join(' ')).sort().join('\n');
}

export function fakeClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return { nowMs: () => now, advance: (ms) => { now += ms; } };
}

export function server(view: ClusterIndex, o: Partial<DnsServerOptions> = {}): DnsServer {
  return createDnsServer({
    view, clusterDomain: 'cluster.local', upstreams: [], listenAddresses: [], metrics: new Registry(),
    log: pino({ level: 'silent' }), upstreamTimeoutMs: 300, ...o,
  });
}

/** One query through the pipeline as UDP from `client` (fast path included). */
export async function ask(s: DnsServer, msg: Buffer, client = '10.244.1.99'): Promise<Buffer> {
  const r = await s.pipeline.udp(msg, client, 40000);
  if (!r) throw new Error('no reply');
  return r;
}
