/**
 * PodDisruptionBudgets end to end inside `tug server`, against a simulated node whose pods the
 * test marks Ready: the disruption controller's status as `kubectl get pdb` shows it, and
 * `kubectl drain` evicting through pods/eviction — stopped by the budget with upstream's 429
 * message, let through once the budget allows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../control/api/object.js';
import { findResource } from '../../../control/api/resources.js';
import type { ApiClient } from '../../../control/client/index.js';
import { startControlPlane, type TestControlPlane } from '../../support/control-plane.js';
import { simulateNode, until, type SimulatedNode } from './simulated-nodes.js';

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const PDBS = findResource('policy', 'v1', 'poddisruptionbudgets')!;
const NS = 'budget';

let cp: TestControlPlane;
let client: ApiClient;
let node: SimulatedNode | undefined;

interface BudgetView extends KubeObject {
  status?: { disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number; expectedPods?: number; observedGeneration?: number; disruptedPods?: Record<string, string> };
}

beforeAll(async () => {
  cp = await startControlPlane();
  client = cp.client();
  await cp.k(['create', 'namespace', NS]);
  node = await simulateNode(client, 'drainme', { everyMs: 1000 });
});

afterAll(async () => {
  node?.stopHeartbeat();
  await cp?.stop();
});

async function readyPod(name: string, labels: Record<string, string>): Promise<void> {
  await client.create(PODS, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels },
    spec: { nodeName: 'drainme', containers: [{ name: 'app', image: 'tugboat/testapp:latest' }] },
  });
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await client.patch(PODS, NS, name, { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } }, 'merge', { subresource: 'status' });
}

const budget = (): Promise<BudgetView> => client.get<BudgetView>(PDBS, NS, 'web');
const podNames = async (): Promise<string[]> => (await client.list(PODS, { namespace: NS })).items.map((p) => p.metadata.name!).sort();

describe('PodDisruptionBudgets and kubectl drain', () => {
  it('the controller reports how many pods may go; drain evicts that many and is refused the rest with upstream\'s message', async () => {
    for (const i of [0, 1, 2]) await readyPod(`web-${i}`, { app: 'web' });
    await readyPod('other', { app: 'other' });
    await cp.k(['create', 'pdb', 'web', '-n', NS, '--selector=app=web', '--min-available=2']);
    const first = await until('budget computed', async () => {
      const b = await budget();
      return b.status?.expectedPods === 3 ? b : undefined;
    }, 15_000);
    expect(first.status).toMatchObject({ disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, observedGeneration: 1 });
    expect((await cp.k(['get', 'pdb', 'web', '-n', NS, '--no-headers'])).trim().split(/\s+/).slice(0, 4)).toEqual(['web', '2', 'N/A', '1']);

    // A server-side dry run spends nothing: the budget and every pod are as they were.
    const dry = await cp.kubectl(['drain', 'drainme', '--force', '--grace-period=0', '--dry-run=server', '--timeout=12s'], { timeoutMs: 60_000 });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('(server dry run)');
    expect((await budget()).status).toMatchObject({ disruptionsAllowed: 1, currentHealthy: 3 });
    expect((await budget()).status?.disruptedPods).toBeUndefined();
    expect(await podNames()).toEqual(['other', 'web-0', 'web-1', 'web-2']);

    const drain = await cp.kubectl(['drain', 'drainme', '--force', '--grace-period=0', '--timeout=12s'], { timeoutMs: 60_000 });
    expect(drain.code).not.toBe(0);
    expect(drain.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    expect(drain.stdout).toContain('node/drainme cordoned');
    const left = await podNames();
    expect(left.filter((n) => n.startsWith('web-'))).toHaveLength(2); // exactly one disruption was spent
    expect(left).not.toContain('other'); // pods without a budget go at once
    expect((await client.get<KubeObject & { spec: { unschedulable?: boolean } }>(NODES, undefined, 'drainme')).spec.unschedulable).toBe(true);
    const after = await until('budget exhausted', async () => {
      const b = await budget();
      return b.status?.currentHealthy === 2 ? b : undefined;
    }, 15_000);
    expect(after.status?.disruptionsAllowed).toBe(0);

    // Loosen the budget: the new generation is observed, one more may go, and drain gets it.
    await cp.k(['patch', 'pdb', 'web', '-n', NS, '--type=merge', '-p', '{"spec":{"minAvailable":1}}']);
    await until('new generation observed', async () => ((await budget()).status?.observedGeneration === 2 ? true : undefined), 15_000);
    const again = await cp.kubectl(['drain', 'drainme', '--force', '--grace-period=0', '--timeout=8s'], { timeoutMs: 60_000 });
    expect(again.code).not.toBe(0);
    expect((await podNames()).filter((n) => n.startsWith('web-'))).toHaveLength(1);

    await cp.k(['delete', 'pdb', 'web', '-n', NS]);
    const done = await cp.kubectl(['drain', 'drainme', '--force', '--grace-period=0', '--timeout=20s'], { timeoutMs: 60_000 });
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain('node/drainme drained');
    expect(await podNames()).toEqual([]);
  }, 120_000);
});
