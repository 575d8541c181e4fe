/** Local-path storage decisions: default class, consumer node, the provisioned volume, claim mounts, volume node affinity, StatefulSet claims. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consumerNode, defaultClassName, localVolumeFor, reclaimablePath, type Claim } from '../../../control/controllers/local-path-provisioner.js';
import { claimsForOrdinal, statefulPodTemplate, type StatefulSet } from '../../../control/controllers/statefulset-plan.js';
import type { Pod } from '../../../control/controllers/workload-types.js';
import { volumeBinding } from '../../../control/scheduler/volume-binding.js';
import { claimHostPath } from '../../../dataplane/kubelet/volumes.js';

const claim: Claim = {
  metadata: { name: 'data-web-0', namespace: 'default', uid: 'u1' },
  spec: { storageClassName: 'standard', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
};

describe('local-path provisioner decisions', () => {
  it('picks the newest default class', () => {
    const cls = (name: string, def: boolean, t: string) => ({ metadata: { name, creationTimestamp: t, annotations: def ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {} } });
    expect(defaultClassName([cls('a', true, '2026-01-01T00:00:00Z'), cls('b', true, '2026-02-01T00:00:00Z'), cls('c', false, '2026-03-01T00:00:00Z')])).toBe('b');
    expect(defaultClassName([cls('c', false, '2026-03-01T00:00:00Z')])).toBeUndefined();
  });

  it('waits for a scheduled pod that mounts the claim', () => {
    const pod = (nodeName?: string, claimName = 'data-web-0'): Pod => ({
      metadata: { name: 'web-0', namespace: 'default' }, spec: { nodeName, volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
    });
    expect(consumerNode(claim, [pod(undefined)])).toBeUndefined();
    expect(consumerNode(claim, [pod('n1', 'other')])).toBeUndefined();
    expect(consumerNode(claim, [pod('n1')])).toBe('n1');
  });

  it('provisions a hostPath volume pinned to the node and pre-bound to the claim', () => {
    const pv = localVolumeFor(claim, { metadata: { name: 'standard' }, reclaimPolicy: 'Delete' }, 'n1', 'n1-host', '/state/local-path');
    expect(pv).toMatchObject({
      metadata: { name: 'pvc-u1' },
      spec: {
        capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'standard',
        hostPath: { path: '/state/local-path/pvc-u1_default_data-web-0', type: 'DirectoryOrCreate' },
        claimRef: { namespace: 'default', name: 'data-web-0', uid: 'u1' },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1-host'] }] }] } },
      },
    });
  });
});

describe('kubelet: persistentVolumeClaim volumes', () => {
  const v = { name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } };
  it('reclaims only the directory it made for exactly that claim', () => {
    const root = '/var/lib/tugboat/local/local-path';
    const claimRef = { namespace: 'db', name: 'data-web-0', uid: 'u1' };
    const own = join(root, 'pvc-u1_db_data-web-0');
    const volume = (name: string, path: string) => ({ metadata: { name }, spec: { claimRef, hostPath: { path } } }) as never;
    expect(reclaimablePath(volume('pvc-u1', own), root)).toBe(own);
    for (const path of [root, `${root}-other/x`, join(root, '..'), `${root}/../etc`, join(root, 'pvc-u2_db_data-web-0')]) {
      expect(reclaimablePath(volume('pvc-u1', path), root), path).toBeUndefined();
    }
    expect(reclaimablePath(volume('handmade', own), root)).toBeUndefined();
  });

  it('mount the bound volume hostPath, creating it', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tug-pvc-')), 'pvc-u1');
    expect(claimHostPath(v, 'default', { claim: { spec: { volumeName: 'pvc-u1' }, status: { phase: 'Bound' } }, volume: { spec: { hostPath: { path: dir } } } })).toBe(dir);
  });
  it('refuse unbound or missing claims with upstream wording', () => {
    expect(() => claimHostPath(v, 'default', {})).toThrow('persistentvolumeclaim "data-web-0" not found');
    expect(() => claimHostPath(v, 'default', { claim: { status: { phase: 'Pending' } } })).toThrow(
      'PVC default/data-web-0 has non-bound phase ("Pending") or empty pvc.Spec.VolumeName ("")');
  });
});

describe('scheduler: volume node affinity', () => {
  const node = (name: string) => ({ node: { metadata: { name, labels: { 'kubernetes.io/hostname': name } } } }) as never;
  const pod = { metadata: { name: 'web-0', namespace: 'default' }, spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } }] } };
  const pinned = { spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In' as const, values: ['n1'] }] }] } } } };
  it('pins a pod with a bound local claim to the volume node; unbound claims fit anywhere', () => {
    const bound = volumeBinding({ boundVolume: () => pinned });
    expect(bound.filter(pod, node('n1'))).toEqual([]);
    expect(bound.filter(pod, node('n2'))).toEqual(['node(s) had volume node affinity conflict']);
    expect(volumeBinding({ boundVolume: () => undefined }).filter(pod, node('n2'))).toEqual([]);
    // bound to a volume this scheduler has not seen yet: wait, do not land anywhere
    expect(volumeBinding({ boundVolume: () => 'unknown' }).filter(pod, node('n1'))).toEqual(['pod has a PersistentVolumeClaim bound to a PersistentVolume not known yet']);
  });
});

describe('StatefulSet claims', () => {
  const set: StatefulSet = {
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      serviceName: 'web', selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c' }], volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'x' } }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };
  it('one claim per template named <template>-<set>-<ordinal>, mounted in place of a same-name template volume', () => {
    expect(claimsForOrdinal(set, 1)).toEqual([{
      apiVersion: 'v1', kind: 'PersistentVolumeClaim',
      metadata: { name: 'data-web-1', namespace: 'default', labels: { app: 'web' } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    }]);
    expect(statefulPodTemplate(set, 1, 'web-x').spec?.volumes).toEqual([
      { name: 'cfg', configMap: { name: 'x' } }, { name: 'data', persistentVolumeClaim: { claimName: 'data-web-1' } },
    ]);
  });
});
