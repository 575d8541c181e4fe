/**
 * The ReplicaSet controller inside a real `tug server` with a simulated kubelet: no double
 * creation under an event burst (P14), adoption and release, minReadySeconds, replacement.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { KubeObject } from '../../../control/api/object.js';
import { findResource } from '../../../control/api/resources.js';
import type { ApiClient } from '../../../control/client/index.js';
import type { Pod, ReplicaSet } from '../../../control/controllers/workload-types.js';
import { startControlPlane, type TestControlPlane } from '../../support/control-plane.js';
import { until } from './simulated-nodes.js';
import { startSimulatedKubelet, type SimulatedKubelet } from './workload-simulated-kubelet.js';

const PODS = findResource('', 'v1', 'pods')!;
const RS = findResource('apps', 'v1', 'replicasets')!;
const NS = 'rs';

let cp: TestControlPlane;
let client: ApiClient;
let kubelet: SimulatedKubelet | undefined;

beforeAll(async () => {
  cp = await startControlPlane();
  client = cp.client();
  kubelet = await startSimulatedKubelet(client);
  await cp.k(['create', 'namespace', NS]);
});

afterAll(async () => {
  await kubelet?.stop();
  await cp?.stop();
});

function replicaSet(name: string, replicas: number, extra: Partial<ReplicaSet['spec']> = {}): string {
  return stringify({
    apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: NS },
    spec: {
      replicas, selector: { matchLabels: { app: name } }, ...extra,
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'tugboat/testapp:latest' }] } },
    },
  });
}

async function pods(app: string): Promise<Pod[]> {
  return (await client.list<Pod>(PODS, { namespace: NS, labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp);
}
const ready = (p: Pod) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

describe('ReplicaSet', () => {
  it('creates exactly spec.replicas pods under a burst of events (no double creation)', async () => {
    await cp.k(['apply', '-f', '-'], replicaSet('burst', 30));
    await until('30 ready', async () => (await pods('burst')).filter(ready).length === 30, 60_000);
    // let any stray reconcile happen, then count every pod ever created
    await new Promise((r) => setTimeout(r, 1500));
    expect(kubelet!.seen.filter((k) => k.startsWith(`${NS}/burst-`))).toHaveLength(30);
    const rs = await client.get<ReplicaSet>(RS, NS, 'burst');
    expect(rs.status).toMatchObject({ replicas: 30, readyReplicas: 30, availableReplicas: 30, fullyLabeledReplicas: 30, observedGeneration: 1 });
    await cp.k(['scale', 'rs/burst', '--replicas=5', '-n', NS]);
    await until('5 left', async () => (await pods('burst')).length === 5, 30_000);
    await cp.k(['delete', 'rs', 'burst', '-n', NS]);
  });

  it('adopts matching orphans and releases pods that stop matching', async () => {
    for (const name of ['orphan-a', 'orphan-b']) {
      await client.create<KubeObject>(PODS, {
        metadata: { name, namespace: NS, labels: { app: 'adopt' } },
        spec: { containers: [{ name: 'app', image: 'tugboat/testapp:latest' }] },
      });
    }
    await cp.k(['apply', '-f', '-'], replicaSet('adopt', 3));
    const rs = await until('rs', () => client.get<ReplicaSet>(RS, NS, 'adopt'));
    await until('3 owned pods', async () => {
      const list = await pods('adopt');
      return list.length === 3 && list.every((p) => p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid && r.controller));
    }, 30_000);
    const names = (await pods('adopt')).map((p) => p.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['orphan-a', 'orphan-b']));

    await cp.k(['label', 'pod', 'orphan-a', '-n', NS, 'app=elsewhere', '--overwrite']);
    await until('released and replaced', async () => {
      const released = await client.get<Pod>(PODS, NS, 'orphan-a');
      const list = await pods('adopt');
      return !released.metadata.ownerReferences?.length && list.length === 3 && !list.some((p) => p.metadata.name === 'orphan-a');
    }, 30_000);
  });

  it('counts pods available only after minReadySeconds', async () => {
    await cp.k(['apply', '-f', '-'], replicaSet('slow', 2, { minReadySeconds: 3 }));
    await until('ready but not yet available', async () => {
      const rs = await client.get<ReplicaSet>(RS, NS, 'slow');
      return rs.status?.readyReplicas === 2 && rs.status.availableReplicas === 0;
    }, 30_000, 100);
    await until('available', async () => (await client.get<ReplicaSet>(RS, NS, 'slow')).status?.availableReplicas === 2, 10_000, 100);
  });

  it('replaces a deleted pod', async () => {
    const victim = (await pods('slow'))[0]!.metadata.name!;
    await cp.k(['delete', 'pod', victim, '-n', NS]);
    await until('replacement', async () => {
      const list = await pods('slow');
      return list.length === 2 && !list.some((p) => p.metadata.name === victim) && list.every(ready);
    }, 30_000);
  });
});
