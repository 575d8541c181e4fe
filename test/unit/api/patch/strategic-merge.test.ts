import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../control/api/errors.js';
import { applyStrategicMergePatch, hasStrategicMergeSchema } from '../../../../control/api/patch/index.js';
import { allKeys, deepFreeze } from './freeze.js';

const DEPLOYMENT = { group: 'apps', kind: 'Deployment' };
const POD = { group: '', kind: 'Pod' };
const SERVICE = { group: '', kind: 'Service' };
const NODE = { group: '', kind: 'Node' };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const deployment = (): Json => deepFreeze({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: {
    name: 'web', namespace: 'default', labels: { app: 'web' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"old":true}\n', other: 'keep' },
    finalizers: ['a', 'b'],
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: 'web' }, annotations: { note: 'x' } },
      spec: {
        containers: [
          {
            name: 'nginx', image: 'nginx:1.25',
            ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443, protocol: 'TCP' }],
            env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
            args: ['--one', '--two'],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
          { name: 'sidecar', image: 'busybox' },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
        tolerations: [{ key: 'k', operator: 'Exists' }],
      },
    },
  },
  status: { conditions: [{ type: 'Available', status: 'False' }, { type: 'Progressing', status: 'True' }] },
});

function smp(target: unknown, patch: unknown, kind = DEPLOYMENT): Json {
  const out = applyStrategicMergePatch(target, deepFreeze(patch), kind) as Json;
  expect(allKeys(out).filter((k) => k.startsWith('$'))).toEqual([]);
  return out;
}

const containers = (d: Json) => d.spec.template.spec.containers as Json[];

describe('applyStrategicMergePatch: patches kubectl sends (notes §5.2, §5.9, §5.10)', () => {
  it('apply after removing metadata.labels and the container ports from the file', () => {
    const patch = JSON.parse('{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\\"new\\":true}\\n"},"labels":null},"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],"containers":[{"name":"nginx","ports":null}]}}}}');
    const out = smp(deployment(), patch);
    expect(out.metadata.labels).toBeUndefined();
    expect(out.metadata.annotations).toEqual({ 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}\n', other: 'keep' });
    expect(containers(out)[0]).not.toHaveProperty('ports');
    expect(containers(out)[0]).toMatchObject({ name: 'nginx', image: 'nginx:1.25', env: deployment().spec.template.spec.containers[0].env });
    expect(containers(out).map((c) => c.name)).toEqual(['nginx', 'sidecar']);
  });

  it('apply replicas 2 → 3', () => {
    const out = smp(deployment(), { metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' } }, spec: { replicas: 3 } });
    expect(out.spec.replicas).toBe(3);
    expect(out.spec.template).toEqual(deployment().spec.template);
  });

  it('set image deploy/web nginx=nginx:1.26', () => {
    const patch = JSON.parse('{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"},{"name":"sidecar"}],"containers":[{"image":"nginx:1.26","name":"nginx"}]}}}}');
    const out = smp(deployment(), patch);
    expect(containers(out).map((c) => [c.name, c.image])).toEqual([['nginx', 'nginx:1.26'], ['sidecar', 'busybox']]);
    expect(containers(out)[0].ports).toHaveLength(2);
  });

  it('rollout restart adds the restartedAt template annotation and keeps the others', () => {
    const out = smp(deployment(), { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-26T16:00:00Z' } } } } });
    expect(out.spec.template.metadata.annotations).toEqual({ note: 'x', 'kubectl.kubernetes.io/restartedAt': '2026-11-26T16:00:00Z' });
  });

  it('rollout pause / resume: {"spec":{"paused":true|null}}', () => {
    const paused = smp(deployment(), { spec: { paused: true } });
    expect(paused.spec.paused).toBe(true);
    const resumed = smp(paused, { spec: { paused: null } });
    expect(resumed.spec).not.toHaveProperty('paused');
    expect(resumed).toEqual(deployment());
  });

  it('patch -p {"spec":{"replicas":1}} (kubectl patch default type)', () => {
    expect(smp(deployment(), { spec: { replicas: 1 } }).spec.replicas).toBe(1);
  });
});

describe('applyStrategicMergePatch: merge keys from the k8s.io/api struct tags', () => {
  const cases: Array<{ name: string; kind?: { group: string; kind: string }; target?: () => Json; patch: unknown; expect: (out: Json) => void }> = [
    { name: 'container env merges by name', patch: { spec: { template: { spec: { containers: [{ name: 'nginx', env: [{ name: 'B', value: 'changed' }, { name: 'C', value: '3' }] }] } } } },
      expect: (o) => expect(containers(o)[0].env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: 'changed' }, { name: 'C', value: '3' }]) },
    { name: 'container ports merge by containerPort', patch: { spec: { template: { spec: { containers: [{ name: 'nginx', ports: [{ containerPort: 443, name: 'https' }] }] } } } },
      expect: (o) => expect(containers(o)[0].ports).toEqual([{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443, protocol: 'TCP', name: 'https' }]) },
    { name: 'volumeMounts merge by mountPath', patch: { spec: { template: { spec: { containers: [{ name: 'nginx', volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }] }] } } } },
      expect: (o) => expect(containers(o)[0].volumeMounts.map((m: Json) => m.mountPath)).toEqual(['/etc/cfg', '/data']) },
    { name: 'volumes merge by name', patch: { spec: { template: { spec: { volumes: [{ name: 'data', emptyDir: { medium: 'Memory' } }] } } } },
      expect: (o) => expect(o.spec.template.spec.volumes).toEqual([{ name: 'data', emptyDir: { medium: 'Memory' } }]) },
    { name: 'lists without a strategy (args, tolerations) are replaced', patch: { spec: { template: { spec: { tolerations: [], containers: [{ name: 'nginx', args: ['--three'] }] } } } },
      expect: (o) => { expect(containers(o)[0].args).toEqual(['--three']); expect(o.spec.template.spec.tolerations).toEqual([]); } },
    { name: 'a new container without $setElementOrder goes first (apimachinery order)', patch: { spec: { template: { spec: { containers: [{ name: 'log', image: 'fluent' }] } } } },
      expect: (o) => expect(containers(o).map((c) => c.name)).toEqual(['log', 'nginx', 'sidecar']) },
    { name: 'a new container with $setElementOrder goes where the order says', patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }, { name: 'log' }], containers: [{ name: 'log', image: 'fluent' }] } } } },
      expect: (o) => expect(containers(o).map((c) => c.name)).toEqual(['nginx', 'sidecar', 'log']) },
    { name: '$setElementOrder alone reorders the live list', patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'nginx' }] } } } },
      expect: (o) => expect(containers(o).map((c) => c.name)).toEqual(['sidecar', 'nginx']) },
    { name: 'status.conditions merge by type', patch: { status: { conditions: [{ type: 'Available', status: 'True' }] } },
      expect: (o) => expect(o.status.conditions).toEqual([{ type: 'Available', status: 'True' }, { type: 'Progressing', status: 'True' }]) },
    { name: 'finalizers merge as a set', patch: { metadata: { finalizers: ['b', 'c'] } },
      expect: (o) => expect(o.metadata.finalizers).toEqual(['a', 'b', 'c']) },
    { name: '$deleteFromPrimitiveList removes from a set list', patch: { metadata: { '$setElementOrder/finalizers': ['b', 'c'], finalizers: ['c'], '$deleteFromPrimitiveList/finalizers': ['a'] } },
      expect: (o) => expect(o.metadata.finalizers).toEqual(['b', 'c']) },
    { name: 'ownerReferences merge by uid', patch: { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u1' }] } },
      target: () => ({ ...deployment(), metadata: { name: 'web', ownerReferences: [{ apiVersion: 'v1', kind: 'Y', name: 'y', uid: 'u0' }] } }),
      expect: (o) => expect(o.metadata.ownerReferences.map((r: Json) => r.uid)).toEqual(['u1', 'u0']) },
    { name: 'Pod spec.containers merge by name at the Pod root', kind: POD,
      target: () => ({ metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '2' }], hostAliases: [{ ip: '10.0.0.1', hostnames: ['x'] }] } }),
      patch: { spec: { containers: [{ name: 'b', image: '3' }], hostAliases: [{ ip: '10.0.0.2', hostnames: ['y'] }] } },
      expect: (o) => { expect(o.spec.containers).toEqual([{ name: 'a', image: '1' }, { name: 'b', image: '3' }]); expect(o.spec.hostAliases.map((h: Json) => h.ip)).toEqual(['10.0.0.2', '10.0.0.1']); } },
    { name: 'Service spec.ports merge by port', kind: SERVICE,
      target: () => ({ metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }] } }),
      patch: { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
      expect: (o) => expect(o.spec.ports).toEqual([{ port: 80, targetPort: 9090 }, { port: 443, targetPort: 8443 }]) },
    { name: 'Node status.addresses merge by type', kind: NODE,
      target: () => ({ metadata: { name: 'n' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n' }] } }),
      patch: { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.9' }] } },
      expect: (o) => expect(o.status.addresses).toEqual([{ type: 'InternalIP', address: '10.0.0.9' }, { type: 'Hostname', address: 'n' }]) },
    { name: 'custom resources (no schema): lists are replaced', kind: { group: 'example.com', kind: 'Widget' },
      target: () => ({ metadata: { name: 'w' }, spec: { containers: [{ name: 'a' }] } }), patch: { spec: { containers: [{ name: 'b' }] } },
      expect: (o) => expect(o.spec.containers).toEqual([{ name: 'b' }]) },
  ];
  it.each(cases)('$name', ({ kind, target, patch, expect: check }) => {
    check(smp(deepFreeze((target ?? deployment)()), patch, kind ?? DEPLOYMENT));
  });

  it('knows which kinds have a strategic merge schema', () => {
    expect(hasStrategicMergeSchema(DEPLOYMENT)).toBe(true);
    expect(hasStrategicMergeSchema(POD)).toBe(true);
    expect(hasStrategicMergeSchema({ group: 'example.com', kind: 'Widget' })).toBe(false);
  });
});

describe('applyStrategicMergePatch: directives', () => {
  it('{"name":x,"$patch":"delete"} removes a list element (apply removing a container)', () => {
    const patch = { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ name: 'sidecar', $patch: 'delete' }] } } } };
    expect(containers(smp(deployment(), patch)).map((c) => c.name)).toEqual(['nginx']);
  });

  it('{"$patch":"replace"} element replaces the whole list', () => {
    const patch = { spec: { template: { spec: { containers: [{ name: 'only', image: 'x', env: [{ name: 'E', value: null }] }, { $patch: 'replace' }] } } } };
    expect(containers(smp(deployment(), patch))).toEqual([{ name: 'only', image: 'x', env: [{ name: 'E' }] }]);
  });

  it('$patch: replace on a map replaces it', () => {
    const out = smp(deployment(), { spec: { template: { metadata: { $patch: 'replace', labels: { only: 'me' } } } } });
    expect(out.spec.template.metadata).toEqual({ labels: { only: 'me' } });
  });

  it('$patch: delete on a map empties it (as apimachinery does)', () => {
    expect(smp(deployment(), { spec: { strategy: { $patch: 'delete' } } }).spec.strategy).toEqual({});
  });

  it('$patch: merge on a map and on an element is the default merge', () => {
    const out = smp(deployment(), { spec: { strategy: { $patch: 'merge', type: 'Recreate' }, template: { spec: { containers: [{ name: 'nginx', $patch: 'merge', image: 'y' }] } } } });
    expect(out.spec.strategy).toMatchObject({ type: 'Recreate', rollingUpdate: { maxSurge: '25%' } });
    expect(containers(out)[0]).toMatchObject({ name: 'nginx', image: 'y', args: ['--one', '--two'] });
  });

  it('$retainKeys drops live keys that are not listed (strategy RollingUpdate → Recreate)', () => {
    const out = smp(deployment(), { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } });
    expect(out.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('null inside a matched element deletes the field there', () => {
    const out = smp(deployment(), { spec: { template: { spec: { containers: [{ name: 'nginx', env: null, args: null }] } } } });
    expect(containers(out)[0]).toEqual({ name: 'nginx', image: 'nginx:1.25', ports: deployment().spec.template.spec.containers[0].ports, volumeMounts: [{ name: 'data', mountPath: '/data' }] });
  });

  it('directives and nulls inside new elements and new maps never leak', () => {
    const patch = {
      spec: {
        template: { spec: { containers: [{ name: 'new', image: 'i', '$setElementOrder/env': [{ name: 'X' }], env: [{ name: 'X', value: 'v', valueFrom: null }] }] } },
        brandNew: { $patch: 'replace', a: 1, b: null, '$retainKeys': ['a'] },
      },
    };
    const out = smp(deployment(), patch);
    expect(containers(out)[0]).toEqual({ name: 'new', image: 'i', env: [{ name: 'X', value: 'v' }] });
    expect(out.spec.brandNew).toEqual({ a: 1 });
  });

  it('does not mutate the target or the patch', () => {
    const target = deployment();
    const patch = deepFreeze({ spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ name: 'nginx', ports: null, $patch: 'merge' }] } } } });
    applyStrategicMergePatch(target, patch, DEPLOYMENT);
    expect(target).toEqual(deployment());
    expect(patch.spec.template.spec.containers[0]).toHaveProperty('$patch', 'merge');
  });

  const malformed: Array<{ name: string; patch: unknown; message: RegExp }> = [
    { name: 'not an object', patch: [1], message: /must be a JSON object/ },
    { name: 'unknown $patch on a map', patch: { spec: { $patch: 'explode' } }, message: /at spec: unknown patch type "explode"/ },
    { name: 'keyed element without its merge key', patch: { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, message: /spec\.template\.spec\.containers: map: .* does not contain declared merge key: name/ },
    { name: '$patch: delete element without merge key', patch: { spec: { template: { spec: { containers: [{ $patch: 'delete' }] } } } }, message: /does not contain declared merge key: name/ },
    { name: 'keyed element that is not an object', patch: { spec: { template: { spec: { containers: ['nginx'] } } } }, message: /is not an object/ },
    { name: '$retainKeys not listing a set key', patch: { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 1 } } } }, message: /"rollingUpdate" is set but not listed in \$retainKeys/ },
    { name: '$setElementOrder not a list', patch: { spec: { template: { spec: { '$setElementOrder/containers': 'x' } } } }, message: /\$setElementOrder\/containers must be a list/ },
    { name: '$setElementOrder contradicting the patch order', patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }], containers: [{ name: 'b' }, { name: 'a' }] } } } }, message: /does not match its \$setElementOrder list/ },
  ];
  it.each(malformed)('a malformed patch ($name) is 400 BadRequest', ({ patch, message }) => {
    try {
      applyStrategicMergePatch(deployment(), patch, DEPLOYMENT);
      expect.unreachable('should have thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).code).toBe(400);
      expect((e as ApiError).message).toMatch(message);
    }
  });
});
