import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import dgram from 'node:dgram';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Balancer } from '../../../dataplane/proxy/userspace/balancer.js';
import { TcpServiceProxy } from '../../../dataplane/proxy/userspace/tcp-proxy.js';
import { UdpServiceProxy } from '../../../dataplane/proxy/userspace/udp-proxy.js';
import { buildProxyMetrics } from '../../../dataplane/proxy/metrics.js';
import { assembleUserspacePlan, planUserspacePort, proxyPortInfo } from '../../../dataplane/proxy/core/userspace-plan.js';
import { servicePortsFromService } from '../../../dataplane/proxy/core/service-ports.js';
import { traceAll, explainTrace } from '../../../dataplane/proxy/core/tracer.js';
import type { Endpoint } from '../../../dataplane/proxy/core/types.js';
import { CLUSTER_CIDR, NODE, NODE_IP, svc } from './fixtures.js';

const log = pino({ level: 'silent' });
const ep = (ip: string, port = 80): Endpoint => ({ ip, port, ready: true, serving: true, terminating: false });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('Balancer', () => {
  it('round-robins, keeps ClientIP affinity until the timeout, and skips excluded endpoints', () => {
    let now = 0;
    const rr = new Balancer(0, () => now);
    rr.update([ep('10.0.0.1'), ep('10.0.0.2'), ep('10.0.0.3')], 0);
    expect([1, 2, 3, 4].map(() => rr.pick('c')!.ip)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1']);
    expect(rr.pick('c', new Set(['10.0.0.2:80', '10.0.0.3:80']))!.ip).toBe('10.0.0.1');
    expect(rr.pick('c', new Set(['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80']))).toBeUndefined();

    const sticky = new Balancer(10, () => now);
    sticky.update([ep('10.0.0.1'), ep('10.0.0.2')], 10);
    const first = sticky.pick('a')!.ip;
    expect(first).toBe('10.0.0.1');
    expect(sticky.pick('b')!.ip).toBe('10.0.0.2');
    now = 9_000;
    expect(sticky.pick('a')!.ip).toBe(first);
    now = 20_000; // > 10 s after the last use
    expect(sticky.pick('x')!.ip).toBe('10.0.0.1');
    expect(sticky.pick('a')!.ip).toBe('10.0.0.2'); // expired: balanced again like a new client
    sticky.update([ep('10.0.0.3')], 10);
    expect(sticky.pick('a')!.ip).toBe('10.0.0.3');
  });
});

async function tcpServer(reply: string): Promise<number> {
  const s = net.createServer((c) => c.end(reply));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => s.close(() => r())));
  return (s.address() as net.AddressInfo).port;
}

function fetchTcp(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    let data = '';
    c.on('data', (d) => (data += d));
    c.on('end', () => resolve(data));
    c.on('error', reject);
  });
}

async function freeTcpPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

describe('userspace TCP proxy', () => {
  it('balances connections round-robin, retries a dead endpoint elsewhere, and resets when none is left', async () => {
    const metrics = buildProxyMetrics(new Registry());
    const a = await tcpServer('A');
    const b = await tcpServer('B');
    const dead = await freeTcpPort();
    const bal = new Balancer();
    bal.update([ep('127.0.0.1', a), ep('127.0.0.1', dead), ep('127.0.0.1', b)], 0);
    const proxy = new TcpServiceProxy('default/web:http', bal, metrics, log);
    const port = await proxy.listen();
    cleanups.push(() => proxy.close());
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await fetchTcp(port));
    expect(answers.sort().join('')).toBe('AAABBB');
    expect((await metrics.connectRetries.get()).values[0]!.value).toBeGreaterThanOrEqual(1);
    bal.update([ep('127.0.0.1', dead)], 0);
    await expect(fetchTcp(port)).rejects.toThrow(/ECONNRESET/);
    const results = (await metrics.connections.get()).values.map((v) => `${v.labels.result}=${v.value}`).sort();
    expect(results).toEqual(['no_endpoint=1', 'proxied=6']);
  });
});

describe('userspace UDP proxy', () => {
  it('relays datagrams both ways per client and moves sessions off a removed endpoint', async () => {
    const metrics = buildProxyMetrics(new Registry());
    const server = (name: string) => new Promise<number>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.on('message', (m, r) => s.send(`${name}:${m}`, r.port, r.address));
      s.bind(0, '127.0.0.1', () => resolve(s.address().port));
      cleanups.push(() => new Promise<void>((r) => s.close(() => r())));
    });
    const a = await server('A');
    const b = await server('B');
    const bal = new Balancer();
    bal.update([ep('127.0.0.1', a)], 0);
    const proxy = new UdpServiceProxy('default/dns:dns', bal, metrics, log, 5000);
    const port = await proxy.listen();
    cleanups.push(() => proxy.close());
    const client = dgram.createSocket('udp4');
    cleanups.push(() => new Promise<void>((r) => client.close(() => r())));
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
    const ask = (msg: string) => new Promise<string>((resolve) => {
      client.once('message', (m) => resolve(String(m)));
      client.send(msg, port, '127.0.0.1');
    });
    expect(await ask('1')).toBe('A:1');
    expect(await ask('2')).toBe('A:2');
    bal.update([ep('127.0.0.1', b)], 0);
    proxy.dropStaleSessions();
    expect(await ask('3')).toBe('B:3');
  });
});

describe('userspace plan', () => {
  it('redirects service addresses to the proxy port and REJECTs ports without endpoints; the tracer follows it', () => {
    const [web] = servicePortsFromService(svc('web', { clusterIP: '10.96.0.100', type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }] }));
    const [empty] = servicePortsFromService(svc('empty', { clusterIP: '10.96.0.103' }));
    const eps = [{ ...ep('10.244.1.10', 8080), nodeName: NODE }];
    const plan = assembleUserspacePlan(
      [planUserspacePort(web!, eps, { internal: 40001, external: 40001 }, NODE, NODE_IP), planUserspacePort(empty!, [], undefined, NODE, NODE_IP)],
      new Map([[40001, proxyPortInfo(web!, eps)]]),
      { localAddresses: [NODE_IP], clusterCidr: CLUSTER_CIDR },
    );
    const fromPod = traceAll(plan, { src: '10.244.1.50', dst: '10.96.0.100', dport: 80 });
    expect(fromPod.map((o) => [o.verdict, o.destination.port])).toEqual([['REDIRECT', 40001]]);
    expect(traceAll(plan, { src: NODE_IP, dst: '10.96.0.100', dport: 80, origin: 'local' }).map((o) => [o.verdict, `${o.destination.ip}:${o.destination.port}`])).toEqual([['DNAT', `${NODE_IP}:40001`]]);
    expect(traceAll(plan, { src: '10.200.0.1', dst: NODE_IP, dport: 30080 }).map((o) => o.verdict)).toEqual(['REDIRECT']);
    expect(traceAll(plan, { src: '10.244.1.50', dst: '10.96.0.103', dport: 80 }).map((o) => o.verdict)).toEqual(['REJECT']);
    expect(explainTrace(plan, { src: '10.244.1.50', dst: '10.96.0.100', dport: 80 }, fromPod)).toContain('default/web:http: 10.244.1.10:8080 (round-robin)');
  });
});

describe('userspace backend on a fresh node (fake iptables)', () => {
  it('first sync creates every chain its jumps point to', async () => {
    const { FakeIptables } = await import('../../fakes/iptables.js');
    const { buildUserspaceBackend } = await import('../../../dataplane/proxy/userspace/userspace-backend.js');
    const iptables = new FakeIptables();
    const backend = buildUserspaceBackend({ nodeName: NODE, nodeIP: NODE_IP, clusterCidr: CLUSTER_CIDR, log, iptables, metrics: buildProxyMetrics(new Registry()) });
    cleanups.push(() => backend.stop());
    const [sp] = servicePortsFromService(svc('web', { clusterIP: '10.96.0.100' }));
    const model = { services: new Map([['default/web', [sp!]]]), endpoints: new Map([['default/web', new Map([['http/TCP', [{ ...ep('127.0.0.1', 9), nodeName: NODE }]]])]]) };
    await backend.sync(model, { changed: new Set(['default/web']), triggerTimes: [] }, true);
    expect(iptables.rules('nat', 'PREROUTING').flat()).toContain('KUBE-PORTALS-CONTAINER');
    expect(iptables.rules('filter', 'FORWARD').flat()).toContain('KUBE-FORWARD');
    const redirect = iptables.rules('nat', 'KUBE-PORTALS-CONTAINER')[0]!;
    expect(redirect.slice(-3, -1)).toEqual(['REDIRECT', '--to-ports']);
    expect(backend.listenerCount()).toBe(1);
    // the Service goes away: its listener is closed and its redirect removed
    await backend.sync({ services: new Map(), endpoints: new Map() }, { changed: new Set(['default/web']), triggerTimes: [] }, false);
    expect(backend.listenerCount()).toBe(0);
    expect(iptables.rules('nat', 'KUBE-PORTALS-CONTAINER')).toEqual([]);
  });
});
