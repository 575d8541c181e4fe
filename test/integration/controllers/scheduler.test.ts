/**
 * The scheduler inside `tug server`, against simulated nodes (Node + renewed Lease, no kubelet):
 * spreading, assumption under bursts, nodeSelector, taints, Unschedulable + FailedScheduling as
 * `kubectl describe pod` shows them, and the retry when a node appears.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { KubeObject } from '../../../control/api/object.js';
import { findResource } from '../../../control/api/resources.js';
import type { ApiClient } from '../../../control/client/index.js';
import { startControlPlane, type TestControlPlane } from '../../support/control-plane.js';
import { simulateNode, until, type SimulatedNode } from './simulated-nodes.js';

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const NS = 'sched';

let cp: TestControlPlane;
let client: ApiClient;
let nodes: SimulatedNode[] = [];

interface PodView extends KubeObject {
  spec: { nodeName?: string };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

beforeAll(async () => {
  cp = await startControlPlane();
  client = cp.client();
  await cp.k(['create', 'namespace', NS]);
});

afterAll(async () => {
  for (const n of nodes) n.stopHeartbeat();
  await cp?.stop();
});

afterEach(async () => {
  for (const n of nodes) n.stopHeartbeat();
  await cp.k(['delete', 'pods', '--all', '-n', NS, '--grace-period=0', '--force', '--wait=false']);
  for (const n of nodes) await client.delete(NODES, undefined, n.name).catch(() => undefined);
  nodes = [];
  await until('pods gone', async () => (await client.list(PODS, { namespace: NS })).items.length === 0);
});

async function addNodes(specs: { name: string; cpu?: string; pods?: string; labels?: Record<string, string> }[]): Promise<void> {
  for (const s of specs) nodes.push(await simulateNode(client, s.name, s));
}

function podManifest(name: string, opts: { cpu?: string; owner?: KubeObject; nodeSelector?: Record<string, string>; tolerations?: unknown[] } = {}): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: NS,
      ownerReferences: opts.owner ? [{ apiVersion: 'v1', kind: 'ConfigMap', name: opts.owner.metadata.name!, uid: opts.owner.metadata.uid!, controller: true }] : undefined,
    },
    spec: {
      containers: [{ name: 'app', image: 'tugboat/testapp:latest', resources: opts.cpu ? { requests: { cpu: opts.cpu } } : undefined }],
      nodeSelector: opts.nodeSelector,
      tolerations: opts.tolerations,
    },
  };
}

async function boundNodes(names: string[]): Promise<Record<string, string>> {
  return until(`pods ${names.join(',')} bound`, async () => {
    const out: Record<string, string> = {};
    for (const n of names) {
      const p = await client.get<PodView>(PODS, NS, n);
      if (!p.spec.nodeName) return undefined;
      out[n] = p.spec.nodeName;
    }
    return out;
  });
}

function perNode(placement: Record<string, string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of Object.values(placement)) counts[n] = (counts[n] ?? 0) + 1;
  return counts;
}

describe('scheduler', () => {
  it('spreads the pods of one owner across two nodes and binds with PodScheduled=True', async () => {
    await addNodes([{ name: 'node-a' }, { name: 'node-b' }]);
    const owner = await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-owner', namespace: NS } });
    const names = ['web-1', 'web-2', 'web-3', 'web-4'];
    for (const n of names) await client.create(PODS, podManifest(n, { owner, cpu: '100m' }));
    const placement = await boundNodes(names);
    expect(perNode(placement)).toEqual({ 'node-a': 2, 'node-b': 2 });
    const wide = await cp.k(['get', 'pods', '-n', NS, '-o', 'wide']);
    expect(wide).toMatch(/web-1 .*node-[ab]/);
    const pod = await client.get<PodView>(PODS, NS, 'web-1');
    expect(pod.status?.conditions).toContainEqual(expect.objectContaining({ type: 'PodScheduled', status: 'True' }));
    const events = await cp.k(['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=web-1,reason=Scheduled', '-o', 'jsonpath={.items[*].message}']);
    expect(events).toMatch(/^Successfully assigned sched\/web-1 to node-[ab]$/);
  });

  it('never overfills a node during a burst (each decision is assumed before it is bound)', async () => {
    await addNodes([{ name: 'small-a', pods: '3' }, { name: 'small-b', pods: '3' }]);
    const names = Array.from({ length: 6 }, (_, i) => `burst-${i}`);
    await cp.k(['apply', '-f', '-'], names.map((n) => stringify(podManifest(n))).join('---\n'));
    expect(perNode(await boundNodes(names))).toEqual({ 'small-a': 3, 'small-b': 3 });
    await client.create(PODS, podManifest('burst-extra'));
    const cond = await until('burst-extra unschedulable', async () => {
      const p = await client.get<PodView>(PODS, NS, 'burst-extra');
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    expect(cond.message).toBe('0/2 nodes are available: 2 Too many pods.');
  });

  it('reports an unschedulable pod like upstream, in describe, and binds it when a node appears', async () => {
    await addNodes([{ name: 'plain' }, { name: 'ssd', labels: { disk: 'ssd' } }]);
    await client.create(PODS, podManifest('big', { cpu: '3', nodeSelector: { disk: 'ssd' } }));
    const message = "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector.";
    const cond = await until('PodScheduled=False', async () => {
      const p = await client.get<PodView>(PODS, NS, 'big');
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    expect(cond).toMatchObject({ reason: 'Unschedulable', message });
    const described = await until('FailedScheduling in describe', async () => {
      const out = await cp.k(['describe', 'pod', 'big', '-n', NS]);
      return out.includes('FailedScheduling') ? out : undefined;
    });
    expect(described).toMatch(/Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/2 nodes are available: 1 Insufficient cpu, 1 node\(s\) didn't match Pod's node affinity\/selector\./);
    expect(described).toMatch(/PodScheduled\s+False/);
    expect((await cp.k(['get', 'pod', 'big', '-n', NS])).split('\n')[1]).toMatch(/big\s+0\/1\s+Pending/);

    await addNodes([{ name: 'ssd-big', cpu: '8', labels: { disk: 'ssd' } }]);
    expect(await boundNodes(['big'])).toEqual({ big: 'ssd-big' });
  });

  it('honours nodeSelector, NoSchedule taints and tolerations', async () => {
    await addNodes([{ name: 'tainted', labels: { zone: 'z1' } }, { name: 'clean', labels: { zone: 'z2' } }]);
    await cp.k(['taint', 'nodes', 'tainted', 'dedicated=gpu:NoSchedule']);
    // The taint must be in the scheduler's cache before the pods arrive.
    await until('taint visible', async () => ((await client.get<KubeObject & { spec?: { taints?: unknown[] } }>(NODES, undefined, 'tainted')).spec?.taints?.length ?? 0) > 0);
    for (const n of ['free-1', 'free-2', 'free-3']) await client.create(PODS, podManifest(n));
    expect(Object.values(await boundNodes(['free-1', 'free-2', 'free-3']))).toEqual(['clean', 'clean', 'clean']);

    await client.create(PODS, podManifest('tolerant', { nodeSelector: { zone: 'z1' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }));
    expect(await boundNodes(['tolerant'])).toEqual({ tolerant: 'tainted' });

    await client.create(PODS, podManifest('picky', { nodeSelector: { zone: 'z1' } }));
    const cond = await until('picky unschedulable', async () => {
      const p = await client.get<PodView>(PODS, NS, 'picky');
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    expect(cond.message).toBe("0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {dedicated: gpu}.");
    await cp.k(['taint', 'nodes', 'tainted', 'dedicated=gpu:NoSchedule-']);
    expect(await boundNodes(['picky'])).toEqual({ picky: 'tainted' });
  });
});
