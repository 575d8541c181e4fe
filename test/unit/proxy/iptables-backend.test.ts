import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Registry } from 'prom-client';
import { FakeIptables } from '../../fakes/iptables.js';
import { buildIptablesBackend } from '../../../dataplane/proxy/iptables/iptables-backend.js';
import { Proxier } from '../../../dataplane/proxy/proxier.js';
import { buildProxyMetrics } from '../../../dataplane/proxy/metrics.js';
import type { Conntrack, ConntrackFilter } from '../../../dataplane/proxy/iptables/conntrack.js';
import { svcChain } from '../../../dataplane/proxy/core/chain-names.js';
import { traceAll } from '../../../dataplane/proxy/core/tracer.js';
import { CLUSTER_CIDR, NODE, NODE_IP, slice, svc } from './fixtures.js';
import { goldenServices, goldenSlices } from './golden-plan.js';

const log = pino({ level: 'silent' });

function setup() {
  const iptables = new FakeIptables();
  const cleared: ConntrackFilter[] = [];
  const conntrack: Conntrack = { clearUdp: async (f) => void cleared.push(f) };
  const backend = buildIptablesBackend({ nodeName: NODE, nodeIP: NODE_IP, clusterCidr: CLUSTER_CIDR, log, iptables, conntrack });
  const registry = new Registry();
  const metrics = buildProxyMetrics(registry);
  const proxier = new Proxier({ backend, log, metrics, minSyncMs: 0, syncPeriodMs: 3_600_000 });
  return { iptables, cleared, backend, proxier, registry };
}

let current: ReturnType<typeof setup> | undefined;
afterEach(async () => {
  await current?.proxier.stop();
  current = undefined;
});

async function started() {
  const s = (current = setup());
  for (const o of goldenServices()) s.proxier.onService(undefined, o);
  for (const o of goldenSlices()) s.proxier.onSlice(undefined, o);
  const first = s.proxier.nextSync();
  s.proxier.start();
  await first;
  return s;
}

describe('iptables backend with the sync loop', () => {
  it('first sync: one full restore, jumps from the built-in chains, traffic traceable in the fake kernel', async () => {
    const s = await started();
    expect(s.iptables.restores).toHaveLength(1);
    expect(s.iptables.restores[0]!.noflush).toBe(true);
    expect(s.iptables.rules('nat', 'PREROUTING')).toEqual([['-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES']]);
    expect(s.iptables.rules('nat', 'KUBE-SERVICES').length).toBeGreaterThan(4);
    const plan = s.backend.plan()!;
    expect(traceAll(plan, { src: '10.244.1.50', dst: '10.96.0.100', dport: 80 })).toHaveLength(2);
    expect(await s.registry.getSingleMetricAsString('kubeproxy_sync_proxy_rules_iptables_total')).toMatch(/table="nat"} \d+/);
  });

  it('an endpoint change rewrites only that service\'s chains and deletes the stale endpoint chain', async () => {
    const s = await started();
    const before = s.iptables.chains('nat').length;
    s.proxier.onSlice(goldenSlices()[0], slice('web', [{ ip: '10.244.1.10' }, { ip: '10.244.3.10', node: 'node-3' }]));
    await s.proxier.nextSync();
    const payload = s.iptables.restores.at(-1)!.payload;
    const declared = payload.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]);
    const web = svcChain('default/web:http', 'TCP');
    expect(declared).toContain(web);
    expect(declared).not.toContain(svcChain('default/np:http', 'TCP'));
    expect(payload).not.toContain('*filter'); // filter unchanged: not written at all
    expect(payload).toMatch(/^-X KUBE-SEP-IQIBSY2R4USWK4F3$/m);
    expect(s.iptables.chains('nat').length).toBe(before);
    expect(s.iptables.rules('nat', web).flat().join(' ')).toContain('10.244.3.10:8080');
    expect(s.proxier.syncs).toMatchObject({ full: 1, partial: 1, failed: 0 });
  });

  it('a Service deleted: its chains go, its KUBE-SERVICES rules go, and the restore is accepted by the fake kernel', async () => {
    const s = await started();
    s.proxier.onService(goldenServices()[0], undefined);
    await s.proxier.nextSync();
    expect(s.iptables.chains('nat')).not.toContain(svcChain('default/web:http', 'TCP'));
    expect(s.iptables.rules('nat', 'KUBE-SERVICES').flat().join(' ')).not.toContain('10.96.0.100');
    expect(s.iptables.restores.every((r) => r.ok)).toBe(true);
  });

  it('a failed restore changes nothing and the next sync is full, carrying the change', async () => {
    const s = await started();
    s.iptables.failNextRestore();
    s.proxier.onSlice(goldenSlices()[0], slice('web', [{ ip: '10.244.1.10' }]));
    await s.proxier.nextSync(); // resolves on the successful retry
    expect(s.proxier.syncs.failed).toBe(1);
    expect(s.proxier.syncs.full).toBe(2);
    expect(s.iptables.restores.at(-1)!.payload).toContain('*filter'); // full: everything declared
    expect(s.iptables.rules('nat', svcChain('default/web:http', 'TCP')).flat().join(' ')).not.toContain('10.244.2.10');
    expect(await s.registry.getSingleMetricAsString('kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total')).toMatch(/ 1$/m);
  });

  it('a restart finds chains of an earlier run and deletes the stale ones in its first restore', async () => {
    const s = (current = setup());
    s.iptables.seedChain('nat', 'KUBE-SVC-AAAAAAAAAAAAAAAA', [['-j', 'RETURN']]);
    s.iptables.seedChain('nat', 'KUBE-SERVICES', [['-j', 'KUBE-SVC-AAAAAAAAAAAAAAAA']]);
    s.iptables.seedChain('nat', 'FLANNEL-POSTRTG', [['-j', 'RETURN']]);
    s.proxier.onService(undefined, svc('web', { clusterIP: '10.96.0.100' }));
    const first = s.proxier.nextSync();
    s.proxier.start();
    await first;
    expect(s.iptables.chains('nat')).not.toContain('KUBE-SVC-AAAAAAAAAAAAAAAA');
    expect(s.iptables.chains('nat')).toContain('FLANNEL-POSTRTG');
    expect(s.iptables.calls.filter((c) => c.startsWith('listChains'))).toHaveLength(2);
    s.proxier.onSlice(undefined, slice('web', [{ ip: '10.244.1.10' }]));
    await s.proxier.nextSync();
    expect(s.iptables.calls.filter((c) => c.startsWith('listChains'))).toHaveLength(2); // never again
  });

  it('UDP: deletes conntrack entries of removed endpoints and of services that got their first endpoint', async () => {
    const s = await started();
    // the first sync treats every UDP service with endpoints as new (entries from before a restart)
    expect(s.cleared).toEqual([{ origDst: '10.96.0.10' }]);
    s.cleared.length = 0;
    const dnsSlice = (eps: Parameters<typeof slice>[1]) => slice('kube-dns', eps, { ns: 'kube-system', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
    s.proxier.onSlice(goldenSlices()[3], dnsSlice([{ ip: '10.200.0.12', node: 'node-2' }]));
    await s.proxier.nextSync();
    expect(s.cleared).toEqual([{ origDst: '10.96.0.10', dstNat: '10.200.0.11' }]);
    s.cleared.length = 0;
    const udp = svc('game', { clusterIP: '10.96.0.50', type: 'NodePort', ports: [{ name: 'g', port: 7777, protocol: 'UDP', nodePort: 30777 }] });
    s.proxier.onService(undefined, udp);
    await s.proxier.nextSync();
    expect(s.cleared).toEqual([]);
    s.proxier.onSlice(undefined, slice('game', [{ ip: '10.244.1.20' }], { ports: [{ name: 'g', port: 7777, protocol: 'UDP' }] }));
    await s.proxier.nextSync();
    expect(s.cleared).toEqual([{ origDst: '10.96.0.50' }, { origPortDst: 30777 }]);
  });

  it('observes network programming latency from the slice trigger time', async () => {
    const s = await started();
    s.proxier.onSlice(goldenSlices()[0], slice('web', [{ ip: '10.244.1.10' }], { trigger: new Date(Date.now() - 1500).toISOString() }));
    await s.proxier.nextSync();
    const text = await s.registry.getSingleMetricAsString('kubeproxy_network_programming_duration_seconds');
    expect(text).toMatch(/_count 1$/m);
    expect(text).toMatch(/le="1"} 0$/m);
    expect(text).toMatch(/le="2"} 1$/m);
  });
});
