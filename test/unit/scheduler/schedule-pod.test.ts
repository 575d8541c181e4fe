import { describe, expect, it } from 'vitest';
import { AssumedPods } from '../../../control/scheduler/assumed-pods.js';
import { fitErrorMessage, schedulePod } from '../../../control/scheduler/schedule-pod.js';
import { leastAllocated, ownerSpread } from '../../../control/scheduler/scores.js';
import { addPod, buildSnapshot } from '../../../control/scheduler/snapshot.js';
import type { Pod } from '../../../control/scheduler/types.js';
import { node, pod } from './fixtures.js';

function placed(result: ReturnType<typeof schedulePod>): string {
  if (!result.feasible) throw new Error(result.message);
  return result.node;
}

describe('fit error message', () => {
  it('matches upstream: counts per reason, sorted, with a final period', () => {
    // n1 has the label but too little cpu; n2 has cpu but not the label.
    const snap2 = buildSnapshot([node('n1', { cpu: '100m', labels: { disk: 'hdd' } }), node('n2')], []);
    const r2 = schedulePod(pod('p', { cpu: '1', spec: { nodeSelector: { disk: 'hdd' } } }), snap2);
    expect(r2).toMatchObject({ feasible: false, message: "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector." });
  });

  it('counts several reasons of one node and says when there are no nodes', () => {
    expect(fitErrorMessage(3, { a: ['Insufficient cpu', 'Insufficient memory'], b: ['Insufficient cpu'], c: ['node(s) were unschedulable'] }))
      .toBe('0/3 nodes are available: 1 Insufficient memory, 1 node(s) were unschedulable, 2 Insufficient cpu.');
    expect(schedulePod(pod('p'), buildSnapshot([], []))).toMatchObject({ feasible: false, message: 'no nodes available to schedule pods' });
  });
});

describe('scoring', () => {
  it('prefers the least allocated node', () => {
    const snap = buildSnapshot([node('busy'), node('idle')], [pod('a', { cpu: '1500m', memory: '3Gi', nodeName: 'busy' })]);
    expect(placed(schedulePod(pod('p', { cpu: '100m' }), snap))).toBe('idle');
    const scores = leastAllocated.score(pod('p', { cpu: '100m' }), snap.nodes);
    expect(scores[1]!).toBeGreaterThan(scores[0]!);
  });

  it('spreads replicas of one owner: fewest siblings first, even against a slightly fuller node', () => {
    const snap = buildSnapshot([node('n1'), node('n2')], [
      pod('rs-a', { owner: 'web', nodeName: 'n1' }),
      pod('other', { cpu: '300m', nodeName: 'n2' }),
    ]);
    expect(placed(schedulePod(pod('rs-b', { owner: 'web' }), snap))).toBe('n2');
    expect(ownerSpread.score(pod('rs-b', { owner: 'web' }), snap.nodes)).toEqual([0, 100]);
    expect(ownerSpread.score(pod('solo'), snap.nodes)).toEqual([100, 100]);
  });

  it('4 replicas on 2 equal nodes end up 2 and 2 when each decision is added to the snapshot', () => {
    for (let trial = 0; trial < 20; trial++) {
      const snap = buildSnapshot([node('n1'), node('n2')], []);
      const counts: Record<string, number> = { n1: 0, n2: 0 };
      for (let i = 0; i < 4; i++) {
        const p = pod(`web-${i}`, { owner: 'web', cpu: '100m' });
        const name = placed(schedulePod(p, snap));
        counts[name]!++;
        addPod(snap.nodes.find((n) => n.name === name)!, { ...p, spec: { ...p.spec, nodeName: name } });
      }
      expect(counts).toEqual({ n1: 2, n2: 2 });
    }
  });

  it('avoids PreferNoSchedule taints the pod does not tolerate', () => {
    const snap = buildSnapshot([node('soft', { taints: [{ key: 'x', effect: 'PreferNoSchedule' }] }), node('clean')], []);
    expect(placed(schedulePod(pod('p'), snap))).toBe('clean');
  });

  it('honours preferred node affinity', () => {
    const snap = buildSnapshot([node('a'), node('b', { labels: { zone: 'z1' } })], []);
    const p = pod('p', { spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] } }] } } } });
    expect(placed(schedulePod(p, snap))).toBe('b');
  });

  it('breaks ties with the injected random source', () => {
    const snap = buildSnapshot([node('n1'), node('n2'), node('n3')], []);
    expect(placed(schedulePod(pod('p'), snap, { random: () => 0 }))).toBe('n1');
    expect(placed(schedulePod(pod('p'), snap, { random: () => 0.99 }))).toBe('n3');
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) seen.add(placed(schedulePod(pod('p'), snap)));
    expect(seen.size).toBe(3);
  });
});

describe('assumed pods', () => {
  it('count on their node until the informer shows the binding, so a full node is not overfilled', () => {
    const assumed = new AssumedPods();
    const nodes = [node('n1', { cpu: '1' }), node('n2', { cpu: '1' })];
    const pending: Pod[] = [pod('a', { cpu: '800m' }), pod('b', { cpu: '800m' })];
    const first = placed(schedulePod(pending[0]!, buildSnapshot(nodes, pending, assumed.view())));
    assumed.assume('default/a', first);
    const second = placed(schedulePod(pending[1]!, buildSnapshot(nodes, pending, assumed.view())));
    expect(second).not.toBe(first);
    assumed.assume('default/b', second);
    const third = schedulePod(pod('c', { cpu: '800m' }), buildSnapshot(nodes, pending, assumed.view()));
    expect(third).toMatchObject({ feasible: false, message: '0/2 nodes are available: 2 Insufficient cpu.' });
  });

  it('expire ttl after a successful bind, and are forgotten on failure', () => {
    let now = 0;
    const assumed = new AssumedPods(1000, () => now);
    assumed.assume('ns/a', 'n1');
    assumed.assume('ns/b', 'n1');
    now = 5000;
    expect(assumed.has('ns/a')).toBe(true); // not bound yet: no expiry
    assumed.bound('ns/a');
    now = 5500;
    expect(assumed.has('ns/a')).toBe(true);
    now = 6100;
    expect(assumed.has('ns/a')).toBe(false);
    assumed.forget('ns/b');
    expect(assumed.view().size).toBe(0);
  });
});
