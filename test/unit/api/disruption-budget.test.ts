import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../control/api/object.js';
import { budgetSelects, computeBudgetStatus, nextDisruptionExpiry, scaledValue } from '../../../control/api/disruption-budget.js';

const NOW = Date.parse('2026-11-27T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function pdb(spec: Record<string, unknown>, status?: Record<string, unknown>, generation = 1): KubeObject {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'ns', generation }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec }, status };
}

function pod(name: string, opts: { ready?: boolean; app?: string; deleting?: boolean; ns?: string } = {}): KubeObject {
  return {
    metadata: { name, namespace: opts.ns ?? 'ns', labels: { app: opts.app ?? 'web' }, ...(opts.deleting ? { deletionTimestamp: iso(NOW) } : {}) },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

const noScale = () => { throw new Error('expectedScale must not be asked for an integer minAvailable'); };

describe('PodDisruptionBudget status', () => {
  it('minAvailable as a number: expected = matching pods, allowed = healthy − desired, never negative', () => {
    const pods = [pod('a'), pod('b'), pod('c'), pod('x', { app: 'other' }), pod('y', { ns: 'elsewhere' })];
    expect(computeBudgetStatus(pdb({ minAvailable: 2 }), pods, noScale, NOW)).toMatchObject({
      observedGeneration: 1, expectedPods: 3, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1,
      conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods' }],
    });
    const s = computeBudgetStatus(pdb({ minAvailable: 3 }), [pod('a'), pod('b', { ready: false }), pod('c', { deleting: true })], noScale, NOW);
    expect(s).toMatchObject({ currentHealthy: 1, disruptionsAllowed: 0, conditions: [{ status: 'False', reason: 'InsufficientPods' }] });
  });

  it('percentages and maxUnavailable count what the controllers want, rounding up like upstream', () => {
    const pods = [pod('a'), pod('b'), pod('c')];
    const wantsFour = () => 4;
    expect(computeBudgetStatus(pdb({ maxUnavailable: '25%' }), pods, wantsFour, NOW)).toMatchObject({ expectedPods: 4, desiredHealthy: 3, disruptionsAllowed: 0 });
    expect(computeBudgetStatus(pdb({ maxUnavailable: 2 }), pods, wantsFour, NOW)).toMatchObject({ desiredHealthy: 2, disruptionsAllowed: 1 });
    expect(computeBudgetStatus(pdb({ minAvailable: '50%' }), pods, wantsFour, NOW)).toMatchObject({ desiredHealthy: 2, disruptionsAllowed: 1 });
    expect(scaledValue('34%', 3)).toBe(2);
    expect(() => scaledValue('half', 3)).toThrow('invalid value for IntOrString');
  });

  it('a pod just evicted is not healthy for two minutes, then its entry is dropped', () => {
    const prev = { disruptedPods: { a: iso(NOW - 30_000) } };
    const s = computeBudgetStatus(pdb({ minAvailable: 1 }), [pod('a'), pod('b')], noScale, NOW, prev);
    expect(s).toMatchObject({ currentHealthy: 1, disruptionsAllowed: 0, disruptedPods: { a: iso(NOW - 30_000) } });
    expect(nextDisruptionExpiry(s)).toBe(NOW - 30_000 + 120_000);
    const later = computeBudgetStatus(pdb({ minAvailable: 1 }), [pod('a'), pod('b')], noScale, NOW + 120_001, s);
    expect(later.currentHealthy).toBe(2);
    expect(later.disruptedPods).toBeUndefined();
  });

  it('a missing selector covers nothing, an empty one every pod of the namespace', () => {
    const none = pdb({ minAvailable: 1, selector: undefined });
    expect(budgetSelects(none, pod('a'))).toBe(false);
    const all = pdb({ minAvailable: 1, selector: {} });
    expect(budgetSelects(all, pod('a', { app: 'anything' }))).toBe(true);
    expect(budgetSelects(all, pod('a', { ns: 'elsewhere' }))).toBe(false);
  });

  it('keeps the condition\'s transition time while its status holds', () => {
    const first = computeBudgetStatus(pdb({ minAvailable: 1 }), [pod('a'), pod('b')], noScale, NOW);
    const second = computeBudgetStatus(pdb({ minAvailable: 1 }), [pod('a'), pod('b')], noScale, NOW + 60_000, first);
    expect(second.conditions[0]!.lastTransitionTime).toBe(iso(NOW));
    const flipped = computeBudgetStatus(pdb({ minAvailable: 2 }, undefined, 2), [pod('a'), pod('b')], noScale, NOW + 60_000, first);
    expect(flipped.conditions[0]).toMatchObject({ status: 'False', lastTransitionTime: iso(NOW + 60_000), observedGeneration: 2 });
  });
});
