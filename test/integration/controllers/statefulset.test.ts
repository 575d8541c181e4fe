/**
 * The StatefulSet controller inside a real `tug server` with a simulated kubelet: ordered
 * creation (pod-1 only after pod-0 is Ready), stable names and DNS identity, a deleted pod
 * recreated under its name, scale down from the highest ordinal one at a time, rolling update
 * from the highest ordinal honouring the partition, and what `kubectl get sts` / `kubectl rollout
 * status sts` print.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { findResource } from '../../../control/api/resources.js';
import { Informer, type ApiClient } from '../../../control/client/index.js';
import type { StatefulSet } from '../../../control/controllers/statefulset-plan.js';
import type { Pod } from '../../../control/controllers/workload-types.js';
import type { TestControlPlane } from '../../support/control-plane.js';
import { until } from './simulated-nodes.js';
import { startWorkloadHarness, stopWorkloadHarness, type SimulatedKubelet } from './workload-simulated-kubelet.js';

const PODS = findResource('', 'v1', 'pods')!;
const STS = findResource('apps', 'v1', 'statefulsets')!;
const NS = 'sts';

let cp: TestControlPlane;
let client: ApiClient;
let kubelet: SimulatedKubelet | undefined;
let podWatch: Informer<Pod> | undefined;

beforeAll(async () => {
  ({ cp, client, kubelet, podWatch } = await startWorkloadHarness(NS));
});
afterAll(() => stopWorkloadHarness({ cp, kubelet, podWatch }));

function manifest(name: string, replicas: number, opts: { labels?: Record<string, string>; image?: string; spec?: Record<string, unknown> } = {}): string {
  const labels = { app: name, ...(opts.labels ?? {}) };
  return stringify({
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace: NS },
    spec: {
      replicas, serviceName: name, selector: { matchLabels: { app: name } }, ...(opts.spec ?? {}),
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: opts.image ?? 'tugboat/testapp:v1' }] } },
    },
  });
}
const live = (set: string) => podWatch!.list().filter((p) => !p.metadata.deletionTimestamp && p.metadata.labels?.app === set);
const podNames = (set: string) => live(set).map((p) => p.metadata.name).sort();
const isReady = (p: Pod) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a kubelet would report once the readiness probe passes (the simulated one never does for `never-ready`). */
async function markReady(name: string): Promise<void> {
  const pod = await until(`${name} running`, async () => {
    const p = await client.get<Pod>(PODS, NS, name);
    return p.status?.phase === 'Running' ? p : undefined;
  });
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  pod.status!.conditions = (pod.status!.conditions ?? []).map((c) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'True', lastTransitionTime: now } : c));
  await client.updateStatus(PODS, pod);
}

describe('StatefulSet', () => {
  it('creates pods in order, each after the previous one is Ready, with a stable DNS identity', async () => {
    await cp.k(['apply', '-f', '-'], manifest('web', 3, { labels: { 'sim/behaviour': 'never-ready' } }));
    await until('web-0', async () => live('web').length === 1);
    await sleep(2000);
    expect(podNames('web')).toEqual(['web-0']);

    await markReady('web-0');
    await until('web-1', async () => live('web').length === 2);
    await sleep(1500);
    expect(podNames('web')).toEqual(['web-0', 'web-1']);
    await markReady('web-1');
    await until('web-2', async () => live('web').length === 3);
    await markReady('web-2');

    const pod = await client.get<Pod>(PODS, NS, 'web-2');
    expect(pod.spec).toMatchObject({ hostname: 'web-2', subdomain: 'web' });
    expect(pod.metadata.labels).toMatchObject({ 'statefulset.kubernetes.io/pod-name': 'web-2', 'apps.kubernetes.io/pod-index': '2' });
    expect(pod.metadata.labels?.['controller-revision-hash']).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(pod.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'StatefulSet', name: 'web', controller: true });

    const sts = await until('status', async () => {
      const s = await client.get<StatefulSet>(STS, NS, 'web');
      return s.status?.readyReplicas === 3 ? s : undefined;
    });
    expect(sts.status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1, collisionCount: 0 });
    expect(sts.status?.currentRevision).toBe(sts.status?.updateRevision);

    const table = await cp.k(['get', 'sts', '-n', NS]);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+READY\s+AGE$/);
    expect(table).toMatch(/\nweb\s+3\/3\s+\d+s\n/);
    const wide = await cp.k(['get', 'statefulsets', 'web', '-n', NS, '-o', 'wide']);
    expect(wide).toMatch(/^NAME\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\n/);
    expect(wide).toMatch(/\nweb\s+3\/3\s+\d+s\s+app\s+tugboat\/testapp:v1\n/);
    expect(await cp.k(['get', 'all', '-n', NS])).toContain('statefulset.apps/web');
  });

  it('recreates a deleted pod under the same name and scales down from the highest ordinal, one at a time', async () => {
    await cp.k(['apply', '-f', '-'], manifest('db', 4));
    const r = await cp.kubectl(['rollout', 'status', 'sts/db', '-n', NS, '--timeout=60s']);
    expect(r.stdout).toContain('partitioned roll out complete: 4 new pods have been updated...');

    const before = (await client.get<Pod>(PODS, NS, 'db-1')).metadata.uid;
    // --wait=false: kubectl's wait for the old uid is not what this test is about
    await cp.k(['delete', 'pod', 'db-1', '-n', NS, '--wait=false']);
    await until('db-1 back and Ready', async () => {
      const p = live('db').find((x) => x.metadata.name === 'db-1');
      return p !== undefined && p.metadata.uid !== before && isReady(p);
    }, 30_000);

    const steps: string[] = [];
    podWatch!.onUpdate((old, p) => {
      if (p.metadata.labels?.app === 'db' && p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) steps.push(`delete ${p.metadata.name}`);
    }).onDelete((p) => { if (p.metadata.labels?.app === 'db') steps.push(`gone ${p.metadata.name}`); });
    await cp.k(['scale', 'sts/db', '--replicas=1', '-n', NS]);
    await until('1 left', async () => podWatch!.list().filter((p) => p.metadata.labels?.app === 'db').length === 1, 30_000);
    expect(steps).toEqual(['delete db-3', 'gone db-3', 'delete db-2', 'gone db-2', 'delete db-1', 'gone db-1']);
    expect(podNames('db')).toEqual(['db-0']);
  });

  it('rolls out from the highest ordinal down, leaving ordinals below the partition alone', async () => {
    await cp.k(['apply', '-f', '-'], manifest('roll', 3));
    await cp.k(['rollout', 'status', 'sts/roll', '-n', NS, '--timeout=60s']);
    const imageOf = (name: string) => live('roll').find((p) => p.metadata.name === name)?.spec?.containers?.[0]?.image;
    const updated: string[] = [];
    podWatch!.onAdd((p) => {
      if (p.metadata.labels?.app === 'roll' && p.spec?.containers?.[0]?.image === 'tugboat/testapp:v2') updated.push(p.metadata.name!);
    });

    await cp.k(['patch', 'sts', 'roll', '-n', NS, '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":1}}}}']);
    await cp.k(['set', 'image', 'sts/roll', 'app=tugboat/testapp:v2', '-n', NS]);
    const partitioned = await cp.kubectl(['rollout', 'status', 'sts/roll', '-n', NS, '--timeout=60s']);
    expect(partitioned.stdout).toContain('partitioned roll out complete: 2 new pods have been updated...');
    await sleep(1500);
    expect(updated).toEqual(['roll-2', 'roll-1']);
    expect(imageOf('roll-0')).toBe('tugboat/testapp:v1');
    const mid = await client.get<StatefulSet>(STS, NS, 'roll');
    expect(mid.status).toMatchObject({ replicas: 3, updatedReplicas: 2, currentReplicas: 1 });
    expect(mid.status?.currentRevision).not.toBe(mid.status?.updateRevision);

    await cp.k(['patch', 'sts', 'roll', '-n', NS, '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}']);
    const done = await cp.kubectl(['rollout', 'status', 'sts/roll', '-n', NS, '--timeout=60s']);
    expect(done.stdout).toContain('partitioned roll out complete: 3 new pods have been updated...');
    expect(updated).toEqual(['roll-2', 'roll-1', 'roll-0']);
    const end = await until('revision moved', async () => {
      const s = await client.get<StatefulSet>(STS, NS, 'roll');
      return s.status?.currentRevision === s.status?.updateRevision ? s : undefined;
    });
    expect(end.status).toMatchObject({ replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3 });
  });

  it('gives each pod its own claim, provisioned on its node once scheduled, kept and re-mounted when the pod is recreated', async () => {
    expect(await cp.k(['get', 'sc'])).toMatch(/\nstandard \(default\)\s+tugboat\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+/);
    await cp.k(['apply', '-f', '-'], manifest('store', 2, { spec: {
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    } }));
    await cp.k(['rollout', 'status', 'sts/store', '-n', NS, '--timeout=60s']);
    const claimsTable = await until('claims bound', async () => {
      const t = await cp.k(['get', 'pvc', '-n', NS]);
      return (t.match(/\bBound\b/g) ?? []).length === 2 ? t : undefined;
    });
    expect(claimsTable.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE$/);
    expect(claimsTable).toMatch(/\ndata-store-0\s+Bound\s+pvc-[0-9a-f-]+\s+1Gi\s+RWO\s+standard\s+<unset>\s+\d+s\n/);
    const pod0 = await client.get<Pod>(PODS, NS, 'store-0');
    expect(pod0.spec?.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data-store-0' } });
    const pvName = (await cp.k(['get', 'pvc', 'data-store-0', '-n', NS, '-o', 'jsonpath={.spec.volumeName}'])).trim();
    const pvNode = await cp.k(['get', 'pv', pvName, '-o', 'jsonpath={.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}']);
    expect(pvNode).toBe(pod0.spec?.nodeName);
    expect(await cp.k(['get', 'pv', pvName])).toMatch(new RegExp(`\\n${pvName}\\s+1Gi\\s+RWO\\s+Delete\\s+Bound\\s+${NS}/data-store-0\\s+standard\\s`));

    // recreated many times, the pod always lands on the volume node (two nodes to choose from)
    for (let i = 0; i < 3; i++) {
      const uid = (await client.get<Pod>(PODS, NS, 'store-0')).metadata.uid;
      await cp.k(['delete', 'pod', 'store-0', '-n', NS, '--wait=false']);
      const again = await until('store-0 recreated and scheduled', async () => {
        const p = live('store').find((x) => x.metadata.name === 'store-0');
        return p && p.metadata.uid !== uid && p.spec?.nodeName ? p : undefined;
      }, 30_000);
      expect(again.spec?.nodeName).toBe(pod0.spec?.nodeName);
    }
    expect((await cp.k(['get', 'pvc', 'data-store-0', '-n', NS, '-o', 'jsonpath={.spec.volumeName}'])).trim()).toBe(pvName);
  });

  it('kubectl delete sts removes its pods (garbage collector) and keeps its claims', async () => {
    await cp.k(['delete', 'sts', 'store', '-n', NS]);
    await until('store pods gone', async () => podWatch!.list().every((p) => p.metadata.labels?.app !== 'store'), 30_000);
    expect(await cp.k(['get', 'pvc', 'data-store-0', 'data-store-1', '-n', NS, '-o', 'name'])).toBe(
      'persistentvolumeclaim/data-store-0\npersistentvolumeclaim/data-store-1\n');
  });

  it('refuses changes to immutable spec fields with upstream message', async () => {
    const r = await cp.kubectl(['patch', 'sts', 'roll', '-n', NS, '-p', '{"spec":{"serviceName":"other"}}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
  });
});
