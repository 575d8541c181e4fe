/** PersistentVolumeClaims, PersistentVolumes and StorageClasses as served: defaults, validation, `kubectl get` tables. */
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../../control/api/defaults/index.js';
import type { KubeObject } from '../../../control/api/object.js';
import { findResource } from '../../../control/api/resources.js';
import { validate } from '../../../control/api/validation/index.js';
import { DEFAULT_STORAGE_CLASS } from '../../../control/apiserver/bootstrap.js';
import { toTable } from '../../../control/apiserver/tables/index.js';

const PVC = findResource('', 'v1', 'persistentvolumeclaims')!;
const PV = findResource('', 'v1', 'persistentvolumes')!;
const SC = findResource('storage.k8s.io', 'v1', 'storageclasses')!;
const NOW = new Date('2026-11-26T12:00:00Z');
const created = new Date(NOW.getTime() - 300_000).toISOString();

function cells(info: typeof PVC, obj: KubeObject): Record<string, unknown> {
  const t = toTable(info, [obj], { now: NOW, resourceVersion: '1' });
  return Object.fromEntries(t.columnDefinitions.map((c, i) => [c.name, t.rows[0]!.cells[i]]));
}
function claim(extra: Record<string, unknown> = {}): KubeObject {
  const obj: KubeObject = {
    metadata: { name: 'data-web-0', namespace: 'default', creationTimestamp: created },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...extra },
  };
  applyDefaults(PVC, obj);
  return obj;
}

describe('storage resources', () => {
  it('are served as pvc, pv and sc', () => {
    expect([PVC.shortNames, PVC.namespaced, PV.shortNames, PV.namespaced, SC.shortNames, SC.namespaced]).toEqual([['pvc'], true, ['pv'], false, ['sc'], false]);
  });

  it('a pending claim, then a bound one', () => {
    expect(claim().status).toEqual({ phase: 'Pending' });
    expect(cells(PVC, claim({ storageClassName: 'standard' }))).toEqual({
      Name: 'data-web-0', Status: 'Pending', Volume: '', Capacity: '', 'Access Modes': '', StorageClass: 'standard',
      VolumeAttributesClass: '<unset>', Age: '5m', VolumeMode: 'Filesystem',
    });
    const bound = claim({ storageClassName: 'standard', volumeName: 'pvc-1' });
    bound.status = { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce', 'ReadWriteMany'] };
    expect(cells(PVC, bound)).toMatchObject({ Status: 'Bound', Volume: 'pvc-1', Capacity: '1Gi', 'Access Modes': 'RWO,RWX' });
  });

  it('claims need access modes and storage; their spec is immutable but for resources and a first binding', () => {
    const msgs = (o: KubeObject, old?: KubeObject) => validate(PVC, o, old).map((e) => `${e.field}: ${e.message}`);
    expect(msgs(claim())).toEqual([]);
    expect(msgs(claim({ accessModes: [] }))).toContain('spec.accessModes: Required value: at least 1 access mode is required');
    expect(msgs(claim({ resources: {} }))).toContain('spec.resources[storage]: Required value');
    const old = claim();
    expect(msgs(claim({ volumeName: 'pvc-1', storageClassName: 'standard' }), old)).toEqual([]);
    expect(msgs(claim({ accessModes: ['ReadWriteMany'] }), old)).toEqual([
      'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    ]);
  });

  it('volumes', () => {
    const pv: KubeObject = {
      metadata: { name: 'pvc-1', creationTimestamp: created },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/x' }, storageClassName: 'standard', claimRef: { namespace: 'default', name: 'data-web-0' } },
    };
    applyDefaults(PV, pv);
    expect(validate(PV, pv)).toEqual([]);
    expect(cells(PV, pv)).toEqual({
      Name: 'pvc-1', Capacity: '1Gi', 'Access Modes': 'RWO', 'Reclaim Policy': 'Retain', Status: 'Pending', Claim: 'default/data-web-0',
      StorageClass: 'standard', VolumeAttributesClass: '<unset>', Reason: '', Age: '5m', VolumeMode: 'Filesystem',
    });
  });

  it('the default class', () => {
    const sc = { ...structuredClone(DEFAULT_STORAGE_CLASS), metadata: { ...DEFAULT_STORAGE_CLASS.metadata, creationTimestamp: created } } as KubeObject;
    applyDefaults(SC, sc);
    expect(validate(SC, sc)).toEqual([]);
    expect(cells(SC, sc)).toEqual({
      Name: 'standard (default)', Provisioner: 'tugboat.io/local-path', ReclaimPolicy: 'Delete', VolumeBindingMode: 'WaitForFirstConsumer',
      AllowVolumeExpansion: false, Age: '5m',
    });
    expect(validate(SC, { ...sc, volumeBindingMode: 'Immediate' } as KubeObject, sc).map((e) => e.message)).toEqual(['Forbidden: updates to volumeBindingMode are forbidden.']);
  });
});
