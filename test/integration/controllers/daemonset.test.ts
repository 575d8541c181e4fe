/**
 * The DaemonSet controller inside a real `tug server` with two simulated nodes: one pod per
 * eligible node pinned by node affinity, taints, rolling update with maxUnavailable, status as
 * `kubectl rollout status ds` reads it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { findResource } from '../../../control/api/resources.js';
import { Informer, type ApiClient } from '../../../control/client/index.js';
import type { DaemonSet, Pod } from '../../../control/controllers/workload-types.js';
import type { TestControlPlane } from '../../support/control-plane.js';
import { until } from './simulated-nodes.js';
import { startWorkloadHarness, stopWorkloadHarness, type SimulatedKubelet } from './workload-simulated-kubelet.js';

const NODES = findResource('', 'v1', 'nodes')!;
const DS = findResource('apps', 'v1', 'daemonsets')!;
const NS = 'ds';

let cp: TestControlPlane;
let client: ApiClient;
let kubelet: SimulatedKubelet | undefined;
let podWatch: Informer<Pod> | undefined;

beforeAll(async () => {
  ({ cp, client, kubelet, podWatch } = await startWorkloadHarness(NS, { nodes: ['ds-node-1', 'ds-node-2'] }));
});
afterAll(() => stopWorkloadHarness({ cp, kubelet, podWatch }));

const manifest = (image: string, extra: Record<string, unknown> = {}) => stringify({
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: NS },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image }], ...extra } },
  },
});
const live = () => podWatch!.list().filter((p) => !p.metadata.deletionTimestamp);
const isReady = (p: Pod) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

async function expectRolledOut(): Promise<void> {
  const r = await cp.kubectl(['rollout', 'status', 'ds/agent', '-n', NS, '--timeout=60s']);
  expect(r.stdout + r.stderr).toContain('daemon set "agent" successfully rolled out');
  expect(r.code).toBe(0);
}

describe('DaemonSet', () => {
  it('runs one pod per node, pinned with matchFields affinity and daemon tolerations', async () => {
    await client.create(NODES, {
      metadata: { name: 'ds-tainted', labels: { 'kubernetes.io/hostname': 'ds-tainted' } },
      spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
    });
    await cp.k(['apply', '-f', '-'], manifest('tugboat/testapp:v1'));
    await expectRolledOut();
    const pods = live();
    expect(pods).toHaveLength(2);
    expect(pods.map((p) => p.spec?.nodeName).sort()).toEqual(['ds-node-1', 'ds-node-2']);
    for (const p of pods) {
      const terms = p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      expect(terms).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec!.nodeName] }] }]);
      expect(p.spec?.tolerations).toEqual(expect.arrayContaining([
        expect.objectContaining({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }),
        expect.objectContaining({ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }),
      ]));
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'DaemonSet', name: 'agent', controller: true });
    }
    const ds = await client.get<DaemonSet>(DS, NS, 'agent');
    expect(ds.status).toMatchObject({
      desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 2, updatedNumberScheduled: 2, numberAvailable: 2,
      numberMisscheduled: 0, observedGeneration: 1,
    });
  });

  it('a tolerated taint makes the node eligible', async () => {
    await cp.k(['apply', '-f', '-'], manifest('tugboat/testapp:v1', { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] }));
    await until('a pod for the tainted node', async () => live().some((p) => p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0] === 'ds-tainted'), 30_000);
    // the status write follows the pod creation; wait for it rather than race it
    await until('desired 3', async () => (await client.get<DaemonSet>(DS, NS, 'agent')).status?.desiredNumberScheduled === 3, 30_000);
    await client.delete(NODES, undefined, 'ds-tainted');
    await until('desired back to 2', async () => (await client.get<DaemonSet>(DS, NS, 'agent')).status?.desiredNumberScheduled === 2, 30_000);
    await until('2 pods', async () => live().length === 2, 30_000);
    await expectRolledOut();
  });

  it('rolls a new image node by node (maxUnavailable 1)', async () => {
    let minReady = Infinity;
    const sample = () => { minReady = Math.min(minReady, live().filter(isReady).length); };
    podWatch!.onAdd(sample).onUpdate(sample).onDelete(sample);
    await cp.k(['apply', '-f', '-'], manifest('tugboat/testapp:v2', { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] }));
    await expectRolledOut();
    await until('2 new pods', async () => live().length === 2 && live().every((p) => p.spec?.containers?.[0]?.image === 'tugboat/testapp:v2' && isReady(p)), 30_000);
    expect(minReady).toBeGreaterThanOrEqual(1);
    const ds = await client.get<DaemonSet>(DS, NS, 'agent');
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2 });
  });

  it('recreates a deleted daemon pod on the same node', async () => {
    const victim = live().find((p) => p.spec?.nodeName === 'ds-node-1')!;
    await cp.k(['delete', 'pod', victim.metadata.name!, '-n', NS]);
    await until('replacement on ds-node-1', async () => live().some((p) => p.spec?.nodeName === 'ds-node-1' && p.metadata.name !== victim.metadata.name && isReady(p)), 30_000);
    expect(live()).toHaveLength(2);
  });

  it('a nodeSelector narrows the set of nodes', async () => {
    await cp.k(['apply', '-f', '-'], manifest('tugboat/testapp:v2', { nodeSelector: { 'kubernetes.io/hostname': 'ds-node-2' } }));
    await until('only ds-node-2', async () => live().length === 1 && live()[0]!.spec?.nodeName === 'ds-node-2', 30_000);
    await until('status', async () => (await client.get<DaemonSet>(DS, NS, 'agent')).status?.desiredNumberScheduled === 1, 30_000);
  });
});
