/**
 * Node lifecycle inside `tug server` (grace 6 s, eviction timeout 5 s for the test), against
 * simulated nodes whose leases the test renews or stops: Ready=Unknown + unreachable taints,
 * eviction after the timeout (pods with a longer toleration stay), taints gone when the lease
 * comes back; not-ready taints while a live node reports Ready=False; and pods of a deleted
 * node force-deleted by pod GC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../control/api/object.js';
import { findResource } from '../../../control/api/resources.js';
import { ApiError } from '../../../control/api/errors.js';
import type { ApiClient } from '../../../control/client/index.js';
import { startControlPlane, type TestControlPlane } from '../../support/control-plane.js';
import { simulateNode, until, type SimulatedNode } from './simulated-nodes.js';

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const NS = 'lifecycle';

interface NodeView extends KubeObject {
  spec?: { taints?: { key: string; effect: string; timeAdded?: string }[] };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

let cp: TestControlPlane;
let client: ApiClient;
const sims: SimulatedNode[] = [];

beforeAll(async () => {
  cp = await startControlPlane({ extraArgs: ['--pod-eviction-timeout', '5', '--node-monitor-grace-period', '6'] });
  client = cp.client();
  await cp.k(['create', 'namespace', NS]);
});

afterAll(async () => {
  for (const s of sims) s.stopHeartbeat();
  await cp?.stop();
});

function boundPod(name: string, node: string, tolerations?: unknown[]): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS },
    spec: { nodeName: node, containers: [{ name: 'app', image: 'tugboat/testapp:latest' }], tolerations },
  };
}

async function exists(name: string): Promise<boolean> {
  try {
    await client.get(PODS, NS, name);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return false;
    throw err;
  }
}

describe('node lifecycle', () => {
  it('marks a node whose lease stops Unknown + unreachable, evicts its pods after the timeout, and untaints it when it returns', async () => {
    const dying = await simulateNode(client, 'dying', { everyMs: 1000 });
    const healthy = await simulateNode(client, 'healthy', { everyMs: 1000 });
    sims.push(dying, healthy);
    await client.create(PODS, boundPod('victim', 'dying'));
    await client.create(PODS, boundPod('patient', 'dying', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3600 }]));
    await client.create(PODS, boundPod('bystander', 'healthy'));

    const stoppedAt = Date.now();
    dying.stopHeartbeat();
    const node = await until('dying node Unknown + tainted', async () => {
      const n = await client.get<NodeView>(NODES, undefined, 'dying');
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.status === 'Unknown' && (n.spec?.taints?.length ?? 0) >= 2 ? n : undefined;
    }, 30_000);
    const markedAfter = Date.now() - stoppedAt;
    expect(markedAfter).toBeGreaterThanOrEqual(5_000); // not before the grace period …
    expect(markedAfter).toBeLessThan(6_000 + 8_000); // … and soon after it
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.',
    });
    expect(node.spec?.taints).toEqual(expect.arrayContaining([
      expect.objectContaining({ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: expect.any(String) }),
      expect.objectContaining({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: expect.any(String) }),
    ]));
    expect(await cp.k(['get', 'node', 'dying'])).toMatch(/dying\s+NotReady/);
    expect(await cp.k(['get', 'node', 'healthy'])).toMatch(/healthy\s+Ready/);

    const taintedAt = Date.now();
    await until('victim evicted', async () => !(await exists('victim')), 20_000);
    expect(Date.now() - taintedAt).toBeGreaterThanOrEqual(3_000); // waited for the 5 s eviction timeout
    expect(await exists('patient')).toBe(true);
    expect(await exists('bystander')).toBe(true);
    const events = await cp.k(['get', 'events', '-A', '--field-selector', 'reason=TaintManagerEviction', '-o', 'jsonpath={.items[*].message}']);
    expect(events).toContain(`Marking for deletion Pod ${NS}/victim`);

    dying.startHeartbeat();
    await until('unreachable taints removed', async () => {
      const n = await client.get<NodeView>(NODES, undefined, 'dying');
      return !(n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/unreachable');
    }, 15_000);
    expect(await exists('patient')).toBe(true);
  });

  it('taints a live node whose kubelet reports Ready=False not-ready, evicts gracefully after the timeout, and untaints it when Ready', async () => {
    const sick = await simulateNode(client, 'sick', { everyMs: 1000 });
    sims.push(sick);
    await client.create(PODS, boundPod('sickpod', 'sick'));
    const setReady = (status: 'True' | 'False') => client.patch(NODES, undefined, 'sick', { status: { conditions: [{
      type: 'Ready', status, reason: status === 'True' ? 'KubeletReady' : 'KubeletNotReady',
      message: status === 'True' ? 'kubelet is posting ready status' : 'container runtime is down: docker does not answer',
      lastHeartbeatTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    }] } }, 'strategic', { subresource: 'status' });

    await setReady('False');
    const tainted = await until('not-ready taints', async () => {
      const n = await client.get<NodeView>(NODES, undefined, 'sick');
      return (n.spec?.taints ?? []).filter((t) => t.key === 'node.kubernetes.io/not-ready').length === 2 ? n : undefined;
    }, 15_000);
    expect(tainted.spec?.taints?.map((t) => t.effect).sort()).toEqual(['NoExecute', 'NoSchedule']);
    expect(await cp.k(['describe', 'node', 'sick'])).toMatch(/Taints:\s+node\.kubernetes\.io\/not-ready:NoExecute\n\s+node\.kubernetes\.io\/not-ready:NoSchedule/);

    // The kubelet is alive, so the eviction is graceful: the pod is marked for deletion, not removed.
    const marked = await until('sickpod marked for deletion', async () => {
      const p = await client.get<KubeObject>(PODS, NS, 'sickpod');
      return p.metadata.deletionTimestamp ? p : undefined;
    }, 20_000);
    expect(marked.metadata.deletionTimestamp).toBeTruthy();

    await setReady('True');
    await until('not-ready taints removed', async () => {
      const n = await client.get<NodeView>(NODES, undefined, 'sick');
      return !(n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/not-ready');
    }, 15_000);
    const reasons = await cp.k(['get', 'events', '-A', '--field-selector', 'involvedObject.name=sick', '-o', 'jsonpath={.items[*].reason}']);
    expect(reasons.split(' ')).toEqual(expect.arrayContaining(['NodeNotReady', 'NodeReady']));
  });

  it('force-deletes pods bound to a node that no longer exists (pod GC, after its 40 s quarantine)', async () => {
    const doomed = await simulateNode(client, 'doomed', { everyMs: 1000 });
    sims.push(doomed);
    await client.create(PODS, boundPod('orphan', 'doomed'));
    doomed.stopHeartbeat();
    await client.delete(NODES, undefined, 'doomed');
    await until('orphan pod force-deleted', async () => !(await exists('orphan')), 75_000, 1000);
  }, 90_000);
});
