/** StatefulSet decisions: ordered creation, highest-first scale down, rolling update order and partition, status. */
import { describe, expect, it } from 'vitest';
import {
  POD_INDEX_LABEL, POD_NAME_LABEL, REVISION_LABEL, ordinalOf, planStatefulSet, statefulPodTemplate, statefulSetStatus, updateRevisionOf,
  type StatefulSet,
} from '../../../control/controllers/statefulset-plan.js';
import type { Pod } from '../../../control/controllers/workload-types.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const OLD = 'web-old';
const NEW = 'web-new';

function set(spec: Partial<StatefulSet['spec']> = {}): StatefulSet {
  return { metadata: { name: 'web', namespace: 'default', generation: 2 }, spec: { replicas: 3, serviceName: 'web', ...spec } };
}

type State = 'ready' | 'pending' | 'running' | 'failed' | 'terminating';
function pod(ordinal: number, state: State = 'ready', revision = NEW): Pod {
  const p: Pod = {
    metadata: { name: `web-${ordinal}`, namespace: 'default', labels: { [REVISION_LABEL]: revision } },
    status: { phase: state === 'pending' ? 'Pending' : state === 'failed' ? 'Failed' : 'Running' },
  };
  if (state === 'ready' || state === 'terminating') {
    p.status!.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(NOW - 60_000).toISOString() }];
  }
  if (state === 'terminating') p.metadata.deletionTimestamp = new Date(NOW).toISOString();
  return p;
}
const names = (pods: Pod[]) => pods.map((p) => p.metadata.name);

describe('planStatefulSet, OrderedReady', () => {
  it('creates ordinal 0 first, and each next one only after the previous is Running and Ready', () => {
    expect(planStatefulSet(set(), [], NEW, NOW)).toMatchObject({ create: [0], remove: [] });
    expect(planStatefulSet(set(), [pod(0, 'pending')], NEW, NOW)).toMatchObject({ create: [], remove: [] });
    expect(planStatefulSet(set(), [pod(0, 'running')], NEW, NOW)).toMatchObject({ create: [], remove: [] });
    expect(planStatefulSet(set(), [pod(0)], NEW, NOW)).toMatchObject({ create: [1], remove: [] });
    expect(planStatefulSet(set(), [pod(0), pod(1)], NEW, NOW)).toMatchObject({ create: [2] });
    expect(planStatefulSet(set(), [pod(0), pod(1), pod(2)], NEW, NOW)).toEqual({ create: [], remove: [] });
  });

  it('honours minReadySeconds and ordinals.start', () => {
    const fresh = pod(0);
    fresh.status!.conditions![0]!.lastTransitionTime = new Date(NOW - 2_000).toISOString();
    expect(planStatefulSet(set({ minReadySeconds: 10 }), [fresh], NEW, NOW).create).toEqual([]);
    expect(planStatefulSet(set({ ordinals: { start: 5 } }), [], NEW, NOW).create).toEqual([5]);
  });

  it('deletes a failed pod so the same name is recreated, before going further', () => {
    const failed = pod(1, 'failed');
    expect(planStatefulSet(set(), [pod(0), failed, pod(2)], NEW, NOW)).toMatchObject({ create: [], remove: [failed] });
    expect(planStatefulSet(set(), [pod(0), pod(2)], NEW, NOW)).toMatchObject({ create: [1], remove: [] });
  });

  it('scales down from the highest ordinal, one at a time, waiting for termination', () => {
    const pods = [pod(0), pod(1), pod(2), pod(3), pod(4)];
    expect(names(planStatefulSet(set({ replicas: 2 }), pods, NEW, NOW).remove)).toEqual(['web-4']);
    expect(planStatefulSet(set({ replicas: 2 }), [pod(0), pod(1), pod(2), pod(3, 'terminating')], NEW, NOW).remove).toEqual([]);
    expect(names(planStatefulSet(set({ replicas: 2 }), [pod(0), pod(1), pod(2)], NEW, NOW).remove)).toEqual(['web-2']);
    // an unhealthy pod in range blocks scale down
    expect(planStatefulSet(set({ replicas: 2 }), [pod(0), pod(1, 'running'), pod(2)], NEW, NOW).remove).toEqual([]);
  });
});

describe('planStatefulSet, Parallel', () => {
  it('creates and deletes all at once', () => {
    const parallel = set({ podManagementPolicy: 'Parallel', replicas: 4 });
    expect(planStatefulSet(parallel, [pod(1, 'pending')], NEW, NOW).create).toEqual([0, 2, 3]);
    const shrink = set({ podManagementPolicy: 'Parallel', replicas: 1 });
    expect(names(planStatefulSet(shrink, [pod(0), pod(1), pod(2, 'running'), pod(3)], NEW, NOW).remove)).toEqual(['web-3', 'web-2', 'web-1']);
  });
});

describe('planStatefulSet, updates', () => {
  const old = (o: number, state: State = 'ready') => pod(o, state, OLD);

  it('RollingUpdate replaces from the highest ordinal down, one Ready pod at a time', () => {
    expect(names(planStatefulSet(set(), [old(0), old(1), old(2)], NEW, NOW).remove)).toEqual(['web-2']);
    expect(planStatefulSet(set(), [old(0), old(1), old(2, 'terminating')], NEW, NOW).remove).toEqual([]);
    expect(planStatefulSet(set(), [old(0), old(1)], NEW, NOW).create).toEqual([2]);
    expect(planStatefulSet(set(), [old(0), old(1), pod(2, 'running')], NEW, NOW).remove).toEqual([]);
    expect(names(planStatefulSet(set(), [old(0), old(1), pod(2)], NEW, NOW).remove)).toEqual(['web-1']);
    expect(names(planStatefulSet(set(), [old(0), pod(1), pod(2)], NEW, NOW).remove)).toEqual(['web-0']);
  });

  it('leaves ordinals below the partition alone', () => {
    const partitioned = set({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } });
    expect(names(planStatefulSet(partitioned, [old(0), old(1), old(2)], NEW, NOW).remove)).toEqual(['web-2']);
    expect(planStatefulSet(partitioned, [old(0), old(1), pod(2)], NEW, NOW)).toEqual({ create: [], remove: [] });
  });

  it('OnDelete never deletes for a revision', () => {
    expect(planStatefulSet(set({ updateStrategy: { type: 'OnDelete' } }), [old(0), old(1), old(2)], NEW, NOW)).toEqual({ create: [], remove: [] });
  });
});

describe('statefulSetStatus', () => {
  it('counts ready, current and updated pods; the current revision moves once every pod is updated and Ready', () => {
    const s = set();
    expect(statefulSetStatus(s, [pod(0, 'ready', OLD), pod(1, 'ready', OLD), pod(2, 'running')], OLD, NEW, NOW)).toEqual({
      observedGeneration: 2, replicas: 3, readyReplicas: 2, currentReplicas: 2, updatedReplicas: 1, availableReplicas: 2,
      currentRevision: OLD, updateRevision: NEW, collisionCount: 0,
    });
    expect(statefulSetStatus(s, [pod(0), pod(1), pod(2)], OLD, NEW, NOW)).toMatchObject({
      replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: NEW, updateRevision: NEW,
    });
  });
});

describe('pod identity', () => {
  it('names, hostname, subdomain and labels', () => {
    const s = set({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } });
    const t = statefulPodTemplate(s, 2, NEW);
    expect(t.name).toBe('web-2');
    expect(t.spec).toMatchObject({ hostname: 'web-2', subdomain: 'web' });
    expect(t.metadata?.labels).toEqual({ app: 'web', [POD_NAME_LABEL]: 'web-2', [POD_INDEX_LABEL]: '2', [REVISION_LABEL]: NEW });
    expect(ordinalOf('web', 'web-12')).toBe(12);
    expect(ordinalOf('web', 'web-db-1')).toBeUndefined();
    expect(ordinalOf('web-db', 'web-db-1')).toBe(1);
  });
});

describe('updateRevisionOf', () => {
  it('does not move when the first status write adds collisionCount 0, and does move with a new template', () => {
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    const fresh = set({ template });
    const withStatus: StatefulSet = { ...fresh, status: { replicas: 0, collisionCount: 0 } };
    expect(updateRevisionOf(withStatus)).toBe(updateRevisionOf(fresh));
    expect(updateRevisionOf(fresh)).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(updateRevisionOf(set({ template: { ...template, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } }))).not.toBe(updateRevisionOf(fresh));
  });
});
