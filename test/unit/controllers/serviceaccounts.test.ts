/** The pure decisions of the ServiceAccounts controller and the root CA publisher. */
import { describe, expect, it } from 'vitest';
import { missingServiceAccounts, namespaceIsActive } from '../../../control/controllers/serviceaccounts.js';
import { desiredRootCAConfigMap, rootCAConfigMapUpdate } from '../../../control/controllers/root-ca-publisher.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('ServiceAccounts controller', () => {
  it('wants `default` in every active namespace, nothing in terminating or missing ones', () => {
    const ns = { metadata: { name: 'team' } };
    expect(missingServiceAccounts(ns, () => false)).toEqual(['default']);
    expect(missingServiceAccounts(ns, (n) => n === 'default')).toEqual([]);
    expect(missingServiceAccounts({ metadata: { name: 'team', deletionTimestamp: '2025-01-01T00:00:00Z' } }, () => false)).toEqual([]);
    expect(missingServiceAccounts({ metadata: { name: 'team' }, status: { phase: 'Terminating' } }, () => false)).toEqual([]);
    expect(missingServiceAccounts(undefined, () => false)).toEqual([]);
    expect(namespaceIsActive(ns)).toBe(true);
  });
});

describe('root CA publisher', () => {
  it('publishes kube-root-ca.crt with ca.crt and upstream\'s description', () => {
    expect(desiredRootCAConfigMap('team', CA)).toEqual({
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'kube-root-ca.crt', namespace: 'team', annotations: { 'kubernetes.io/description': expect.stringContaining('kubernetes.default.svc') } },
      data: { 'ca.crt': CA },
    });
  });

  it('leaves a correct copy alone and restores an edited one (extra keys removed, other annotations kept)', () => {
    const good = desiredRootCAConfigMap('team', CA);
    expect(rootCAConfigMapUpdate({ ...good, metadata: { ...good.metadata, resourceVersion: '5' } }, CA)).toBeUndefined();
    const edited = { ...good, metadata: { ...good.metadata, annotations: { mine: 'x' }, resourceVersion: '5' }, data: { 'ca.crt': 'bogus', extra: '1' } };
    const next = rootCAConfigMapUpdate(edited, CA)!;
    expect(next.data).toEqual({ 'ca.crt': CA });
    expect(next.metadata.annotations).toEqual({ mine: 'x', 'kubernetes.io/description': good.metadata.annotations!['kubernetes.io/description'] });
    expect(next.metadata.resourceVersion).toBe('5');
  });
});
