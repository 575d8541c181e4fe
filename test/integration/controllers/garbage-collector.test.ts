/**
 * Cascading deletion with the real kubectl: `kubectl delete … --cascade=background|foreground|orphan`
 * on owners with a chain of dependents (ConfigMaps, Secrets and unscheduled Pods, which delete at
 * once, so no kubelet is needed), and on a Deployment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, OwnerReference } from '../../../control/api/object.js';
import { ApiError } from '../../../control/api/errors.js';
import { findResource, type ResourceInfo } from '../../../control/api/resources.js';
import type { ApiClient } from '../../../control/client/index.js';
import { startControlPlane, type TestControlPlane } from '../../support/control-plane.js';
import { until } from './simulated-nodes.js';

const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const SECRETS = findResource('', 'v1', 'secrets')!;
const PODS = findResource('', 'v1', 'pods')!;
const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;
const NS = 'gc';

let cp: TestControlPlane;
let client: ApiClient;

beforeAll(async () => {
  cp = await startControlPlane();
  client = cp.client();
  await cp.k(['create', 'namespace', NS]);
});

afterAll(async () => {
  await cp?.stop();
});

function refTo(owner: KubeObject, block = true): OwnerReference {
  return { apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata.name!, uid: owner.metadata.uid!, blockOwnerDeletion: block };
}

async function get(info: ResourceInfo, name: string): Promise<KubeObject | undefined> {
  try {
    return await client.get(info, NS, name);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

/** parent ConfigMap → {child ConfigMap → grandchild ConfigMap, Secret, Pod}. */
async function family(prefix: string): Promise<void> {
  const parent = await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${prefix}-parent`, namespace: NS } });
  const child = await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${prefix}-child`, namespace: NS, ownerReferences: [refTo(parent)] } });
  await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${prefix}-grandchild`, namespace: NS, ownerReferences: [refTo(child)] } });
  await client.create(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${prefix}-secret`, namespace: NS, ownerReferences: [refTo(parent)] }, stringData: { a: 'b' } });
  await client.create(PODS, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: `${prefix}-pod`, namespace: NS, ownerReferences: [{ ...refTo(parent), controller: true }] },
    spec: { containers: [{ name: 'app', image: 'tugboat/testapp:latest' }] },
  });
}

const members = (prefix: string): [ResourceInfo, string][] => [
  [CONFIGMAPS, `${prefix}-child`], [CONFIGMAPS, `${prefix}-grandchild`], [SECRETS, `${prefix}-secret`], [PODS, `${prefix}-pod`],
];

describe('garbage collector', () => {
  it('background (the default): the owner goes at once, then every dependent down the chain', async () => {
    await family('bg');
    const out = await cp.k(['delete', 'configmap', 'bg-parent', '-n', NS]);
    expect(out).toContain('configmap "bg-parent" deleted');
    expect(await get(CONFIGMAPS, 'bg-parent')).toBeUndefined();
    await until('bg dependents gone', async () => {
      for (const [info, name] of members('bg')) if (await get(info, name)) return false;
      return true;
    });
  });

  it('foreground: dependents are gone by the time the owner is', async () => {
    await family('fg');
    // kubectl waits until the owner is deleted, which the API server only does after the GC removed
    // its foregroundDeletion finalizer, i.e. after every blocking dependent is gone.
    await cp.k(['delete', 'configmap', 'fg-parent', '-n', NS, '--cascade=foreground', '--timeout=60s']);
    expect(await get(CONFIGMAPS, 'fg-parent')).toBeUndefined();
    for (const [info, name] of members('fg')) expect(await get(info, name), `${info.resource}/${name}`).toBeUndefined();
  });

  it('foreground: the owner waits, visibly, while a blocking dependent still exists', async () => {
    const parent = await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wait-parent', namespace: NS } });
    // A dependent held by a finalizer nobody removes: the owner must keep waiting for it.
    await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wait-child', namespace: NS, finalizers: ['example.com/hold'], ownerReferences: [refTo(parent)] } });
    await cp.k(['delete', 'configmap', 'wait-parent', '-n', NS, '--cascade=foreground', '--wait=false']);
    const child = await until('child marked for deletion', async () => (await get(CONFIGMAPS, 'wait-child'))?.metadata.deletionTimestamp ? true : undefined);
    expect(child).toBe(true);
    await new Promise((r) => setTimeout(r, 1500));
    const waiting = await get(CONFIGMAPS, 'wait-parent');
    expect(waiting?.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(waiting?.metadata.deletionTimestamp).toBeTruthy();
    await client.patch(CONFIGMAPS, NS, 'wait-child', { metadata: { finalizers: null } }, 'merge');
    await until('parent deleted after the child', async () => (await get(CONFIGMAPS, 'wait-parent')) === undefined);
  });

  it('orphan: the owner goes, dependents stay without the reference to it', async () => {
    await family('or');
    await cp.k(['delete', 'configmap', 'or-parent', '-n', NS, '--cascade=orphan', '--timeout=60s']);
    expect(await get(CONFIGMAPS, 'or-parent')).toBeUndefined();
    for (const name of ['or-child', 'or-secret', 'or-pod']) {
      const info = name === 'or-secret' ? SECRETS : name === 'or-pod' ? PODS : CONFIGMAPS;
      const obj = await get(info, name);
      expect(obj, name).toBeDefined();
      expect(obj!.metadata.ownerReferences ?? []).toEqual([]);
    }
    // The grandchild's owner (the child) still exists, so it keeps its reference.
    const grandchild = await get(CONFIGMAPS, 'or-grandchild');
    expect(grandchild?.metadata.ownerReferences?.map((r) => r.name)).toEqual(['or-child']);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await get(CONFIGMAPS, 'or-child')).toBeDefined();
  });

  it('kubectl delete deploy --cascade=orphan|background|foreground on a Deployment and what it owns', async () => {
    const deployment = (name: string): string => JSON.stringify({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS },
      spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'tugboat/testapp:latest' }] } } },
    });
    const ownedConfig = async (name: string): Promise<void> => {
      const d = await client.get(DEPLOYMENTS, NS, name);
      await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-config`, namespace: NS, ownerReferences: [refTo(d)] } });
    };
    for (const name of ['d-orphan', 'd-bg', 'd-fg']) {
      await cp.k(['apply', '-f', '-'], deployment(name));
      await ownedConfig(name);
    }

    await cp.k(['delete', 'deploy', 'd-orphan', '-n', NS, '--cascade=orphan', '--timeout=60s']);
    const kept = await get(CONFIGMAPS, 'd-orphan-config');
    expect(kept?.metadata.ownerReferences ?? []).toEqual([]);

    await cp.k(['delete', 'deploy', 'd-bg', '-n', NS, '--cascade=background']);
    await until('d-bg dependents gone', async () => (await get(CONFIGMAPS, 'd-bg-config')) === undefined);

    await cp.k(['delete', 'deploy', 'd-fg', '-n', NS, '--cascade=foreground', '--timeout=60s']);
    expect(await get(CONFIGMAPS, 'd-fg-config')).toBeUndefined();
    // Whatever the workload controllers made for these Deployments (if they run) follows the same rules.
    const replicaSets = async (app: string): Promise<KubeObject[]> =>
      (JSON.parse(await cp.k(['get', 'replicasets', '-n', NS, '-l', `app=${app}`, '-o', 'json'])) as { items: KubeObject[] }).items;
    await until('replicasets of d-bg and d-fg gone', async () => (await replicaSets('d-bg')).length + (await replicaSets('d-fg')).length === 0);
    for (const r of await replicaSets('d-orphan')) expect(r.metadata.ownerReferences ?? []).toEqual([]);
  });
});
