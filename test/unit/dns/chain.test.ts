/**
 * Behaviour across handlers: autopath (one round trip for a search-path expansion), ExternalName
 * CNAME chasing, truncation for UDP with TCP carrying the full answer, and malformed input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildQuery, TYPE } from '../../../dataplane/dns/wire.js';
import { ask, decode, indexOf, pod, query, server, service, slice } from './fixtures.js';
import { startUpstream, type TestUpstream } from './upstream.js';

let up: TestUpstream;
beforeAll(async () => {
  up = await startUpstream({
    'google.com': [{ type: TYPE.A, ttl: 60, address: '142.250.0.1' }],
    'example.com': [{ type: TYPE.A, ttl: 300, address: '93.184.216.34' }],
  });
});
afterAll(async () => { await up.close(); });

const many = Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.244.5.${i + 1}`], conditions: { ready: true } }));
const objects = {
  services: [
    service('default', 'getip', { clusterIP: '10.96.0.50', ports: [{ port: 80 }] }),
    service('default', 'ext', { type: 'ExternalName', externalName: 'example.com' }),
    service('default', 'big', { clusterIP: 'None' }),
    service('other', 'x', { clusterIP: '10.96.0.51', ports: [{ port: 80 }] }),
  ],
  slices: [slice('default', 'big-1', 'big', many)],
  pods: [pod('default', 'client', '10.244.1.99'), pod('other', 'client', '10.244.2.99')],
};

describe('autopath', () => {
  const mk = () => server(indexOf(objects), { upstreams: [`${up.address}:${up.port}`] });

  it('answers an external name expanded with the client\'s namespace in one round trip', async () => {
    const s = mk();
    try {
      const d = decode(await ask(s, query('google.com.default.svc.cluster.local', 'A'), '10.244.1.99'));
      expect(d.rcode).toBe('NOERROR');
      expect(d.answer).toBe([
        'google.com. 60 IN A 142.250.0.1',
        'google.com.default.svc.cluster.local. 5 IN CNAME google.com.',
      ].join('\n'));
      // the second time from the answer cache, synchronously
      const again = s.pipeline.udp(query('google.com.default.svc.cluster.local', 'A', { id: 2 }), '10.244.1.99', 5);
      expect(Buffer.isBuffer(again)).toBe(true);
      expect(decode(again as Buffer).answer).toContain('CNAME google.com.');
    } finally { await s.stop(); }
  });

  it('finds a service in another namespace (`getip.default` asked from namespace other)', async () => {
    const s = mk();
    try {
      const d = decode(await ask(s, query('getip.default.other.svc.cluster.local', 'A'), '10.244.2.99'));
      expect(d.answer).toBe([
        'getip.default.other.svc.cluster.local. 5 IN CNAME getip.default.svc.cluster.local.',
        'getip.default.svc.cluster.local. 5 IN A 10.96.0.50',
      ].join('\n'));
    } finally { await s.stop(); }
  });

  it('does not apply to clients outside the namespace, nor to unknown clients, before or after', async () => {
    const s = mk();
    try {
      const q = query('google.com.default.svc.cluster.local', 'A');
      expect(decode(await ask(s, q, '10.244.2.99')).rcode).toBe('NXDOMAIN');
      expect(decode(await ask(s, q, '10.9.9.9')).rcode).toBe('NXDOMAIN');
      expect(decode(await ask(s, q, '10.244.1.99')).answer).toContain('CNAME google.com.');
      expect(decode(await ask(s, q, '10.244.2.99')).rcode).toBe('NXDOMAIN');
      expect(decode(await ask(s, q, '10.244.1.99')).answer).toContain('CNAME google.com.');
    } finally { await s.stop(); }
  });

  it('short names of another namespace still fail (NXDOMAIN) when nothing matches anywhere', async () => {
    const s = mk();
    try {
      expect(decode(await ask(s, query('getip.other.svc.cluster.local', 'A'), '10.244.2.99')).rcode).toBe('NXDOMAIN');
    } finally { await s.stop(); }
  });
});

describe('short names without the zone (clients that skip the search list)', () => {
  it('answers `<svc>.<ns>` with a CNAME to the cluster name; other names are forwarded until such a Service exists', async () => {
    const ix = indexOf(objects);
    const s = server(ix, { upstreams: [`${up.address}:${up.port}`] });
    try {
      expect(decode(await ask(s, query('getip.default', 'A'))).answer).toBe([
        'getip.default. 5 IN CNAME getip.default.svc.cluster.local.',
        'getip.default.svc.cluster.local. 5 IN A 10.96.0.50',
      ].join('\n'));
      expect(decode(await ask(s, query('getip.default.svc', 'A'))).answer).toContain('IN A 10.96.0.50');
      expect(decode(await ask(s, query('later.default', 'A'))).rcode).toBe('NXDOMAIN'); // forwarded, cached
      expect(up.asked.get('later.default 1')).toBe(1);
      s.invalidate(ix.upsertService(service('default', 'later', { clusterIP: '10.96.0.88', ports: [{ port: 80 }] })));
      expect(decode(await ask(s, query('later.default', 'A'))).answer).toContain('IN A 10.96.0.88');
    } finally { await s.stop(); }
  });
});

describe('ExternalName', () => {
  it('answers A with the CNAME and the target\'s records (chased through the chain)', async () => {
    const s = server(indexOf(objects), { upstreams: [`${up.address}:${up.port}`] });
    try {
      const d = decode(await ask(s, query('ext.default.svc.cluster.local', 'A')));
      expect(d.answer).toBe(['example.com. 300 IN A 93.184.216.34', 'ext.default.svc.cluster.local. 5 IN CNAME example.com.'].join('\n'));
    } finally { await s.stop(); }
  });
});

describe('truncation', () => {
  it('a 60-endpoint headless answer is TC over classic UDP, fits with EDNS 4096, and is whole over TCP', async () => {
    const s = server(indexOf(objects));
    const plain = await ask(s, query('big.default.svc.cluster.local', 'A'));
    expect(plain.length).toBeLessThanOrEqual(512);
    const d = decode(plain);
    expect(d.tc).toBe(true);
    expect(d.answer).toBe('');
    const viaEdns = decode(await ask(s, query('big.default.svc.cluster.local', 'A', { edns: { udpSize: 4096 } })));
    expect(viaEdns.tc).toBe(false);
    expect(viaEdns.answer.split('\n')).toHaveLength(60);
    const viaTcp = decode((await s.pipeline.tcp(query('big.default.svc.cluster.local', 'A'), '10.0.0.1', 1))!);
    expect(viaTcp.tc).toBe(false);
    expect(viaTcp.answer.split('\n')).toHaveLength(60);
    // the cached (fast path) reply is truncated the same way
    const again = s.pipeline.udp(query('big.default.svc.cluster.local', 'A', { id: 77 }), '10.0.0.1', 1) as Buffer;
    expect(Buffer.isBuffer(again) && again.length <= 512 && decode(again).tc).toBe(true);
  });
});

describe('malformed input', () => {
  const s = server(indexOf(objects));
  const rcode = async (msg: Buffer): Promise<string | undefined> => {
    const r = await s.pipeline.udp(msg, '10.0.0.1', 1);
    return r ? decode(r).rcode : undefined;
  };

  it('drops what has no header or is a response', async () => {
    expect(await rcode(Buffer.from([1, 2, 3]))).toBeUndefined();
    const resp = query('getip.default.svc.cluster.local', 'A');
    resp[2] = resp[2]! | 0x80;
    expect(await rcode(resp)).toBeUndefined();
  });

  it('FORMERR for a missing or truncated question, NOTIMP for other opcodes, BADVERS for EDNS > 0', async () => {
    const header = Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(await rcode(header)).toBe('FORMERR');
    const q = query('getip.default.svc.cluster.local', 'A');
    expect(await rcode(q.subarray(0, 20))).toBe('FORMERR');
    const noQuestions = Buffer.from(header);
    noQuestions[5] = 0;
    expect(await rcode(noQuestions)).toBe('FORMERR');
    const update = Buffer.from(q);
    update[2] = (5 << 3) | 1;
    expect(await rcode(update)).toBe('NOTIMP');
    const v1 = buildQuery(1, 'getip.default.svc.cluster.local', TYPE.A, { udpSize: 1232, version: 0, do: false });
    v1[v1.length - 5] = 1; // EDNS version byte of the OPT TTL
    const r = await s.pipeline.udp(v1, '10.0.0.1', 1);
    expect(r!.readUInt16BE(r!.length - 6)).toBe(0x0100); // OPT: extended RCODE 1 (BADVERS = 16), version 0
    expect(r![3]! & 0x0f).toBe(0);
  });
});
