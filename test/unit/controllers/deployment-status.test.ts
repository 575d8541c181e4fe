import { describe, expect, it } from 'vitest';
import {
  REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, replicaSetsToCleanUp, setNewReplicaSetAnnotations,
} from '../../../control/controllers/deployment-revisions.js';
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION } from '../../../control/controllers/deployment-rollout.js';
import { calculateStatus, getCondition, pausedConditions, rolloutStatus } from '../../../control/controllers/deployment-status.js';
import type { Deployment, ReplicaSet } from '../../../control/controllers/workload-types.js';

const T0 = Date.UTC(2025, 0, 1);

function deploy(over: Partial<Deployment['spec']> = {}, status?: Deployment['status'], generation = 2): Deployment {
  return {
    metadata: { name: 'web', namespace: 'default', generation, annotations: {} },
    spec: { replicas: 4, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } }, ...over },
    status,
  };
}

function rs(name: string, spec: number, available: number, revision?: number): ReplicaSet {
  return {
    metadata: { name, namespace: 'default', creationTimestamp: new Date(T0).toISOString(), generation: 1, annotations: revision ? { [REVISION_ANNOTATION]: String(revision) } : {} },
    spec: { replicas: spec },
    status: { replicas: spec, readyReplicas: available, availableReplicas: available, observedGeneration: 1 },
  };
}

describe('calculateStatus', () => {
  it('sums the ReplicaSets and sets Available from the availability floor', () => {
    const d = deploy();
    const s = calculateStatus(d, [rs('old', 3, 3), rs('new', 2, 0)], rs('new', 2, 0), '2025-01-01T00:00:00Z');
    expect(s).toMatchObject({ observedGeneration: 2, replicas: 5, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 2 });
    expect(getCondition(s, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    const low = calculateStatus(d, [rs('new', 4, 2)], rs('new', 4, 2), '2025-01-01T00:00:00Z');
    expect(getCondition(low, 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
  });
});

describe('rolloutStatus (what kubectl rollout status reads)', () => {
  it('reports NewReplicaSetAvailable once complete', () => {
    const d = deploy({}, { observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: '2025-01-01T00:00:00Z' }] });
    const newRS = rs('web-abc', 4, 4);
    const { status, recheckMs } = rolloutStatus(d, [rs('web-old', 0, 0), newRS], newRS, T0 + 1000);
    expect(getCondition(status, 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet "web-abc" has successfully progressed.' });
    expect(recheckMs).toBeUndefined();
  });

  it('reports progress and asks to be woken at the deadline', () => {
    const d = deploy({ progressDeadlineSeconds: 30 }, {
      updatedReplicas: 1, replicas: 5, availableReplicas: 4,
      conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', lastUpdateTime: '2025-01-01T00:00:00Z', lastTransitionTime: '2025-01-01T00:00:00Z' }],
    });
    const newRS = rs('web-abc', 2, 0);
    const { status, recheckMs } = rolloutStatus(d, [rs('web-old', 3, 3), newRS], newRS, T0 + 5000);
    expect(getCondition(status, 'Progressing')).toMatchObject({ reason: 'ReplicaSetUpdated', lastTransitionTime: '2025-01-01T00:00:00Z', lastUpdateTime: '2025-01-01T00:00:05Z' });
    expect(recheckMs).toBe(30_000 + 1000);
  });

  it('times out with ProgressDeadlineExceeded when nothing moves past the deadline', () => {
    const cond = { type: 'Progressing', status: 'True' as const, reason: 'ReplicaSetUpdated', lastUpdateTime: '2025-01-01T00:00:00Z', lastTransitionTime: '2025-01-01T00:00:00Z' };
    const newRS = rs('web-abc', 1, 0);
    const oldRS = rs('web-old', 4, 4);
    const d = deploy({ progressDeadlineSeconds: 10 }, { observedGeneration: 2, replicas: 5, updatedReplicas: 1, readyReplicas: 4, availableReplicas: 4, conditions: [cond] });
    expect(getCondition(rolloutStatus(d, [oldRS, newRS], newRS, T0 + 5000).status, 'Progressing')?.reason).toBe('ReplicaSetUpdated');
    const late = rolloutStatus(d, [oldRS, newRS], newRS, T0 + 11_000).status;
    expect(getCondition(late, 'Progressing')).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-abc" has timed out progressing.' });
  });

  it('marks pause and resume on the Progressing condition', () => {
    const paused = deploy({ paused: true }, {});
    const s = {};
    expect(pausedConditions(paused, s, '2025-01-01T00:00:00Z')).toBe(true);
    expect(getCondition(s, 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused' });
    expect(pausedConditions(deploy({}, s), s, '2025-01-01T00:00:01Z')).toBe(true);
    expect(getCondition(s, 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentResumed' });
  });
});

describe('revision annotations', () => {
  it('gives a new ReplicaSet the next revision, the replica annotations and the change-cause', () => {
    const d = deploy();
    d.metadata.annotations = { 'kubernetes.io/change-cause': 'set image v2', 'kubectl.kubernetes.io/last-applied-configuration': '{}', [REVISION_ANNOTATION]: '1' };
    const fresh = rs('web-new', 0, 0);
    expect(setNewReplicaSetAnnotations(d, fresh, 2, false)).toBe(true);
    expect(fresh.metadata.annotations).toEqual({
      'kubernetes.io/change-cause': 'set image v2', [REVISION_ANNOTATION]: '2', [DESIRED_REPLICAS_ANNOTATION]: '4', [MAX_REPLICAS_ANNOTATION]: '5',
    });
  });

  it('re-activating an old ReplicaSet (rollout undo) moves it to max+1 and keeps its history', () => {
    const old = rs('web-v1', 0, 0, 1);
    expect(setNewReplicaSetAnnotations(deploy(), old, 3, true)).toBe(true);
    expect(old.metadata.annotations?.[REVISION_ANNOTATION]).toBe('3');
    expect(old.metadata.annotations?.[REVISION_HISTORY_ANNOTATION]).toBe('1');
    expect(setNewReplicaSetAnnotations(deploy(), old, 3, true)).toBe(false);
  });

  it('cleans up the lowest revisions beyond revisionHistoryLimit, never ones with pods', () => {
    const olds = [rs('r3', 0, 0, 3), rs('r1', 0, 0, 1), rs('r2', 1, 1, 2), rs('r4', 0, 0, 4)];
    expect(replicaSetsToCleanUp(deploy({ revisionHistoryLimit: 1 }), olds).map((x) => x.metadata.name)).toEqual(['r1', 'r3']);
    expect(replicaSetsToCleanUp(deploy({ revisionHistoryLimit: 10 }), olds)).toEqual([]);
  });
});
