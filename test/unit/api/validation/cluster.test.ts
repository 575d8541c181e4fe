import { describe, expect, it } from 'vitest';
import { check } from './helpers.js';

describe('Namespace, Node, Event, Endpoints, EndpointSlice, NetworkPolicy, HPA', () => {
  it('namespace finalizers', () => {
    expect(check('', 'namespaces', { metadata: { name: 'team' } })).toEqual([]);
    expect(check('', 'namespaces', { metadata: { name: 'team' }, spec: { finalizers: ['custom'] } }))
      .toEqual(['spec.finalizers: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified']);
  });

  it.each([
    [{ podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] }, []],
    [{ podCIDRs: ['10.244.1.0/33'] }, ['spec.podCIDRs[0]: Invalid value: "10.244.1.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)']],
    [{ taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] }, []],
    [{ taints: [{ key: 'k', effect: 'Never' }] }, ['spec.taints[0].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"']],
    [{ taints: [{ key: 'k' }] }, ['spec.taints[0].effect: Required value']],
  ])('node spec %j', (spec, want) => {
    expect(check('', 'nodes', { metadata: { name: 'node-1' }, spec })).toEqual(want);
  });

  it('node podCIDR only goes from empty to set', () => {
    const old = { metadata: { name: 'node-1' }, spec: {} };
    const assigned = { metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] } };
    expect(check('', 'nodes', assigned, old)).toEqual([]);
    expect(check('', 'nodes', { metadata: { name: 'node-1' }, spec: { podCIDR: '10.244.2.0/24', podCIDRs: ['10.244.2.0/24'] } }, assigned))
      .toEqual(['spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid']);
  });

  it('event namespace must match its object', () => {
    expect(check('', 'events', { metadata: { name: 'web.1', namespace: 'default' }, involvedObject: { kind: 'Pod', namespace: 'default', name: 'web' } })).toEqual([]);
    expect(check('', 'events', { metadata: { name: 'web.1', namespace: 'default' }, involvedObject: { kind: 'Pod', namespace: 'other', name: 'web' } }))
      .toEqual(['involvedObject.namespace: Invalid value: "other": does not match event.namespace']);
  });

  it('endpoints and endpoint slices', () => {
    expect(check('', 'endpoints', { metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.244.1.5' }], ports: [{ port: 80 }] }] })).toEqual([]);
    expect(check('', 'endpoints', { metadata: { name: 'web', namespace: 'default' }, subsets: [{ addresses: [{ ip: 'pod-a' }], ports: [{ port: 80 }, { port: 81 }] }] }))
      .toEqual(['subsets[0].addresses[0].ip: Invalid value: "pod-a": must be a valid IP address', 'subsets[0].ports[0].name: Required value', 'subsets[0].ports[1].name: Required value']);
    const slice = { metadata: { name: 'web-x', namespace: 'default' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.244.1.5'] }], ports: [{ port: 80 }] };
    expect(check('discovery.k8s.io', 'endpointslices', slice)).toEqual([]);
    expect(check('discovery.k8s.io', 'endpointslices', { ...slice, addressType: 'IPv5', endpoints: [{ addresses: [] }] }))
      .toEqual(['addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"', 'endpoints[0].addresses: Required value: must contain at least 1 address']);
    expect(check('discovery.k8s.io', 'endpointslices', { ...slice, addressType: 'IPv6', endpoints: [] }, slice))
      .toEqual(['addressType: Invalid value: "IPv6": field is immutable']);
  });

  it('network policy and HPA', () => {
    expect(check('networking.k8s.io', 'networkpolicies', { metadata: { name: 'deny', namespace: 'default' }, spec: { podSelector: {}, policyTypes: ['Sideways'] } }))
      .toEqual(['spec.policyTypes[0]: Unsupported value: "Sideways": supported values: "Egress", "Ingress"']);
    const hpa = (spec: Record<string, unknown>) => ({ metadata: { name: 'web', namespace: 'default' }, spec });
    expect(check('autoscaling', 'horizontalpodautoscalers', hpa({ scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, maxReplicas: 5 }))).toEqual([]);
    expect(check('autoscaling', 'horizontalpodautoscalers', hpa({ minReplicas: 4, maxReplicas: 2 })))
      .toEqual(['spec.scaleTargetRef.kind: Required value', 'spec.scaleTargetRef.name: Required value', 'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`']);
  });
});
