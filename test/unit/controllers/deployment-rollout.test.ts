import { describe, expect, it } from 'vitest';
import {
  DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, findActiveOrLatest, maxSurge, maxUnavailable, newReplicaSetReplicas,
  planOldReplicaSetScaleDown, planScale, resolveFenceposts, scaledValue, sumAvailable, sumSpec,
} from '../../../control/controllers/deployment-rollout.js';
import type { Deployment, IntOrString, ReplicaSet } from '../../../control/controllers/workload-types.js';

function deploy(replicas: number, surge: IntOrString = '25%', unavailable: IntOrString = '25%', type: 'RollingUpdate' | 'Recreate' = 'RollingUpdate'): Deployment {
  return {
    metadata: { name: 'web', namespace: 'default', generation: 1 },
    spec: { replicas, strategy: { type, rollingUpdate: type === 'RollingUpdate' ? { maxSurge: surge, maxUnavailable: unavailable } : undefined } },
  };
}

let seq = 0;
function rs(name: string, spec: number, available = spec, annotations: Record<string, string> = {}): ReplicaSet {
  seq++;
  return {
    metadata: { name, namespace: 'default', creationTimestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(), annotations },
    spec: { replicas: spec },
    status: { replicas: spec, availableReplicas: available, readyReplicas: available },
  };
}

describe('scaledValue / resolveFenceposts', () => {
  it.each([
    // surge, unavailable, desired → surge, unavailable
    ['25%', '25%', 4, 1, 1],
    ['25%', '25%', 10, 3, 2],
    ['25%', '25%', 1, 1, 0],
    [0, 0, 4, 0, 1],
    [1, 0, 4, 1, 0],
    ['50%', '0%', 3, 2, 0],
    ['0%', '34%', 3, 0, 1],
    [2, 1, 5, 2, 1],
  ] as const)('surge %s unavailable %s of %i → %i / %i', (s, u, desired, surge, unavailable) => {
    expect(resolveFenceposts(s, u, desired)).toEqual({ surge, unavailable });
  });

  it('rejects malformed values', () => {
    expect(() => scaledValue('abc', 4, true)).toThrow(/IntOrString/);
  });

  it('derives maxSurge/maxUnavailable from the Deployment, capped at replicas', () => {
    expect(maxSurge(deploy(4))).toBe(1);
    expect(maxUnavailable(deploy(4))).toBe(1);
    expect(maxUnavailable(deploy(2, 0, 5))).toBe(2);
    expect(maxSurge(deploy(4, 1, 1, 'Recreate'))).toBe(0);
    expect(maxUnavailable(deploy(0))).toBe(0);
  });
});

describe('newReplicaSetReplicas', () => {
  it.each([
    // replicas, surge, unavailable, old spec, new spec → new target
    [4, '25%', '25%', 4, 0, 1],
    [4, '25%', '25%', 3, 1, 2],
    [4, 0, 1, 4, 0, 0],
    [4, 0, 1, 3, 0, 1],
    [4, 4, 0, 4, 0, 4],
    [4, 1, 0, 2, 3, 3],
    [4, 1, 0, 0, 3, 4],
  ] as const)('replicas %i surge %s unavailable %s old %i new %i → %i', (r, s, u, oldN, newN, want) => {
    const d = deploy(r, s, u);
    const newRS = rs('new', newN);
    expect(newReplicaSetReplicas(d, [rs('old', oldN), newRS], newRS)).toBe(want);
  });

  it('Recreate asks for all replicas at once', () => {
    expect(newReplicaSetReplicas(deploy(3, 0, 0, 'Recreate'), [], rs('new', 0))).toBe(3);
  });
});

describe('planOldReplicaSetScaleDown', () => {
  it('scales old down only as far as availability allows', () => {
    // 4 replicas, surge 1, unavailable 1: old 4 available, new 1 not yet available
    const d = deploy(4, 1, 1);
    const oldRS = rs('old', 4);
    const newRS = rs('new', 1, 0);
    expect([...planOldReplicaSetScaleDown(d, [oldRS], newRS)]).toEqual([['old', 3]]);
  });

  it('does nothing when the floor is reached', () => {
    const d = deploy(4, 1, 0);
    expect(planOldReplicaSetScaleDown(d, [rs('old', 4)], rs('new', 1, 0)).size).toBe(0);
  });

  it('removes unavailable old replicas first, oldest ReplicaSet first', () => {
    const d = deploy(4, 1, 1);
    const older = rs('older', 2, 0);
    const old = rs('old', 2, 2);
    const plan = planOldReplicaSetScaleDown(d, [old, older], rs('new', 1, 1));
    expect(plan.get('older')).toBe(0);
  });
});

describe('rolling update simulation', () => {
  // Drive the planners like the controller does, with pods becoming available one step after
  // their ReplicaSet is scaled up, and check the two invariants at every step.
  it.each([
    [4, '25%', '25%'], [4, 0, 1], [4, 1, 0], [10, '25%', '25%'], [3, '50%', '0%'], [5, 2, 2], [1, 0, 1], [1, 1, 0],
  ] as const)('replicas %i surge %s unavailable %s converges within the bounds', (replicas, s, u) => {
    const d = deploy(replicas, s, u);
    const oldRS = rs('old', replicas);
    const newRS = rs('new', 0, 0);
    const floor = replicas - maxUnavailable(d);
    const ceiling = replicas + maxSurge(d);
    for (let step = 0; step < 100; step++) {
      // pods come up (available) or go away (terminated) to match spec
      for (const x of [oldRS, newRS]) {
        x.status = { replicas: x.spec.replicas!, availableReplicas: Math.min(x.spec.replicas!, x.status!.availableReplicas! + 1) };
        if (x.status.availableReplicas! > x.spec.replicas!) x.status.availableReplicas = x.spec.replicas!;
      }
      expect(sumAvailable([oldRS, newRS])).toBeGreaterThanOrEqual(Math.min(floor, replicas));
      if (newRS.spec.replicas! < replicas) {
        const target = newReplicaSetReplicas(d, [oldRS, newRS], newRS);
        if (target !== newRS.spec.replicas) {
          newRS.spec.replicas = target;
          expect(sumSpec([oldRS, newRS])).toBeLessThanOrEqual(ceiling);
          continue;
        }
      }
      const plan = planOldReplicaSetScaleDown(d, oldRS.spec.replicas! > 0 ? [oldRS] : [], newRS);
      if (plan.has('old')) {
        const to = plan.get('old')!;
        oldRS.spec.replicas = to;
        oldRS.status = { replicas: to, availableReplicas: Math.min(to, oldRS.status!.availableReplicas!) };
        expect(sumAvailable([oldRS, newRS])).toBeGreaterThanOrEqual(floor);
        continue;
      }
      if (newRS.spec.replicas === replicas && oldRS.spec.replicas === 0 && newRS.status!.availableReplicas === replicas) return;
    }
    throw new Error(`did not converge: old ${oldRS.spec.replicas} new ${newRS.spec.replicas}`);
  });
});

describe('planScale (kubectl scale)', () => {
  it('scales the single active ReplicaSet', () => {
    expect([...planScale(deploy(6), rs('new', 4), [rs('old', 0)])]).toEqual([['new', 6]]);
  });

  it('spreads a scale-up proportionally over active ReplicaSets mid-rollout', () => {
    const ann = { [DESIRED_REPLICAS_ANNOTATION]: '10', [MAX_REPLICAS_ANNOTATION]: '13' };
    const d = deploy(20, 3, 2);
    const plan = planScale(d, rs('new', 5, 0, ann), [rs('old', 8, 8, ann)]);
    const total = (plan.get('new') ?? 5) + (plan.get('old') ?? 8);
    expect(total).toBe(20 + 3);
    expect(plan.get('old')).toBeGreaterThan(8);
    expect(plan.get('new')).toBeGreaterThan(5);
  });

  it('drops old ReplicaSets once the new one is saturated', () => {
    const ann = { [DESIRED_REPLICAS_ANNOTATION]: '3' };
    expect([...planScale(deploy(3), rs('new', 3, 3, ann), [rs('old', 1)])]).toEqual([['old', 0]]);
  });

  it('findActiveOrLatest picks the newest when nothing is active', () => {
    const a = rs('a', 0);
    const b = rs('b', 0);
    expect(findActiveOrLatest(undefined, [a, b])?.metadata.name).toBe('b');
    expect(findActiveOrLatest(undefined, [a, rs('c', 2)])?.metadata.name).toBe('c');
  });
});
