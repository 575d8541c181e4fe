/**
 * The cluster zone against the Kubernetes DNS specification 1.1.0, as a table whose expected
 * answers are zone-file text (CoreDNS handler_test.go style). Every query runs through the real
 * pipeline and handler chain; the reply bytes are decoded with dns2.
 */
import { describe, expect, it } from 'vitest';
import { TYPE } from '../../../dataplane/dns/wire.js';
import { ask, decode, fakeClock, indexOf, pod, query, server, service, slice, zone } from './fixtures.js';

const SOA = 'cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1700000000 7200 1800 86400 5';

const objects = {
  services: [
    service('default', 'getip', { type: 'ClusterIP', clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] }),
    service('default', 'v6', { clusterIP: 'fd00::a', clusterIPs: ['fd00::a'], ports: [{ port: 80 }] }),
    service('default', 'dual', { clusterIP: '10.96.0.60', clusterIPs: ['10.96.0.60', 'fd00::60'], ports: [{ port: 80 }] }),
    service('default', 'web', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] }),
    service('default', 'empty', { clusterIP: 'None', selector: { app: 'none' } }),
    service('default', 'pnra', { clusterIP: 'None', publishNotReadyAddresses: true }),
    service('default', 'ext', { type: 'ExternalName', externalName: 'example.com' }),
    service('kube-system', 'kube-dns', { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }),
  ],
  slices: [
    slice('default', 'web-abc', 'web', [
      { addresses: ['10.244.1.5'], hostname: 'web-0', conditions: { ready: true } },
      { addresses: ['10.244.1.6'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'web-x', namespace: 'default' } },
      { addresses: ['10.244.2.7'], conditions: { ready: false } },
    ], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
    slice('default', 'web-v6', 'web', [{ addresses: ['fd00:244::5'], hostname: 'web-0', conditions: { ready: true } }], [{ name: 'http', port: 8080, protocol: 'TCP' }], 'IPv6'),
    slice('default', 'empty-1', 'empty', [{ addresses: ['10.244.1.9'], conditions: { ready: false } }]),
    slice('default', 'pnra-1', 'pnra', [{ addresses: ['10.244.3.3'], conditions: { ready: false } }]),
  ],
  pods: [pod('default', 'web-x', '10.244.1.6', { hostname: 'custom', subdomain: 'web' })],
};

interface Case {
  q: string;
  type: keyof typeof TYPE;
  rcode?: string;
  answer?: string;
  authority?: string;
  additional?: string;
}

const cases: Case[] = [
  // 2: A for a ClusterIP service (case-insensitive, trailing dot optional)
  { q: 'getip.default.svc.cluster.local', type: 'A', answer: 'getip.default.svc.cluster.local. 5 IN A 10.96.0.50' },
  { q: 'GetIP.Default.SVC.cluster.local.', type: 'A', answer: 'getip.default.svc.cluster.local. 5 IN A 10.96.0.50' },
  // the name exists but has no AAAA: NODATA with the SOA
  { q: 'getip.default.svc.cluster.local', type: 'AAAA', authority: SOA },
  { q: 'v6.default.svc.cluster.local', type: 'AAAA', answer: 'v6.default.svc.cluster.local. 5 IN AAAA fd00::a' },
  { q: 'dual.default.svc.cluster.local', type: 'AAAA', answer: 'dual.default.svc.cluster.local. 5 IN AAAA fd00::60' },
  { q: 'dual.default.svc.cluster.local', type: 'A', answer: 'dual.default.svc.cluster.local. 5 IN A 10.96.0.60' },
  // 3: SRV for named ports, additional A records
  {
    q: '_http._tcp.getip.default.svc.cluster.local', type: 'SRV',
    answer: '_http._tcp.getip.default.svc.cluster.local. 5 IN SRV 0 100 80 getip.default.svc.cluster.local.',
    additional: 'getip.default.svc.cluster.local. 5 IN A 10.96.0.50',
  },
  { q: '_dns._udp.kube-dns.kube-system.svc.cluster.local', type: 'SRV',
    answer: '_dns._udp.kube-dns.kube-system.svc.cluster.local. 5 IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local.',
    additional: 'kube-dns.kube-system.svc.cluster.local. 5 IN A 10.96.0.10' },
  { q: '_http._udp.getip.default.svc.cluster.local', type: 'SRV', rcode: 'NXDOMAIN', authority: SOA },
  { q: '_80._tcp.v6.default.svc.cluster.local', type: 'SRV', rcode: 'NXDOMAIN', authority: SOA },
  // 5: headless → ready endpoints only
  { q: 'web.default.svc.cluster.local', type: 'A', answer: `
      web.default.svc.cluster.local. 5 IN A 10.244.1.5
      web.default.svc.cluster.local. 5 IN A 10.244.1.6` },
  { q: 'web.default.svc.cluster.local', type: 'AAAA', answer: 'web.default.svc.cluster.local. 5 IN AAAA fd00:244::5' },
  { q: 'empty.default.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: SOA },
  { q: 'pnra.default.svc.cluster.local', type: 'A', answer: 'pnra.default.svc.cluster.local. 5 IN A 10.244.3.3' },
  // 6: endpoint hostnames: the hostname field, the pod's hostname+subdomain, else the dashed IP
  { q: 'web-0.web.default.svc.cluster.local', type: 'A', answer: 'web-0.web.default.svc.cluster.local. 5 IN A 10.244.1.5' },
  { q: 'web-0.web.default.svc.cluster.local', type: 'AAAA', answer: 'web-0.web.default.svc.cluster.local. 5 IN AAAA fd00:244::5' },
  { q: 'custom.web.default.svc.cluster.local', type: 'A', answer: 'custom.web.default.svc.cluster.local. 5 IN A 10.244.1.6' },
  { q: '10-244-2-7.web.default.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: SOA },
  { q: '10-244-3-3.pnra.default.svc.cluster.local', type: 'A', answer: '10-244-3-3.pnra.default.svc.cluster.local. 5 IN A 10.244.3.3' },
  { q: 'web-0.getip.default.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: SOA },
  // 7: headless SRV: one per ready endpoint × named port, targets are endpoint names
  {
    q: '_http._tcp.web.default.svc.cluster.local', type: 'SRV',
    answer: `
      _http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 50 8080 web-0.web.default.svc.cluster.local.
      _http._tcp.web.default.svc.cluster.local. 5 IN SRV 0 50 8080 custom.web.default.svc.cluster.local.`,
    additional: `
      web-0.web.default.svc.cluster.local. 5 IN A 10.244.1.5
      web-0.web.default.svc.cluster.local. 5 IN AAAA fd00:244::5
      custom.web.default.svc.cluster.local. 5 IN A 10.244.1.6`,
  },
  // 4 and 8: PTR for service and endpoint IPs, in-addr.arpa and ip6.arpa
  { q: '50.0.96.10.in-addr.arpa', type: 'PTR', answer: '50.0.96.10.in-addr.arpa. 5 IN PTR getip.default.svc.cluster.local.' },
  { q: '5.1.244.10.in-addr.arpa', type: 'PTR', answer: '5.1.244.10.in-addr.arpa. 5 IN PTR web-0.web.default.svc.cluster.local.' },
  { q: 'a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa', type: 'PTR',
    answer: 'a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa. 5 IN PTR v6.default.svc.cluster.local.' },
  // 9: ExternalName → CNAME
  { q: 'ext.default.svc.cluster.local', type: 'CNAME', answer: 'ext.default.svc.cluster.local. 5 IN CNAME example.com.' },
  // 1: the schema version
  { q: 'dns-version.cluster.local', type: 'TXT', answer: 'dns-version.cluster.local. 5 IN TXT "1.1.0"' },
  // names that do not exist: NXDOMAIN with the SOA; empty non-terminals: NODATA
  { q: 'nope.default.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: SOA },
  { q: 'default.svc.cluster.local', type: 'A', authority: SOA },
  { q: 'svc.cluster.local', type: 'A', authority: SOA },
  { q: 'nons.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: SOA },
  { q: 'a.b.c.d.e.svc.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: SOA },
  { q: '10-244-1-5.default.pod.cluster.local', type: 'A', rcode: 'NXDOMAIN', authority: SOA },
  { q: 'cluster.local', type: 'SOA', answer: SOA },
];

describe('cluster zone (spec 1.1.0)', () => {
  const s = server(indexOf(objects), { clock: fakeClock() });
  it.each(cases)('$q $type', async (c) => {
    const d = decode(await ask(s, query(c.q, c.type)));
    expect(d.rcode).toBe(c.rcode ?? 'NOERROR');
    expect(d.aa).toBe(true);
    expect(d.answer).toBe(zone(c.answer ?? ''));
    expect(d.authority).toBe(zone(c.authority ?? ''));
    expect(d.additional).toBe(zone(c.additional ?? ''));
  });

  it('answers the same again from the answer cache (fast path)', async () => {
    for (const c of cases) {
      const d = decode(await ask(s, query(c.q, c.type, { id: 7 })));
      expect(d.id).toBe(7);
      expect(d.answer).toBe(zone(c.answer ?? ''));
    }
    expect(s.cache.hitsSuccess + s.cache.hitsDenial).toBeGreaterThanOrEqual(cases.length);
  });
});

describe('before the informers have synced', () => {
  it('answers SERVFAIL, not NXDOMAIN, for cluster names and cluster reverse names, and caches nothing', async () => {
    const s = server(indexOf(objects, false));
    for (const [q, t] of [['getip.default.svc.cluster.local', 'A'], ['nope.default.svc.cluster.local', 'A'], ['50.0.96.10.in-addr.arpa', 'PTR']] as const) {
      expect(decode(await ask(s, query(q, t))).rcode).toBe('SERVFAIL');
    }
    expect(s.cache.size).toBe(0);
  });
});
