import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../control/api/errors.js';
import type { KubeObject, ManagedFieldsEntry } from '../../../../control/api/object.js';
import {
  applyConflictError, conflictMessage, fieldPathsOf, recordUpdate, serverSideApply,
} from '../../../../control/api/patch/index.js';
import { deepFreeze } from './freeze.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const T0 = new Date('2026-11-26T10:00:00.500Z');
const T1 = new Date('2026-11-26T11:00:00Z');
const T2 = new Date('2026-11-26T12:00:00Z');

/** What `kubectl apply --server-side -f app.yaml` sends for the demo Deployment. */
function appConfig(opts: { replicas?: number; labels?: Record<string, string>; containers?: Json[] } = {}): Json {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: opts.labels ?? { app: 'web' } },
    spec: {
      replicas: opts.replicas ?? 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: opts.containers ?? [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
      },
    },
  };
}

/** What the API server would have stored: server metadata plus a status. */
function stored(object: Json, rv = '7'): KubeObject {
  return deepFreeze({
    ...object,
    metadata: { ...object.metadata, uid: 'uid-1', resourceVersion: rv, generation: 1, creationTimestamp: '2026-11-26T09:00:00Z' },
    status: { replicas: 2 },
  }) as KubeObject;
}

function apply(live: KubeObject | undefined, applied: Json, manager = 'kubectl', force = false, now = T1, subresource?: string) {
  const input = { live, applied: deepFreeze(applied), manager, force, apiVersion: 'apps/v1', now, ...(subresource ? { subresource } : {}) };
  return serverSideApply(input);
}

const entry = (object: KubeObject, manager: string): ManagedFieldsEntry | undefined =>
  object.metadata.managedFields?.find((e) => e.manager === manager);
const paths = (object: KubeObject, manager: string): string[] => fieldPathsOf(entry(object, manager)?.fieldsV1 ?? {});
const spec = (o: KubeObject) => o.spec as Json;

describe('serverSideApply', () => {
  it('creates: the object is the applied config, owned by the manager in FieldsV1 like kube-apiserver', () => {
    const { object, conflicts } = apply(undefined, appConfig(), 'kubectl', false, T0);
    expect(conflicts).toEqual([]);
    const { managedFields, ...metadata } = object.metadata;
    expect({ ...object, metadata }).toEqual(appConfig());
    expect(managedFields).toEqual([{
      manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: '2026-11-26T10:00:00Z', fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {}, 'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': {
              '.': {}, 'f:image': {}, 'f:name': {},
              'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
            } } },
          },
        },
      },
    }]);
  });

  it('re-applying the same config changes nothing, not even the managedFields time', () => {
    const live = stored(apply(undefined, appConfig(), 'kubectl', false, T0).object);
    const { object, conflicts } = apply(live, appConfig(), 'kubectl', false, T2);
    expect(conflicts).toEqual([]);
    expect(object).toEqual(live);
  });

  it('never takes server metadata or status from the applied config', () => {
    const live = stored(apply(undefined, appConfig()).object);
    const config = appConfig({ replicas: 3 });
    config.metadata = { ...config.metadata, uid: 'evil', resourceVersion: '999', generation: 42, creationTimestamp: '2000-01-01T00:00:00Z' };
    config.status = { replicas: 100 };
    const { object } = apply(live, config);
    expect(object.metadata).toMatchObject({ uid: 'uid-1', resourceVersion: '7', generation: 1, creationTimestamp: '2026-11-26T09:00:00Z' });
    expect(object.status).toEqual({ replicas: 2 });
    expect(spec(object).replicas).toBe(3);
    expect(JSON.stringify(object.metadata.managedFields)).not.toMatch(/f:status|f:uid|f:resourceVersion/);
  });

  it('two managers disagreeing on spec.replicas → conflict; nothing changes', () => {
    // kubectl apply (client-side) created the object: an Update by kubectl-client-side-apply.
    const created = stored(appConfig());
    const live = deepFreeze({ ...created, metadata: { ...created.metadata, managedFields: recordUpdate({ old: undefined, updated: created, manager: 'kubectl-client-side-apply', apiVersion: 'apps/v1', now: T0 }) } }) as KubeObject;
    const { object, conflicts } = apply(live, appConfig({ replicas: 3 }));
    expect(conflicts).toEqual([{ manager: 'kubectl-client-side-apply', field: '.spec.replicas', operation: 'Update', apiVersion: 'apps/v1' }]);
    expect(object).toEqual(live);
    expect(conflictMessage(conflicts)).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    const err = applyConflictError(conflicts);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.toStatus()).toMatchObject({
      code: 409, reason: 'Conflict',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }] },
    });
  });

  it('force moves ownership of the conflicting field to the applier', () => {
    const first = stored(apply(undefined, appConfig(), 'alice', false, T0).object);
    expect(apply(first, appConfig({ replicas: 5 }), 'bob').conflicts).toEqual([{ manager: 'alice', field: '.spec.replicas', operation: 'Apply', apiVersion: 'apps/v1' }]);
    const { object, conflicts } = apply(first, appConfig({ replicas: 5 }), 'bob', true);
    expect(conflicts).toEqual([]);
    expect(spec(object).replicas).toBe(5);
    expect(paths(object, 'bob')).toContain('.spec.replicas');
    expect(paths(object, 'alice')).not.toContain('.spec.replicas');
    // Fields both applied with equal values stay shared.
    expect(paths(object, 'alice')).toContain('.spec.template.spec.containers[name="nginx"].image');
    expect(paths(object, 'bob')).toContain('.spec.template.spec.containers[name="nginx"].image');
    // alice re-applying her old value now conflicts with bob.
    expect(apply(stored(object), appConfig(), 'alice').conflicts.map((c) => [c.manager, c.field])).toEqual([['bob', '.spec.replicas']]);
  });

  it('a field removed from the applied config is removed from the object', () => {
    const live = stored(apply(undefined, appConfig({ labels: { app: 'web', tier: 'fe' } })).object);
    const { object } = apply(live, appConfig({ labels: { app: 'web' } }));
    expect(object.metadata.labels).toEqual({ app: 'web' });
    expect(paths(object, 'kubectl')).not.toContain('.metadata.labels.tier');
  });

  it('removing the container ports and all labels removes them (apply after editing the file)', () => {
    const live = stored(apply(undefined, appConfig()).object);
    const config = appConfig({ containers: [{ name: 'nginx', image: 'nginx:1.25' }] });
    delete config.metadata.labels;
    const { object } = apply(live, config);
    expect(object.metadata).not.toHaveProperty('labels');
    expect(spec(object).template.spec.containers).toEqual([{ name: 'nginx', image: 'nginx:1.25' }]);
  });

  it('a removed field another manager also owns stays', () => {
    const mine = stored(apply(undefined, appConfig({ labels: { app: 'web', tier: 'fe' } })).object);
    const shared = stored(apply(mine, appConfig({ labels: { tier: 'fe' } }), 'other').object);
    const { object } = apply(shared, appConfig({ labels: { app: 'web' } }));
    expect(object.metadata.labels).toEqual({ app: 'web', tier: 'fe' });
    expect(paths(object, 'other')).toContain('.metadata.labels.tier');
  });

  it('a field set by an ordinary update (kubectl label) survives the applier dropping it', () => {
    const live = stored(apply(undefined, appConfig()).object);
    const labelled = deepFreeze({ ...live, metadata: { ...live.metadata, labels: { app: 'web', team: 'a' } } }) as KubeObject;
    const withLabel = deepFreeze({ ...labelled, metadata: { ...labelled.metadata, managedFields: recordUpdate({ old: live, updated: labelled, manager: 'kubectl-label', apiVersion: 'apps/v1', now: T1 }) } }) as KubeObject;
    expect(paths(withLabel, 'kubectl-label')).toEqual(['.metadata.labels.team']);
    const { object } = apply(withLabel, appConfig({ replicas: 4 }));
    expect(object.metadata.labels).toEqual({ app: 'web', team: 'a' });
    expect(spec(object).replicas).toBe(4);
  });

  it('merges keyed lists by key: another manager adds a container without touching nginx', () => {
    const live = stored(apply(undefined, appConfig()).object);
    const sidecar = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { template: { spec: { containers: [{ name: 'log', image: 'fluent', ports: [{ containerPort: 24224, protocol: 'UDP' }] }] } } } };
    const { object, conflicts } = apply(live, sidecar, 'sidecar-injector');
    expect(conflicts).toEqual([]);
    expect(spec(object).template.spec.containers.map((c: Json) => c.name)).toEqual(['nginx', 'log']);
    expect(paths(object, 'sidecar-injector')).toEqual([
      '.spec.template.spec.containers[name="log"]',
      '.spec.template.spec.containers[name="log"].image',
      '.spec.template.spec.containers[name="log"].name',
      '.spec.template.spec.containers[name="log"].ports[containerPort=24224,protocol="UDP"]',
      '.spec.template.spec.containers[name="log"].ports[containerPort=24224,protocol="UDP"].containerPort',
      '.spec.template.spec.containers[name="log"].ports[containerPort=24224,protocol="UDP"].protocol',
    ]);
    // The first applier re-applies its unchanged config: the sidecar stays (not its field).
    const again = apply(stored(object), appConfig());
    expect(spec(again.object).template.spec.containers.map((c: Json) => c.name)).toEqual(['nginx', 'log']);
    // Dropping a container from the applied list removes the one this manager owned.
    const dropped = apply(stored(object), { ...sidecar, spec: { template: { spec: { containers: [] } } } }, 'sidecar-injector');
    expect(spec(dropped.object).template.spec.containers.map((c: Json) => c.name)).toEqual(['nginx']);
  });

  it('changing a field inside a keyed element owned by someone else conflicts with a keyed path', () => {
    const live = stored(apply(undefined, appConfig(), 'alice').object);
    const { conflicts } = apply(live, appConfig({ containers: [{ name: 'nginx', image: 'nginx:1.26', ports: [{ containerPort: 80 }] }] }), 'bob');
    expect(conflicts.map((c) => c.field)).toEqual(['.spec.template.spec.containers[name="nginx"].image']);
  });

  it('lists without merge keys are atomic: replaced and owned as one field', () => {
    const config = appConfig({ containers: [{ name: 'nginx', image: 'x', args: ['--a', '--b'] }] });
    const live = stored(apply(undefined, config).object);
    expect(paths(live, 'kubectl')).toContain('.spec.template.spec.containers[name="nginx"].args');
    const { object } = apply(live, appConfig({ containers: [{ name: 'nginx', image: 'x', args: ['--c'] }] }));
    expect(spec(object).template.spec.containers[0].args).toEqual(['--c']);
  });

  it('renders several conflicts grouped by manager, like kube-apiserver', () => {
    const created = stored(appConfig());
    const live = deepFreeze({ ...created, metadata: { ...created.metadata, managedFields: recordUpdate({ old: undefined, updated: created, manager: 'kubectl-client-side-apply', apiVersion: 'apps/v1', now: T0 }) } }) as KubeObject;
    const { conflicts } = apply(live, appConfig({ replicas: 3, containers: [{ name: 'nginx', image: 'nginx:1.26', ports: [{ containerPort: 80 }] }] }));
    expect(conflictMessage(conflicts)).toBe([
      'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:',
      '- .spec.replicas',
      '- .spec.template.spec.containers[name="nginx"].image',
    ].join('\n'));
  });

  it('the status subresource tracks and changes only status', () => {
    const live = stored(apply(undefined, appConfig()).object);
    const { object } = apply(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 9 }, status: { replicas: 3, conditions: [{ type: 'Available', status: 'True' }] } }, 'controller', false, T1, 'status');
    expect(spec(object).replicas).toBe(2);
    expect(object.status).toEqual({ replicas: 3, conditions: [{ type: 'Available', status: 'True' }] });
    const e = entry(object, 'controller')!;
    expect(e.subresource).toBe('status');
    expect(fieldPathsOf(e.fieldsV1)).toEqual(['.status.conditions[type="Available"]', '.status.conditions[type="Available"].status', '.status.conditions[type="Available"].type', '.status.replicas']);
  });

  it('rejects an applied keyed element without its key (422) and a non-object (400)', () => {
    expect(() => apply(undefined, appConfig({ containers: [{ image: 'x' }] }))).toThrow(expect.objectContaining({ code: 422, reason: 'Invalid' }));
    expect(() => serverSideApply({ live: undefined, applied: 'x', manager: 'm', force: false, apiVersion: 'v1', now: T0 })).toThrow(expect.objectContaining({ code: 400 }));
  });
});

describe('recordUpdate', () => {
  const base = stored(appConfig());

  it('on create the writer owns every field it set (list elements with ".")', () => {
    const fields = recordUpdate({ old: undefined, updated: base, manager: 'kubectl-create', apiVersion: 'apps/v1', now: T0 })!;
    expect(fields).toHaveLength(1);
    expect(fields[0]).toMatchObject({ manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', time: '2026-11-26T10:00:00Z', fieldsType: 'FieldsV1' });
    expect(fieldPathsOf(fields[0]!.fieldsV1)).toEqual([
      '.metadata.labels.app', '.spec.replicas', '.spec.selector', '.spec.template.metadata.labels.app',
      '.spec.template.spec.containers[name="nginx"]', '.spec.template.spec.containers[name="nginx"].image',
      '.spec.template.spec.containers[name="nginx"].name',
      '.spec.template.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"]',
      '.spec.template.spec.containers[name="nginx"].ports[containerPort=80,protocol="TCP"].containerPort',
    ]);
  });

  it('the writer gains the fields it changed; the others lose them', () => {
    const live = stored(apply(undefined, appConfig(), 'kubectl', false, T0).object);
    const scaled = deepFreeze({ ...live, spec: { ...spec(live), replicas: 4 } }) as KubeObject;
    const fields = recordUpdate({ old: live, updated: scaled, manager: 'kubectl-edit', apiVersion: 'apps/v1', now: T1 })!;
    const next = { ...scaled, metadata: { ...scaled.metadata, managedFields: fields } } as KubeObject;
    expect(paths(next, 'kubectl-edit')).toEqual(['.spec.replicas']);
    expect(paths(next, 'kubectl')).not.toContain('.spec.replicas');
    expect(paths(next, 'kubectl')).toContain('.spec.selector');
    expect(entry(next, 'kubectl')!.time).toBe('2026-11-26T10:00:00Z');
    expect(fields.map((f) => f.operation)).toEqual(['Apply', 'Update']);
    // The applier wanting its old value back now conflicts with the editor.
    expect(conflictMessage(apply(stored(next), appConfig()).conflicts)).toBe('Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas');
  });

  it('records the subresource, and a status write tracks only status', () => {
    const withStatus = deepFreeze({ ...base, status: { replicas: 2, readyReplicas: 2 } }) as KubeObject;
    const fields = recordUpdate({ old: base, updated: withStatus, manager: 'deployment-controller', apiVersion: 'apps/v1', now: T1, subresource: 'status' })!;
    expect(fields).toHaveLength(1);
    expect(fields[0]).toMatchObject({ manager: 'deployment-controller', subresource: 'status' });
    expect(fieldPathsOf(fields[0]!.fieldsV1)).toEqual(['.status.readyReplicas']);
  });

  it('a write that changes nothing keeps managedFields exactly (no-op detection keeps working)', () => {
    const live = stored(apply(undefined, appConfig(), 'kubectl', false, T0).object);
    expect(recordUpdate({ old: live, updated: live, manager: 'kubectl-edit', apiVersion: 'apps/v1', now: T2 })).toEqual(live.metadata.managedFields);
  });

  it('removed fields leave every set; finalizers are tracked as a set', () => {
    const a = deepFreeze({ ...base, metadata: { ...base.metadata, finalizers: ['x/y'] } }) as KubeObject;
    const fa = recordUpdate({ old: base, updated: a, manager: 'gc', apiVersion: 'apps/v1', now: T1 })!;
    expect(fieldPathsOf(fa[0]!.fieldsV1)).toEqual(['.metadata.finalizers[="x/y"]']);
    const withFields = deepFreeze({ ...a, metadata: { ...a.metadata, managedFields: fa } }) as KubeObject;
    const b = deepFreeze({ ...withFields, metadata: { ...withFields.metadata, finalizers: [] }, spec: { ...spec(withFields), replicas: 1 } }) as KubeObject;
    const fb = recordUpdate({ old: withFields, updated: b, manager: 'other', apiVersion: 'apps/v1', now: T2 })!;
    expect(fb.map((f) => [f.manager, fieldPathsOf(f.fieldsV1)])).toEqual([['other', ['.spec.replicas']]]);
  });

  it('honours managedFields rewritten by the client, and [{}] strips them', () => {
    const live = stored(apply(undefined, appConfig(), 'kubectl-client-side-apply', false, T0).object);
    const rewritten = (live.metadata.managedFields ?? []).map((e) => ({ ...e, manager: 'kubectl' }));
    const updated = deepFreeze({ ...live, metadata: { ...live.metadata, managedFields: rewritten } }) as KubeObject;
    const fields = recordUpdate({ old: live, updated, manager: 'kubectl', apiVersion: 'apps/v1', now: T1 })!;
    expect(fields.map((f) => f.manager)).toEqual(['kubectl']);
    const stripped = deepFreeze({ ...live, metadata: { ...live.metadata, managedFields: [{}] } }) as unknown as KubeObject;
    expect(recordUpdate({ old: live, updated: stripped, manager: 'kubectl-patch', apiVersion: 'apps/v1', now: T1 })).toBeUndefined();
    const emptied = deepFreeze({ ...live, metadata: { ...live.metadata, managedFields: [] } }) as KubeObject;
    expect(recordUpdate({ old: live, updated: emptied, manager: 'kubectl-patch', apiVersion: 'apps/v1', now: T1 })).toEqual(live.metadata.managedFields);
  });
});

describe('fieldPathsOf', () => {
  it('renders FieldsV1 keys the way kube-apiserver prints paths', () => {
    expect(fieldPathsOf({
      'f:metadata': { 'f:finalizers': { 'v:"example.com/x"': {} }, 'f:annotations': { '.': {}, 'f:a.b/c': {} } },
      'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:targetPort': {} } }, 'f:list': { 'i:0': {} } },
    })).toEqual([
      '.metadata.annotations', '.metadata.annotations.a.b/c', '.metadata.finalizers[="example.com/x"]',
      '.spec.list[0]', '.spec.ports[port=80,protocol="TCP"]', '.spec.ports[port=80,protocol="TCP"].targetPort',
    ]);
  });
});
