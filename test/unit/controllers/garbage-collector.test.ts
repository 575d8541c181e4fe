import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../control/api/object.js';
import { blocksOwner, planDependent, withoutOwnerRefs, type OwnerState } from '../../../control/controllers/gc-decisions.js';
import { collectedResources } from '../../../control/controllers/garbage-collector.js';

const ref = (uid: string, block = false) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${uid}`, uid, controller: true, blockOwnerDeletion: block });

function item(refs: string[], extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { metadata: { name: 'x', namespace: 'd', uid: 'me', ownerReferences: refs.map((u) => ref(u)), ...extra } };
}

const states = (entries: Record<string, OwnerState>): Map<string, OwnerState> => new Map(Object.entries(entries));

describe('planDependent', () => {
  it('leaves objects without owners alone', () => {
    expect(planDependent(item([]), states({}), false)).toEqual({ action: 'none' });
  });

  it('deletes a dependent whose owners are all gone, in the background', () => {
    expect(planDependent(item(['a', 'b']), states({ a: 'absent', b: 'absent' }), false)).toEqual({ action: 'delete', propagation: 'Background' });
  });

  it('keeps a dependent that still has a live owner, dropping references to gone owners', () => {
    expect(planDependent(item(['a', 'b']), states({ a: 'present', b: 'absent' }), false)).toEqual({ action: 'removeOwnerRefs', uids: ['b'] });
    expect(planDependent(item(['a']), states({ a: 'present' }), false)).toEqual({ action: 'none' });
  });

  it('deletes dependents of a foreground-deleting owner, foreground when they own things themselves', () => {
    expect(planDependent(item(['a']), states({ a: 'deletingForeground' }), false)).toEqual({ action: 'delete', propagation: 'Background' });
    expect(planDependent(item(['a']), states({ a: 'deletingForeground' }), true)).toEqual({ action: 'delete', propagation: 'Foreground' });
  });

  it("honours the dependent's own orphan finalizer", () => {
    expect(planDependent(item(['a'], { finalizers: ['orphan'] }), states({ a: 'absent' }), true)).toEqual({ action: 'delete', propagation: 'Orphan' });
  });

  it('does nothing for a dependent that is already being deleted', () => {
    expect(planDependent(item(['a'], { deletionTimestamp: '2024-01-01T00:00:00Z' }), states({ a: 'absent' }), false)).toEqual({ action: 'none' });
  });
});

describe('owner references', () => {
  it('only references with blockOwnerDeletion block a foreground owner', () => {
    const dep: KubeObject = { metadata: { name: 'p', ownerReferences: [ref('a', true), ref('b', false)] } };
    expect(blocksOwner(dep, 'a')).toBe(true);
    expect(blocksOwner(dep, 'b')).toBe(false);
    expect(withoutOwnerRefs(dep, ['a']).map((r) => r.uid)).toEqual(['b']);
  });

  it('collects every deletable kind the project serves except events', () => {
    const names = collectedResources().map((r) => r.resource);
    for (const r of ['pods', 'replicasets', 'deployments', 'daemonsets', 'jobs', 'endpointslices', 'services', 'configmaps', 'secrets', 'leases', 'nodes']) {
      expect(names).toContain(r);
    }
    expect(names).not.toContain('events');
  });
});
