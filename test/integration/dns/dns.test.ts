/**
 * buildDns against a real control plane (test/support/control-plane.ts): objects are created with
 * the real kubectl and the API client; the server listens on 127.0.0.63, forwards to a tiny dns2
 * upstream on 127.0.0.64, and is queried over real UDP and TCP sockets.
 */
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findResource } from '../../../control/api/resources.js';
import type { ApiClient } from '../../../control/client/index.js';
import { buildDns, type DnsComponent } from '../../../dataplane/dns/index.js';
import { TYPE } from '../../../dataplane/dns/wire.js';
import { startControlPlane, type TestControlPlane } from '../../support/control-plane.js';
import { decode, query, type Decoded } from '../../unit/dns/fixtures.js';
import { startUpstream, type TestUpstream } from '../../unit/dns/upstream.js';
import { tcpQuery, udpQuery } from './dns-client.js';

const DNS_IP = '127.0.0.63';
const UPSTREAM_IP = '127.0.0.64';
const POD_IP = '127.0.0.65';
const SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;
const PODS = findResource('', 'v1', 'pods')!;
const SOA_PREFIX = 'cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local.';

let cp: TestControlPlane;
let client: ApiClient;
let up: TestUpstream;
let dns: DnsComponent;
let registry: Registry;
let port: number;

const ask = async (name: string, type: keyof typeof TYPE, o: { from?: string; edns?: number } = {}): Promise<Decoded> =>
  decode(await udpQuery(DNS_IP, port, query(name, type, o.edns ? { edns: { udpSize: o.edns } } : {}), { from: o.from }));

async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  let last: T | undefined;
  while (Date.now() - start < timeoutMs) {
    last = await fn();
    if (ok(last)) return { value: last, ms: Date.now() - start };
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

const endpointSlice = (name: string, svc: string, endpoints: object[], ports: object[] = []): Record<string, unknown> => ({
  apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
  metadata: { name, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } }, endpoints, ports,
});

beforeAll(async () => {
  cp = await startControlPlane();
  client = cp.client();
  up = await startUpstream({ 'example.com': [{ type: TYPE.A, ttl: 300, address: '93.184.216.34' }] }, UPSTREAM_IP);
  await cp.k(['apply', '-f', '-'], `
apiVersion: v1
kind: Service
metadata: {name: getip, namespace: default}
spec: {ports: [{name: http, port: 80, protocol: TCP}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {clusterIP: None, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: big, namespace: default}
spec: {clusterIP: None}
---
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: default}
spec: {type: ExternalName, externalName: example.com}
`);
  await client.create(SLICES, endpointSlice('web-1', 'web', [
    { addresses: ['10.244.1.5'], hostname: 'web-0', conditions: { ready: true } },
    { addresses: ['10.244.1.6'], conditions: { ready: true } },
    { addresses: ['10.244.1.7'], conditions: { ready: false } },
  ], [{ name: 'http', port: 8080, protocol: 'TCP' }]) as never);
  await client.create(SLICES, endpointSlice('big-1', 'big',
    Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.244.5.${i + 1}`], conditions: { ready: true } }))) as never);
  const pod = await client.create(PODS, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client', namespace: 'default' },
    spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'busybox' }] },
  } as never);
  await client.updateStatus(PODS, { ...pod, status: { phase: 'Running', podIP: POD_IP, podIPs: [{ ip: POD_IP }] } } as never);

  registry = new Registry();
  dns = buildDns({
    client, nodeName: 'node-a', nodeIP: DNS_IP, log: pino({ level: 'silent' }), metrics: registry,
    listenAddresses: [DNS_IP], clusterDomain: 'cluster.local', upstreams: [`${UPSTREAM_IP}:${up.port}`], port: 0,
  });
  await dns.start();
  expect(await dns.waitForSync()).toBe(true);
  port = dns.addresses()[0]!.udpPort;
}, 180_000);

afterAll(async () => {
  await dns?.stop();
  await up?.close();
  await cp?.stop();
});

describe('cluster DNS against a real control plane', () => {
  it('answers every record type of the spec', async () => {
    const ip = await cp.k(['get', 'svc', 'getip', '-o', 'jsonpath={.spec.clusterIP}']);
    expect((await ask('getip.default.svc.cluster.local', 'A')).answer).toBe(`getip.default.svc.cluster.local. 5 IN A ${ip}`);
    const srv = await ask('_http._tcp.getip.default.svc.cluster.local', 'SRV');
    expect(srv.answer).toBe('_http._tcp.getip.default.svc.cluster.local. 5 IN SRV 0 100 80 getip.default.svc.cluster.local.');
    expect(srv.additional).toBe(`getip.default.svc.cluster.local. 5 IN A ${ip}`);
    const rev = `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
    expect((await ask(rev, 'PTR')).answer).toBe(`${rev}. 5 IN PTR getip.default.svc.cluster.local.`);
    expect((await ask('web.default.svc.cluster.local', 'A')).answer)
      .toBe('web.default.svc.cluster.local. 5 IN A 10.244.1.5\nweb.default.svc.cluster.local. 5 IN A 10.244.1.6');
    expect((await ask('web-0.web.default.svc.cluster.local', 'A')).answer).toBe('web-0.web.default.svc.cluster.local. 5 IN A 10.244.1.5');
    expect((await ask('_http._tcp.web.default.svc.cluster.local', 'SRV')).answer).toBe([
      '_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 50 8080 10-244-1-6.web.default.svc.cluster.local.',
      '_http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 50 8080 web-0.web.default.svc.cluster.local.',
    ].join('\n'));
    expect((await ask('6.1.244.10.in-addr.arpa', 'PTR')).answer).toBe('6.1.244.10.in-addr.arpa. 5 IN PTR 10-244-1-6.web.default.svc.cluster.local.');
    expect((await ask('ext.default.svc.cluster.local', 'A')).answer)
      .toBe('example.com. 300 IN A 93.184.216.34\next.default.svc.cluster.local. 5 IN CNAME example.com.');
    expect((await ask('dns-version.cluster.local', 'TXT')).answer).toBe('dns-version.cluster.local. 5 IN TXT "1.1.0"');
    const nx = await ask('nope.default.svc.cluster.local', 'A');
    expect(nx.rcode).toBe('NXDOMAIN');
    expect(nx.authority.startsWith(SOA_PREFIX)).toBe(true);
  });

  it('a new Service resolves within a second; a deleted one stops resolving within a second', async () => {
    await cp.k(['create', 'service', 'clusterip', 'fresh', '--tcp=80:8080']);
    const made = await until('fresh resolves', () => ask('fresh.default.svc.cluster.local', 'A'), (d) => d.rcode === 'NOERROR' && d.answer !== '', 5000);
    expect(made.ms).toBeLessThan(1000);
    await cp.k(['delete', 'service', 'fresh']);
    const gone = await until('fresh is gone', () => ask('fresh.default.svc.cluster.local', 'A'), (d) => d.rcode === 'NXDOMAIN', 5000);
    expect(gone.ms).toBeLessThan(1000);
  });

  it('a headless Service whose endpoints all become unready is NXDOMAIN', async () => {
    const s = await client.get(SLICES, 'default', 'web-1') as Record<string, unknown> & { endpoints: { conditions: { ready: boolean } }[] };
    for (const e of s.endpoints) e.conditions.ready = false;
    await client.update(SLICES, s as never);
    const r = await until('web is NXDOMAIN', () => ask('web.default.svc.cluster.local', 'A'), (d) => d.rcode === 'NXDOMAIN', 5000);
    expect(r.ms).toBeLessThan(1000);
  });

  it('forwards names outside the cluster and caches them', async () => {
    const before = up.asked.get('example.com 1') ?? 0;
    for (let i = 0; i < 5; i++) expect((await ask('EXAMPLE.com', 'A')).answer).toMatch(/^example\.com\. \d+ IN A 93\.184\.216\.34$/);
    expect((up.asked.get('example.com 1') ?? 0) - before).toBeLessThanOrEqual(1);
    expect((await ask('unknown.example', 'A')).rcode).toBe('NXDOMAIN');
  });

  it('truncates a large answer over UDP and gives it whole over TCP', async () => {
    const udp = await ask('big.default.svc.cluster.local', 'A');
    expect(udp.tc).toBe(true);
    const tcp = decode(await tcpQuery(DNS_IP, dns.addresses()[0]!.tcpPort, query('big.default.svc.cluster.local', 'A')));
    expect(tcp.tc).toBe(false);
    expect(tcp.answer.split('\n')).toHaveLength(60);
  });

  it('autopath: a pod\'s search-path expansion of an external name is answered in one round trip', async () => {
    const d = await until('autopath', () => ask('example.com.default.svc.cluster.local', 'A', { from: POD_IP }), (x) => x.rcode === 'NOERROR', 5000);
    expect(d.value.answer).toBe('example.com. 300 IN A 93.184.216.34\nexample.com.default.svc.cluster.local. 5 IN CNAME example.com.');
    expect((await ask('example.com.default.svc.cluster.local', 'A')).rcode).toBe('NXDOMAIN'); // not a pod in default
  });

  it('publishes its node-local kube-dns EndpointSlice', async () => {
    const out = await cp.k(['get', 'endpointslice', '-n', 'kube-system', 'kube-dns-node-a', '-o', 'json']);
    const s = JSON.parse(out) as { endpoints: { addresses: string[]; nodeName: string; conditions: { ready: boolean } }[]; ports: { name: string; port: number; protocol: string }[]; metadata: { labels: Record<string, string> } };
    expect(s.metadata.labels['kubernetes.io/service-name']).toBe('kube-dns');
    expect(s.endpoints).toEqual([{ addresses: [DNS_IP], nodeName: 'node-a', conditions: { ready: true, serving: true, terminating: false } }]);
    expect(s.ports.map((p) => `${p.name}/${p.port}/${p.protocol}`).sort()).toEqual(['dns-tcp/53/TCP', 'dns/53/UDP']);
  });

  it('exports CoreDNS-named metrics', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/coredns_dns_requests_total\{proto="udp",type="A"\} \d+/);
    expect(text).toMatch(/coredns_dns_responses_total\{proto="udp",rcode="NXDOMAIN"\} \d+/);
    expect(text).toMatch(/coredns_dns_request_duration_seconds_count \d+/);
    expect(text).toMatch(/coredns_cache_hits_total\{type="success"\} [1-9]/);
    expect(text).toMatch(/coredns_kubernetes_dns_programming_duration_seconds_count\{service_kind="cluster_ip"\} [1-9]/);
  });

  it('keeps answering with the API server down; a server started meanwhile answers SERVFAIL (not NXDOMAIN) until it syncs', async () => {
    await cp.kill();
    let late: DnsComponent | undefined;
    try {
      expect((await ask('getip.default.svc.cluster.local', 'A')).rcode).toBe('NOERROR');
      late = buildDns({
        client: cp.client(), nodeName: 'node-b', nodeIP: '127.0.0.66', log: pino({ level: 'silent' }), metrics: new Registry(),
        listenAddresses: ['127.0.0.66'], clusterDomain: 'cluster.local', upstreams: [`${UPSTREAM_IP}:${up.port}`], port: 0,
      });
      await late.start();
      const latePort = late.addresses()[0]!.udpPort;
      const lateAsk = async (name: string): Promise<Decoded> => decode(await udpQuery('127.0.0.66', latePort, query(name, 'A')));
      expect((await lateAsk('getip.default.svc.cluster.local')).rcode).toBe('SERVFAIL');
      expect((await lateAsk('nope.default.svc.cluster.local')).rcode).toBe('SERVFAIL');
      expect((await lateAsk('example.com')).rcode).toBe('NOERROR'); // forwarding needs no API
      await cp.start();
      await until('late server syncs', () => lateAsk('getip.default.svc.cluster.local'), (d) => d.rcode === 'NOERROR', 60_000);
      expect((await lateAsk('nope.default.svc.cluster.local')).rcode).toBe('NXDOMAIN');
    } finally {
      await late?.stop();
    }
  });
});
