/**
 * PodDisruptionBudget arithmetic (pkg/controller/disruption), pure, shared by the disruption
 * controller (which writes a budget's status) and the API server's pods/eviction (which spends
 * it). A budget covers the pods its selector matches in its namespace (policy/v1: an empty
 * selector matches every pod, a missing one none). Healthy = Ready, not being deleted, and not
 * just evicted (status.disruptedPods: an eviction granted but not yet seen as a deletion, kept
 * for two minutes so the same budget is not spent twice).
 */
import type { KubeObject } from './object.js';
import { labelSelectorFromSpec, matchesLabels, type LabelSelectorSpec } from './selectors.js';

export interface BudgetSpec {
  minAvailable?: number | string;
  maxUnavailable?: number | string;
  selector?: LabelSelectorSpec | null;
  unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
}

export interface BudgetStatus {
  observedGeneration: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions: BudgetCondition[];
}

export interface BudgetCondition {
  type: 'DisruptionAllowed';
  status: 'True' | 'False';
  reason: 'SufficientPods' | 'InsufficientPods' | 'SyncFailed';
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
}

/** An eviction is remembered this long before the pod is counted again (upstream DeletionTimeout). */
export const DISRUPTED_POD_TIMEOUT_MS = 2 * 60_000;

interface PodLike extends KubeObject {
  status?: { phase?: string; conditions?: Array<{ type?: string; status?: string }> };
}

export function budgetSpec(pdb: KubeObject): BudgetSpec {
  return (pdb.spec ?? {}) as BudgetSpec;
}

export function budgetSelects(pdb: KubeObject, pod: KubeObject): boolean {
  if (pdb.metadata.namespace !== pod.metadata.namespace) return false;
  const spec = budgetSpec(pdb).selector;
  if (spec === undefined || spec === null) return false;
  return matchesLabels(labelSelectorFromSpec(spec), pod.metadata.labels);
}

export function isPodReady(pod: KubeObject): boolean {
  return !!(pod as PodLike).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Ready and not on its way out; `disrupted` are pods evicted moments ago. */
export function isPodHealthy(pod: KubeObject, disrupted: Record<string, string> | undefined, now: number): boolean {
  if (pod.metadata.deletionTimestamp || !isPodReady(pod)) return false;
  const evictedAt = disrupted?.[pod.metadata.name ?? ''];
  return evictedAt === undefined || now - Date.parse(evictedAt) > DISRUPTED_POD_TIMEOUT_MS;
}

/** intstr.GetScaledValueFromIntOrPercent with roundUp. */
export function scaledValue(value: number | string, total: number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) throw new Error(`invalid value for IntOrString: ${JSON.stringify(value)}`);
  return Math.ceil((Number(m[1]) * total) / 100);
}

/**
 * The status the budget must have. `expectedScale` gives, for percentages and maxUnavailable,
 * how many pods the budget's pods' controllers want in total (upstream's getExpectedScale).
 */
export function computeBudgetStatus(
  pdb: KubeObject, pods: readonly KubeObject[], expectedScale: (pods: readonly KubeObject[]) => number, now: number,
  previous?: Partial<BudgetStatus>,
): BudgetStatus {
  const spec = budgetSpec(pdb);
  const covered = pods.filter((p) => budgetSelects(pdb, p));
  let expected: number;
  let desired: number;
  if (spec.maxUnavailable !== undefined) {
    expected = expectedScale(covered);
    desired = Math.max(0, expected - scaledValue(spec.maxUnavailable, expected));
  } else if (typeof spec.minAvailable === 'number') {
    expected = covered.length;
    desired = spec.minAvailable;
  } else if (typeof spec.minAvailable === 'string') {
    expected = expectedScale(covered);
    desired = scaledValue(spec.minAvailable, expected);
  } else {
    expected = covered.length;
    desired = 0;
  }
  const disrupted = liveDisruptions(previous?.disruptedPods, covered, now);
  const healthy = covered.filter((p) => isPodHealthy(p, disrupted, now)).length;
  const allowed = expected <= 0 ? 0 : Math.max(0, healthy - desired);
  const generation = pdb.metadata.generation ?? 0;
  const condition = budgetCondition(allowed > 0, generation, previous?.conditions, now);
  const status: BudgetStatus = {
    observedGeneration: generation, disruptionsAllowed: allowed, currentHealthy: healthy, desiredHealthy: desired, expectedPods: expected,
    conditions: [condition],
  };
  if (disrupted && Object.keys(disrupted).length > 0) status.disruptedPods = disrupted;
  return status;
}

/** Entries for pods that still exist, are not yet deleting, and were evicted recently. */
function liveDisruptions(entries: Record<string, string> | undefined, pods: readonly KubeObject[], now: number): Record<string, string> | undefined {
  if (!entries) return undefined;
  const byName = new Map(pods.map((p) => [p.metadata.name ?? '', p]));
  const out: Record<string, string> = {};
  for (const [name, at] of Object.entries(entries)) {
    const pod = byName.get(name);
    if (!pod || pod.metadata.deletionTimestamp || now - Date.parse(at) > DISRUPTED_POD_TIMEOUT_MS) continue;
    out[name] = at;
  }
  return out;
}

function budgetCondition(allowed: boolean, generation: number, previous: BudgetCondition[] | undefined, now: number): BudgetCondition {
  const status = allowed ? 'True' : 'False';
  const prev = previous?.find((c) => c.type === 'DisruptionAllowed');
  return {
    type: 'DisruptionAllowed', status, reason: allowed ? 'SufficientPods' : 'InsufficientPods', message: '',
    observedGeneration: generation,
    lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : new Date(now).toISOString().replace(/\.\d+Z$/, 'Z'),
  };
}

/** The earliest time a disruptedPods entry expires (to recompute then), if any. */
export function nextDisruptionExpiry(status: Pick<BudgetStatus, 'disruptedPods'>): number | undefined {
  const times = Object.values(status.disruptedPods ?? {}).map((t) => Date.parse(t) + DISRUPTED_POD_TIMEOUT_MS);
  return times.length ? Math.min(...times) : undefined;
}
