/** Query-name parsing as pure functions (CoreDNS parse.go's table style). */
import { describe, expect, it } from 'vitest';
import {
  dashedIp, normalizeIp, normalizeName, parseClusterName, parseReverseName, reverseName, splitSearchName,
} from '../../../dataplane/dns/names.js';

const Z = 'cluster.local';

describe('parseClusterName', () => {
  it.each([
    ['cluster.local', { kind: 'apex' }],
    ['dns-version.cluster.local', { kind: 'dns-version' }],
    ['svc.cluster.local', { kind: 'svc-root' }],
    ['default.svc.cluster.local', { kind: 'namespace', namespace: 'default' }],
    ['getip.default.svc.cluster.local', { kind: 'service', namespace: 'default', service: 'getip' }],
    ['web-0.web.default.svc.cluster.local', { kind: 'endpoint', namespace: 'default', service: 'web', endpoint: 'web-0' }],
    ['_http._tcp.web.default.svc.cluster.local', { kind: 'port', namespace: 'default', service: 'web', port: 'http', protocol: 'tcp' }],
    ['http.tcp.web.default.svc.cluster.local', { kind: 'invalid' }],
    ['_._tcp.web.default.svc.cluster.local', { kind: 'invalid' }],
    ['a.b.c.d.e.f.svc.cluster.local', { kind: 'invalid' }],
    ['10-0-0-1.default.pod.cluster.local', { kind: 'invalid' }],
    ['foo.cluster.local', { kind: 'invalid' }],
  ])('%s', (name, want) => {
    expect(parseClusterName(name, Z)).toEqual(want);
  });

  it('is undefined outside the zone, including look-alike suffixes', () => {
    expect(parseClusterName('example.com', Z)).toBeUndefined();
    expect(parseClusterName('xcluster.local', Z)).toBeUndefined();
    expect(parseClusterName('local', Z)).toBeUndefined();
  });

  it('normalizeName lowercases and drops the trailing dot', () => {
    expect(normalizeName('GetIP.Default.SVC.Cluster.Local.')).toBe('getip.default.svc.cluster.local');
  });
});

describe('splitSearchName (autopath)', () => {
  it.each([
    ['google.com.default.svc.cluster.local', { namespace: 'default', prefix: 'google.com' }],
    ['getip.default.svc.cluster.local', { namespace: 'default', prefix: 'getip' }],
    ['default.svc.cluster.local', undefined],
    ['google.com', undefined],
    ['a.b.pod.cluster.local', undefined],
  ])('%s', (name, want) => {
    expect(splitSearchName(name, Z)).toEqual(want);
  });
});

describe('reverse names', () => {
  it.each([
    ['10.96.0.10', '10.0.96.10.in-addr.arpa'],
    ['fd00::a', 'a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa'],
    ['2001:db8::567:89ab', 'b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'],
  ])('%s ⇄ %s', (ip, name) => {
    expect(reverseName(ip)).toBe(name);
    expect(parseReverseName(name)).toBe(normalizeIp(ip));
  });

  it('rejects partial and malformed reverse names', () => {
    for (const n of ['0.96.10.in-addr.arpa', '256.0.96.10.in-addr.arpa', '01.0.96.10.in-addr.arpa', 'x.0.96.10.in-addr.arpa', 'a.b.ip6.arpa', 'example.com']) {
      expect(parseReverseName(n)).toBeUndefined();
    }
  });

  it('normalizes IPs so index keys match', () => {
    expect(normalizeIp('FD00:0:0::000A')).toBe('fd00::a');
    expect(normalizeIp('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(normalizeIp('::ffff:10.1.2.3')).toBe('::ffff:a01:203');
    expect(dashedIp('10.244.1.5')).toBe('10-244-1-5');
    expect(dashedIp('fd00::5')).toBe('fd00--5');
  });
});
