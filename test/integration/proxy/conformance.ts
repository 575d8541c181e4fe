/**
 * The proxy conformance suite: the same cases for every mode (iptables, userspace), in real
 * network namespaces, against a real API server. Services here have no selector: the test writes
 * their EndpointSlices itself, the way an endpoint owner would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../control/client/index.js';
import { findResource } from '../../../control/api/resources.js';
import type { KubeObject } from '../../../control/api/object.js';
import { NODE_IP, NODE_NAME, POD_IPS, type NetnsLab, type PeerResult } from '../../support/proxy-netns-lab.js';

const SERVICES = findResource('', 'v1', 'services')!;
const SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;

export interface SuiteContext {
  lab: () => NetnsLab;
  client: () => ApiClient;
  server: () => string;
  pkiDir: () => string;
}

type Ep = { ip: string; ready?: boolean };

export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<{ value: T; ms: number }> {
  const t0 = Date.now();
  for (;;) {
    const value = await fn();
    if (ok(value)) return { value, ms: Date.now() - t0 };
    if (Date.now() - t0 > timeoutMs) return { value, ms: Date.now() - t0 };
    await new Promise((r) => setTimeout(r, 50));
  }
}

const bodies = (rs: PeerResult[]) => rs.map((r) => r.body ?? `error:${r.error}`);

export function proxyConformance(mode: 'iptables' | 'userspace', n: number, ctx: SuiteContext): void {
  const ip = (last: number) => `10.96.${n}.${last}`;
  const nodePort = 30080 + n;
  const externalIP = `10.213.0.${99 + n}`;
  const names: string[] = [];

  async function service(name: string, spec: Record<string, unknown>): Promise<void> {
    names.push(name);
    await ctx.client().create(SERVICES, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });
  }

  async function endpoints(name: string, eps: Ep[], port = 8080, protocol = 'TCP', portName = 'http'): Promise<void> {
    const c = ctx.client();
    const body: KubeObject = {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: `${name}-test`, namespace: 'default', labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'proxy-test' } },
      addressType: 'IPv4',
      endpoints: eps.map((e) => ({ addresses: [e.ip], nodeName: NODE_NAME, conditions: { ready: e.ready ?? true } })),
      ports: [{ name: portName, port, protocol }],
    };
    try {
      const cur = await c.get(SLICES, 'default', `${name}-test`);
      await c.update(SLICES, { ...body, metadata: { ...body.metadata, resourceVersion: cur.metadata.resourceVersion } });
    } catch {
      await c.create(SLICES, body);
    }
  }

  describe(`${mode} mode`, () => {
    beforeAll(async () => {
      const tcp = (extra: Record<string, unknown> = {}) => ({ ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080, ...extra }] });
      await service(`web-${n}`, { type: 'NodePort', clusterIP: ip(100), externalIPs: [externalIP], ...tcp({ nodePort }) });
      await service(`sticky-${n}`, { clusterIP: ip(101), sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ...tcp() });
      await service(`hair-${n}`, { clusterIP: ip(102), ...tcp() });
      await service(`empty-${n}`, { clusterIP: ip(103), ...tcp() });
      await service(`churn-${n}`, { clusterIP: ip(104), ...tcp() });
      await service(`udp-${n}`, { clusterIP: ip(105), ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 5353 }] });
      const both = [{ ip: POD_IPS.a }, { ip: POD_IPS.b }];
      await endpoints(`web-${n}`, both);
      await endpoints(`sticky-${n}`, both);
      await endpoints(`hair-${n}`, [{ ip: POD_IPS.a }]);
      await endpoints(`empty-${n}`, [{ ip: POD_IPS.b, ready: false }]);
      await endpoints(`churn-${n}`, both);
      await endpoints(`udp-${n}`, [{ ip: POD_IPS.a }], 5353, 'UDP', 'dns');
      await ctx.lab().startProxy(mode, ctx.server(), ctx.pkiDir());
      // Objects written before start are programmed by the first sync; wait for the last one to be live.
      await eventually(() => ctx.lab().peers.c.udp(ip(105), 53, 'warm', 40999), (r) => !!r.body, 10_000);
    });

    afterAll(async () => {
      await ctx.lab()?.stopProxy();
      for (const name of names) await ctx.client().delete(SERVICES, 'default', name).catch(() => undefined);
      for (const name of names) await ctx.client().delete(SLICES, 'default', `${name}-test`).catch(() => undefined);
    });

    it('pods reach a ClusterIP and every endpoint answers', async () => {
      const got = bodies(await ctx.lab().peers.c.http(ip(100), 80, 20));
      expect(new Set(got)).toEqual(new Set(['a', 'b']));
    });

    it('the node itself reaches a ClusterIP', async () => {
      const got = bodies(await ctx.lab().peers.node.http(ip(100), 80, 10));
      expect(got.every((b) => b === 'a' || b === 'b')).toBe(true);
    });

    it('the host reaches the ClusterIP (routed via the node), the NodePort and the externalIP', async () => {
      const ext = ctx.lab().peers.ext;
      for (const [host, port] of [[ip(100), 80], [NODE_IP, nodePort], [externalIP, 80]] as const) {
        const got = bodies(await ext.http(host, port, 10));
        expect(got.every((b) => b === 'a' || b === 'b'), `${host}:${port} → ${got.join(',')}`).toBe(true);
      }
    });

    it('a pod reaches itself through its Service (hairpin)', async () => {
      expect(bodies(await ctx.lab().peers.a.http(ip(102), 80, 5))).toEqual(['a', 'a', 'a', 'a', 'a']);
    });

    it('ClientIP affinity keeps one client on one endpoint', async () => {
      for (const peer of [ctx.lab().peers.c, ctx.lab().peers.ext]) {
        const got = bodies(await peer.http(ip(101), 80, 12));
        expect(new Set(got).size, got.join(',')).toBe(1);
        expect(['a', 'b']).toContain(got[0]);
      }
    });

    it('a Service without ready endpoints refuses connections at once (no timeout)', async () => {
      for (const peer of [ctx.lab().peers.c, ctx.lab().peers.node, ctx.lab().peers.ext]) {
        const [r] = await peer.http(ip(103), 80, 1, 5000);
        if (process.env.DEBUG_PROXY && (r!.error !== 'ECONNREFUSED' || r!.ms > 900)) console.log(peer.ns, r, await ctx.lab().iptablesSave());
        expect(r!.error, peer.ns).toBe('ECONNREFUSED');
        expect(r!.ms).toBeLessThan(1000);
      }
    });

    it('endpoint churn: an endpoint removed stops receiving traffic within 2 s; an added one starts', async () => {
      const c = ctx.lab().peers.c;
      await endpoints(`churn-${n}`, [{ ip: POD_IPS.b }]);
      const onlyB = await eventually(() => c.http(ip(104), 80, 6), (rs) => bodies(rs).every((b) => b === 'b'), 5000);
      expect(bodies(onlyB.value)).toEqual(Array(6).fill('b'));
      expect(onlyB.ms).toBeLessThan(2000);
      await endpoints(`churn-${n}`, [{ ip: POD_IPS.a, ready: false }, { ip: POD_IPS.b, ready: false }]);
      const refused = await eventually(() => c.http(ip(104), 80, 1), (rs) => rs[0]!.error === 'ECONNREFUSED', 5000);
      expect(refused.value[0]!.error).toBe('ECONNREFUSED');
      await endpoints(`churn-${n}`, [{ ip: POD_IPS.a }]);
      const onlyA = await eventually(() => c.http(ip(104), 80, 6), (rs) => bodies(rs).every((b) => b === 'a'), 5000);
      expect(bodies(onlyA.value)).toEqual(Array(6).fill('a'));
    });

    it('UDP: a client that keeps its source port follows an endpoint change', async () => {
      const c = ctx.lab().peers.c;
      const localPort = 41000 + n;
      expect((await c.udp(ip(105), 53, 'x', localPort)).body).toBe('a:x');
      await endpoints(`udp-${n}`, [{ ip: POD_IPS.b }], 5353, 'UDP', 'dns');
      // keep sending from the same port: stale conntrack (or a stale session) would pin it to a
      const moved = await eventually(() => c.udp(ip(105), 53, 'y', localPort, 300), (r) => r.body === 'b:y', 5000);
      expect(moved.value.body).toBe('b:y');
    });
  });
}
