import { describe, expect, it } from 'vitest';
import {
  NOT_READY_TAINT_KEY, NodeHealthTracker, UNREACHABLE_TAINT_KEY, nodeHealthUpdate, type LeaseObject, type NodeObject, type Taint,
} from '../../../control/controllers/node-health.js';
import { evictionTime, type PodObject, type Toleration } from '../../../control/controllers/taint-eviction.js';
import { orphanedPods } from '../../../control/controllers/pod-gc.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function lease(renew: string): LeaseObject {
  return { metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'n1', renewTime: renew } };
}

function readyNode(taints: Taint[] = []): NodeObject {
  return {
    metadata: { name: 'n1', creationTimestamp: iso(T0 - 3600_000) },
    spec: { taints },
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastHeartbeatTime: iso(T0 - 5000) },
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: iso(T0 - 5000) },
      ],
    },
  };
}

describe('NodeHealthTracker (fake clock)', () => {
  it('goes stale only after the grace period without a renewal, counted on its own clock', () => {
    let now = T0;
    const t = new NodeHealthTracker(() => now);
    t.observe('n1', lease('2020-01-01T00:00:00.000000Z'), readyNode()); // object timestamps far in the past do not matter
    now += 39_000;
    expect(t.isStale('n1', 40_000)).toBe(false);
    now += 2000;
    expect(t.isStale('n1', 40_000)).toBe(true);
    t.observe('n1', lease('2020-01-01T00:00:41.000000Z'), readyNode()); // renewed
    expect(t.isStale('n1', 40_000)).toBe(false);
    now += 40_001;
    t.observe('n1', lease('2020-01-01T00:00:41.000000Z'), readyNode()); // same renewTime: no reset
    expect(t.isStale('n1', 40_000)).toBe(true);
  });

  it('a Ready heartbeat also counts, a vanished lease does not reset, unknown nodes are not stale', () => {
    let now = T0;
    const t = new NodeHealthTracker(() => now);
    expect(t.isStale('n1', 1)).toBe(false);
    t.observe('n1', lease('a'), readyNode());
    now += 30_000;
    const beat = readyNode();
    beat.status!.conditions![1]!.lastHeartbeatTime = iso(now);
    t.observe('n1', undefined, beat);
    now += 30_000;
    expect(t.isStale('n1', 40_000)).toBe(false);
    now += 11_000;
    expect(t.isStale('n1', 40_000)).toBe(true);
  });
});

describe('nodeHealthUpdate', () => {
  const now = iso(T0);

  it('a stale node gets every condition Unknown and both unreachable taints', () => {
    const u = nodeHealthUpdate(readyNode([{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }]), true, now);
    expect(u.conditions).toEqual([
      expect.objectContaining({ type: 'MemoryPressure', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: now }),
      expect.objectContaining({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: iso(T0 - 5000) }),
    ]);
    expect(u.taints).toEqual([
      { key: 'dedicated', value: 'x', effect: 'NoSchedule' },
      { key: UNREACHABLE_TAINT_KEY, effect: 'NoSchedule', timeAdded: now },
      { key: UNREACHABLE_TAINT_KEY, effect: 'NoExecute', timeAdded: now },
    ]);
  });

  it('is idempotent: an already-marked node needs nothing', () => {
    const node = readyNode([{ key: UNREACHABLE_TAINT_KEY, effect: 'NoSchedule' }, { key: UNREACHABLE_TAINT_KEY, effect: 'NoExecute' }]);
    for (const c of node.status!.conditions!) c.status = 'Unknown';
    expect(nodeHealthUpdate(node, true, now)).toEqual({});
  });

  it('a node that never posted status gets Ready=Unknown NodeStatusNeverUpdated', () => {
    const u = nodeHealthUpdate({ metadata: { name: 'n1' } }, true, now);
    expect(u.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' })]);
  });

  it('a fresh node loses the unreachable taints and keeps the others', () => {
    const node = readyNode([{ key: 'a', effect: 'NoExecute' }, { key: UNREACHABLE_TAINT_KEY, effect: 'NoSchedule' }, { key: UNREACHABLE_TAINT_KEY, effect: 'NoExecute' }]);
    expect(nodeHealthUpdate(node, false, now)).toEqual({ taints: [{ key: 'a', effect: 'NoExecute' }] });
    expect(nodeHealthUpdate(readyNode(), false, now)).toEqual({});
  });

  it('a live node reporting Ready=False gets the not-ready taints, loses them when ready again', () => {
    const notReady = readyNode([{ key: 'a', effect: 'NoSchedule' }]);
    notReady.status!.conditions![1]!.status = 'False';
    const u = nodeHealthUpdate(notReady, false, now);
    expect(u.conditions).toBeUndefined();
    expect(u.taints).toEqual([
      { key: 'a', effect: 'NoSchedule' },
      { key: NOT_READY_TAINT_KEY, effect: 'NoSchedule', timeAdded: now },
      { key: NOT_READY_TAINT_KEY, effect: 'NoExecute', timeAdded: now },
    ]);
    notReady.spec!.taints = u.taints;
    expect(nodeHealthUpdate(notReady, false, now)).toEqual({});
    notReady.status!.conditions![1]!.status = 'True';
    expect(nodeHealthUpdate(notReady, false, now)).toEqual({ taints: [{ key: 'a', effect: 'NoSchedule' }] });
  });

  it('a not-ready node that goes stale swaps not-ready for unreachable in one write', () => {
    const node = readyNode([{ key: NOT_READY_TAINT_KEY, effect: 'NoSchedule' }, { key: NOT_READY_TAINT_KEY, effect: 'NoExecute' }]);
    node.status!.conditions![1]!.status = 'False';
    expect(nodeHealthUpdate(node, true, now).taints).toEqual([
      { key: UNREACHABLE_TAINT_KEY, effect: 'NoSchedule', timeAdded: now },
      { key: UNREACHABLE_TAINT_KEY, effect: 'NoExecute', timeAdded: now },
    ]);
  });
});

describe('evictionTime', () => {
  const unreachable = [{ key: UNREACHABLE_TAINT_KEY, effect: 'NoExecute' as const, timeAdded: iso(T0) }];
  const pod = (tolerations?: Toleration[], created = T0 - 60_000): PodObject =>
    ({ metadata: { name: 'p', namespace: 'd', creationTimestamp: iso(created) }, spec: { nodeName: 'n1', tolerations } });

  it('a pod without a toleration gets the default eviction timeout for node-health taints', () => {
    expect(evictionTime(pod(), unreachable, 300, T0)).toBe(T0 + 300_000);
    expect(evictionTime(pod(), unreachable, 5, T0 + 1000)).toBe(T0 + 5000);
  });

  it("uses the smallest matching toleration's tolerationSeconds", () => {
    const p = pod([
      { key: UNREACHABLE_TAINT_KEY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 },
      { operator: 'Exists', tolerationSeconds: 30 },
    ]);
    expect(evictionTime(p, unreachable, 300, T0)).toBe(T0 + 30_000);
    expect(evictionTime(pod([{ key: UNREACHABLE_TAINT_KEY, operator: 'Exists', tolerationSeconds: -5 }]), unreachable, 300, T0)).toBe(T0);
  });

  it('a toleration without tolerationSeconds tolerates forever', () => {
    expect(evictionTime(pod([{ operator: 'Exists' }]), unreachable, 300, T0)).toBeUndefined();
  });

  it('an untolerated ordinary NoExecute taint evicts at once; NoSchedule taints never evict', () => {
    expect(evictionTime(pod(), [{ key: 'maintenance', effect: 'NoExecute', timeAdded: iso(T0) }], 300, T0 + 5)).toBe(T0);
    expect(evictionTime(pod(), [{ key: 'maintenance', effect: 'NoSchedule' }], 300, T0)).toBeUndefined();
  });

  it('counts from the pod creation when the pod arrived after the taint', () => {
    expect(evictionTime(pod(undefined, T0 + 10_000), unreachable, 5, T0 + 10_000)).toBe(T0 + 15_000);
  });
});

describe('orphanedPods (pod GC)', () => {
  const p = (name: string, node?: string): PodObject => ({ metadata: { name, namespace: 'd' }, spec: { nodeName: node } });

  it('reports pods of a missing node only after the quarantine, and forgets nodes that come back', () => {
    const since = new Map<string, number>();
    const pods = [p('a', 'gone'), p('b', 'here'), p('c')];
    expect(orphanedPods(pods, new Set(['here']), since, T0, 40_000)).toEqual([]);
    expect(orphanedPods(pods, new Set(['here']), since, T0 + 39_000, 40_000)).toEqual([]);
    expect(orphanedPods(pods, new Set(['here']), since, T0 + 40_000, 40_000).map((x) => x.metadata.name)).toEqual(['a']);
    expect(orphanedPods(pods, new Set(['here', 'gone']), since, T0 + 41_000, 40_000)).toEqual([]);
    expect(since.size).toBe(0);
  });
});
