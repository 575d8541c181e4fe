/** apps/v1 StatefulSet as served: upstream defaults, validation messages, the `kubectl get sts` table. */
import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../../control/api/defaults/index.js';
import type { KubeObject } from '../../../control/api/object.js';
import { findResource } from '../../../control/api/resources.js';
import { validate } from '../../../control/api/validation/index.js';
import { toTable } from '../../../control/apiserver/tables/index.js';

const STS = findResource('apps', 'v1', 'statefulsets')!;
const NOW = new Date('2026-11-26T12:00:00Z');

function sts(spec: Record<string, unknown> = {}): KubeObject {
  const obj: KubeObject = {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'default' },
    spec: {
      serviceName: 'web', selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } },
      ...spec,
    },
  };
  applyDefaults(STS, obj);
  return obj;
}
const messages = (obj: KubeObject, old?: KubeObject) => validate(STS, obj, old).map((e) => `${e.field}: ${e.message}`);

describe('StatefulSet resource', () => {
  it('is served as sts in the all category with status and scale', () => {
    expect(STS).toMatchObject({ kind: 'StatefulSet', shortNames: ['sts'], categories: ['all'] });
    expect(STS.subresources.map((s) => s.name).sort()).toEqual(['scale', 'status']);
  });

  it('gets upstream defaults', () => {
    const spec = sts().spec as Record<string, unknown>;
    expect(spec).toMatchObject({
      replicas: 1, podManagementPolicy: 'OrderedReady', revisionHistoryLimit: 10,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      template: { spec: { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' } },
    });
    expect(sts({ updateStrategy: { type: 'OnDelete' } }).spec).toMatchObject({ updateStrategy: { type: 'OnDelete' } });
    expect((sts({ updateStrategy: { type: 'OnDelete' } }).spec as { updateStrategy: object }).updateStrategy).not.toHaveProperty('rollingUpdate');
  });

  it('validates like kube-apiserver', () => {
    expect(messages(sts())).toEqual([]);
    expect(messages(sts({ replicas: -1 }))).toContain('spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    expect(messages(sts({ podManagementPolicy: 'Random' }))).toContain("spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'");
    expect(messages(sts({ selector: { matchLabels: { app: 'other' } } }))).toContain(
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`');
    expect(messages(sts({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -2 } } }))).toContain(
      'spec.updateStrategy.rollingUpdate.partition: Invalid value: -2: must be greater than or equal to 0');
    expect(messages(sts({ serviceName: 'Bad_Name' }))[0]).toMatch(/^spec\.serviceName: Invalid value: "Bad_Name": a DNS-1035 label/);
  });

  it('only replicas, ordinals, template, updateStrategy, pvc retention and minReadySeconds may change', () => {
    const old = sts();
    const scaled = sts({ replicas: 5, minReadySeconds: 3, updateStrategy: { type: 'OnDelete' } });
    expect(messages(scaled, old)).toEqual([]);
    expect(messages(sts({ serviceName: 'other' }), old)).toEqual([
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
    expect(messages(sts({ podManagementPolicy: 'Parallel' }), old)).toHaveLength(1);
  });

  it('prints NAME READY AGE (+ CONTAINERS IMAGES wide)', () => {
    const obj = sts({ replicas: 3 });
    obj.metadata.creationTimestamp = new Date(NOW.getTime() - 120_000).toISOString();
    obj.status = { replicas: 3, readyReplicas: 2 };
    const table = toTable(STS, [obj], { now: NOW, resourceVersion: '1' });
    expect(table.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([['Name', 0], ['Ready', 0], ['Age', 0], ['Containers', 1], ['Images', 1]]);
    expect(table.rows[0]!.cells).toEqual(['web', '2/3', '2m', 'nginx', 'nginx:1.27']);
  });
});

describe('StatefulSet volumeClaimTemplates', () => {
  it('may be mounted by name from the template', () => {
    const obj = sts({
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    });
    expect(messages(obj)).toEqual([]);
    delete (obj.spec as Record<string, unknown>).volumeClaimTemplates;
    expect(messages(obj)).toEqual(['spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"']);
  });
});
