/** The node-local kube-dns EndpointSlice as a value, and the resolv.conf parser. */
import { describe, expect, it } from 'vitest';
import { desiredKubeDnsSlice, sliceMatches } from '../../../dataplane/dns/node-local.js';
import { parseResolvConf } from '../../../dataplane/dns/resolv-conf.js';
import { parseUpstream, parseUpstreamList } from '../../../dataplane/dns/forwarder.js';

describe('kube-dns-<node> EndpointSlice', () => {
  it('says exactly what WAVE2 asks for', () => {
    expect(desiredKubeDnsSlice('tug-a-1', '10.200.0.11', true)).toEqual({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'kube-dns-tug-a-1', namespace: 'kube-system',
        labels: { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'tugboat-dns' },
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.200.0.11'], nodeName: 'tug-a-1', conditions: { ready: true, serving: true, terminating: false } }],
      ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }],
    });
  });

  it('matches a server copy with extra metadata, not one with another address', () => {
    const want = desiredKubeDnsSlice('n', '10.200.0.11', true);
    const server = { ...want, metadata: { ...want.metadata, uid: 'u', resourceVersion: '5', labels: { ...want.metadata.labels, extra: 'x' } } };
    expect(sliceMatches(server, want)).toBe(true);
    expect(sliceMatches(desiredKubeDnsSlice('n', '10.200.0.12', true), want)).toBe(false);
    expect(sliceMatches(desiredKubeDnsSlice('n', '10.200.0.11', false), want)).toBe(false);
  });
});

describe('upstreams', () => {
  it('parses resolv.conf nameservers', () => {
    expect(parseResolvConf('# c\nsearch x\nnameserver 10.0.0.2\nnameserver fe80::1%eth0\nnameserver  bogus\noptions ndots:5\n'))
      .toEqual(['10.0.0.2', 'fe80::1']);
  });

  it('parses ip, ip:port and [v6]:port', () => {
    expect(parseUpstream('10.0.0.2')).toEqual({ host: '10.0.0.2', port: 53 });
    expect(parseUpstream('127.0.0.2:5353')).toEqual({ host: '127.0.0.2', port: 5353 });
    expect(parseUpstream('[fd00::1]:54')).toEqual({ host: 'fd00::1', port: 54 });
    expect(parseUpstream('fd00::1')).toEqual({ host: 'fd00::1', port: 53 });
    expect(() => parseUpstream('dns.google')).toThrow('upstream "dns.google" is not an IP address');
    expect(() => parseUpstream('10.0.0.2:dns')).toThrow('port "dns" is not 1-65535');
    expect(() => parseUpstream('10.0.0.2:70000')).toThrow('port "70000" is not 1-65535');
  });

  it('reads a flag list: repeated and comma-separated, naming the flag and the bad entry', () => {
    expect(parseUpstreamList(['10.0.0.2, 10.0.0.3:5353', '[fd00::1]:54'], '--dns-upstream'))
      .toEqual(['10.0.0.2', '10.0.0.3:5353', '[fd00::1]:54']);
    expect(parseUpstreamList([], '--dns-upstream')).toEqual([]);
    expect(() => parseUpstreamList(['10.0.0.2,resolver'], '--dns-upstream')).toThrow('--dns-upstream: upstream "resolver" is not an IP address');
  });
});
