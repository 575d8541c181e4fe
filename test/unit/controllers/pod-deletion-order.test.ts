import { describe, expect, it } from 'vitest';
import { podsToDelete } from '../../../control/controllers/pod-deletion-order.js';
import { ControllerExpectations } from '../../../control/controllers/controller-expectations.js';
import type { Pod } from '../../../control/controllers/workload-types.js';

function pod(name: string, o: { node?: string; phase?: NonNullable<Pod['status']>['phase']; readyAt?: number; restarts?: number; created?: number } = {}): Pod {
  return {
    metadata: { name, creationTimestamp: new Date(o.created ?? 0).toISOString() },
    spec: { nodeName: o.node },
    status: {
      phase: o.phase ?? 'Running',
      conditions: o.readyAt !== undefined ? [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(o.readyAt).toISOString() }] : [],
      containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0 }],
    },
  };
}

describe('surplus pod ordering', () => {
  it('deletes unscheduled, then pending, then not-ready, then recently ready, then restart-prone, then newest', () => {
    const pods = [
      pod('ready-long', { node: 'n1', readyAt: 1000, created: 1 }),
      pod('ready-short', { node: 'n1', readyAt: 5000, created: 1 }),
      pod('not-ready', { node: 'n1', created: 1 }),
      pod('pending', { node: 'n1', phase: 'Pending', created: 1 }),
      pod('unscheduled', { phase: 'Pending', created: 1 }),
      pod('restarts', { node: 'n1', readyAt: 1000, restarts: 3, created: 1 }),
      pod('newer', { node: 'n1', readyAt: 1000, created: 9 }),
    ];
    expect(podsToDelete(pods, 7).map((p) => p.metadata.name)).toEqual([
      'unscheduled', 'pending', 'not-ready', 'ready-short', 'restarts', 'newer', 'ready-long',
    ]);
    expect(podsToDelete(pods, 2).map((p) => p.metadata.name)).toEqual(['unscheduled', 'pending']);
    expect(podsToDelete(pods, 0)).toEqual([]);
  });
});

describe('ControllerExpectations (no double creation under event bursts)', () => {
  it('is unsatisfied until every creation and deletion was observed, counting a deletion once', () => {
    let now = 0;
    const e = new ControllerExpectations(60_000, () => now);
    expect(e.satisfied('ns/rs')).toBe(true);
    e.expect('ns/rs', 2, ['u1']);
    expect(e.satisfied('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    e.creationObserved('ns/rs');
    e.deletionObserved('ns/rs', 'u2');
    expect(e.satisfied('ns/rs')).toBe(false);
    e.deletionObserved('ns/rs', 'u1');
    e.deletionObserved('ns/rs', 'u1');
    expect(e.satisfied('ns/rs')).toBe(true);
  });

  it('expires so a lost event cannot wedge the controller', () => {
    let now = 0;
    const e = new ControllerExpectations(1000, () => now);
    e.expectCreations('k', 3);
    expect(e.satisfied('k')).toBe(false);
    now = 1001;
    expect(e.satisfied('k')).toBe(true);
  });
});
