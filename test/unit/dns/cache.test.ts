/**
 * Answer cache behaviour with a fake clock: forwarded answers live for their TTL and count down,
 * negative answers for the SOA-derived TTL (RFC 2308), cluster answers until what they read changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TYPE } from '../../../dataplane/dns/wire.js';
import { ask, decode, fakeClock, indexOf, query, server, service } from './fixtures.js';
import { startUpstream, type TestUpstream } from './upstream.js';

let up: TestUpstream;
beforeAll(async () => {
  up = await startUpstream({ 'example.com': [{ type: TYPE.A, ttl: 300, address: '93.184.216.34' }] });
});
afterAll(async () => { await up.close(); });

describe('forwarded answers', () => {
  it('are cached for their TTL, which counts down, then asked again', async () => {
    const clock = fakeClock();
    const s = server(indexOf({}), { clock, upstreams: [`${up.address}:${up.port}`] });
    try {
      const before = up.asked.get('example.com 1') ?? 0;
      expect(decode(await ask(s, query('example.com', 'A'))).answer).toBe('example.com. 300 IN A 93.184.216.34');
      clock.advance(100_500);
      expect(decode(await ask(s, query('Example.COM', 'A', { id: 9 }))).answer).toBe('example.com. 200 IN A 93.184.216.34');
      expect(up.asked.get('example.com 1')! - before).toBe(1);
      clock.advance(200_000);
      expect(decode(await ask(s, query('example.com', 'A'))).answer).toBe('example.com. 300 IN A 93.184.216.34');
      expect(up.asked.get('example.com 1')! - before).toBe(2);
    } finally {
      await s.stop();
    }
  });

  it('negative answers are cached for min(SOA TTL, SOA MINIMUM)', async () => {
    const clock = fakeClock();
    const s = server(indexOf({}), { clock, upstreams: [`${up.address}:${up.port}`] });
    try {
      const d = decode(await ask(s, query('nx.example', 'A')));
      expect(d.rcode).toBe('NXDOMAIN');
      clock.advance(29_000);
      expect(decode(await ask(s, query('nx.example', 'A'))).rcode).toBe('NXDOMAIN');
      expect(up.asked.get('nx.example 1')).toBe(1);
      clock.advance(2_000); // 31 s > MINIMUM 30
      await ask(s, query('nx.example', 'A'));
      expect(up.asked.get('nx.example 1')).toBe(2);
    } finally {
      await s.stop();
    }
  });

  it('an unreachable upstream gives SERVFAIL, which is not cached', async () => {
    const s = server(indexOf({}), { upstreams: ['127.0.0.1:9'], upstreamTimeoutMs: 100 });
    try {
      expect(decode(await ask(s, query('example.org', 'A'))).rcode).toBe('SERVFAIL');
      expect(s.cache.size).toBe(0);
    } finally {
      await s.stop();
    }
  });
});

describe('cluster answers', () => {
  it('stay cached until a dependency changes, however much time passes', async () => {
    const clock = fakeClock();
    const ix = indexOf({});
    const s = server(ix, { clock });
    expect(decode(await ask(s, query('late.default.svc.cluster.local', 'A'))).rcode).toBe('NXDOMAIN');
    clock.advance(3_600_000);
    expect(decode(await ask(s, query('late.default.svc.cluster.local', 'A'))).rcode).toBe('NXDOMAIN');
    expect(s.cache.hitsDenial).toBe(1);
    s.invalidate(ix.upsertService(service('default', 'late', { clusterIP: '10.96.0.77', ports: [{ port: 80 }] })));
    expect(decode(await ask(s, query('late.default.svc.cluster.local', 'A'))).answer).toBe('late.default.svc.cluster.local. 5 IN A 10.96.0.77');
    s.invalidate(ix.upsertService(service('default', 'late', { clusterIP: '10.96.0.78', ports: [{ port: 80 }] })));
    expect(decode(await ask(s, query('78.0.96.10.in-addr.arpa', 'PTR'))).answer).toBe('78.0.96.10.in-addr.arpa. 5 IN PTR late.default.svc.cluster.local.');
    expect(decode(await ask(s, query('late.default.svc.cluster.local', 'A'))).answer).toBe('late.default.svc.cluster.local. 5 IN A 10.96.0.78');
    s.invalidate(ix.deleteService(service('default', 'late', {})));
    expect(decode(await ask(s, query('late.default.svc.cluster.local', 'A'))).rcode).toBe('NXDOMAIN');
  });

  it('is bounded in size', async () => {
    const s = server(indexOf({}), { cacheMaxEntries: 50 });
    for (let i = 0; i < 200; i++) await ask(s, query(`n${i}.default.svc.cluster.local`, 'A'));
    expect(s.cache.size).toBe(50);
  });
});
