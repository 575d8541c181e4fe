/**
 * The fast path replays stored wire bytes with the ID, RD/CD bits and the case of the name patched.
 * Its replies must equal, byte for byte, what the dns2 slow path produces for the same query.
 */
import { describe, expect, it } from 'vitest';
import { decode, fakeClock, indexOf, query, server, service, slice, type QueryOptions } from './fixtures.js';

const objects = {
  services: [
    service('default', 'getip', { clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
    service('default', 'web', { clusterIP: 'None', ports: [{ name: 'http', port: 80 }] }),
  ],
  slices: [slice('default', 'web-1', 'web', [
    { addresses: ['10.244.1.5'], hostname: 'web-0' }, { addresses: ['10.244.1.6'] },
  ], [{ name: 'http', port: 8080, protocol: 'TCP' }])],
};

const queries: [string, string, QueryOptions][] = [
  ['getip.default.svc.cluster.local', 'A', {}],
  ['GeTiP.DEFAULT.svc.Cluster.Local', 'A', { id: 1 }],
  ['getip.default.svc.cluster.local', 'A', { rd: false }],
  ['getip.default.svc.cluster.local', 'A', { edns: { udpSize: 4096 } }],
  ['getip.default.svc.cluster.local', 'A', { edns: { udpSize: 1232, do: true } }],
  ['getip.default.svc.cluster.local', 'AAAA', {}],
  ['_http._tcp.getip.default.svc.cluster.local', 'SRV', {}],
  ['_HTTP._TCP.Web.default.svc.cluster.local', 'SRV', { id: 65535 }],
  ['web.default.svc.cluster.local', 'A', {}],
  ['50.0.96.10.in-addr.arpa', 'PTR', {}],
  ['nothing.default.svc.cluster.local', 'A', { edns: { udpSize: 512 } }],
  ['dns-version.cluster.local', 'TXT', {}],
];

describe('fast path', () => {
  it.each(queries)('%s %s %j: same bytes as the dns2 slow path', async (name, type, opts) => {
    const clockStart = 1_700_000_000_000;
    // Slow path: a fresh server has nothing cached, so the chain runs and dns2 encodes.
    const slow = server(indexOf(objects), { clock: fakeClock(clockStart) });
    const q = query(name, type as 'A', opts);
    const slowReply = await slow.pipeline.udp(q, '10.0.0.1', 1000);
    expect(slow.cache.misses).toBe(1);

    // Fast path: warm with the same question in another case and ID, then ask again.
    const fast = server(indexOf(objects), { clock: fakeClock(clockStart) });
    const warm = query(name.toUpperCase(), type as 'A', { ...opts, id: 4242, rd: true });
    await fast.pipeline.udp(warm, '10.0.0.1', 1000);
    const fastReply = fast.pipeline.udp(q, '10.0.0.1', 1000);
    expect(Buffer.isBuffer(fastReply)).toBe(true); // answered synchronously, nothing decoded
    expect((fastReply as Buffer).equals(slowReply as Buffer)).toBe(true);
    expect(decode(fastReply as Buffer).id).toBe(opts.id ?? 0x1234);
  });

  it('echoes the client case in the question and keeps RD as asked', () => {
    const s = server(indexOf(objects));
    return (async () => {
      await s.pipeline.udp(query('getip.default.svc.cluster.local', 'A'), '10.0.0.1', 1);
      const r = s.pipeline.udp(query('GETIP.default.SVC.cluster.local', 'A', { rd: false }), '10.0.0.1', 1) as Buffer;
      const d = decode(r);
      expect(d.question.startsWith('GETIP.default.SVC.cluster.local')).toBe(true);
      expect(d.rd).toBe(false);
      expect(d.answer).toContain('10.96.0.50');
    })();
  });
});
