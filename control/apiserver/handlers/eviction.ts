/**
 * POST pods/NAME/eviction (policy/v1 Eviction), what `kubectl drain` uses: a delete that first
 * asks the pod's PodDisruptionBudget (pkg/registry/core/pod/storage/eviction.go).
 * - A pod that is not running yet, already finished, or already being deleted is deleted without
 *   asking (it does not count as healthy for any budget).
 * - No budget covers it: deleted. More than one: 500, as upstream (unsupported).
 * - One budget: refused with 429 TooManyRequests while the budget has not caught up with its
 *   spec, or allows no disruption; otherwise one disruption is spent — disruptionsAllowed − 1 and
 *   the pod recorded in status.disruptedPods, a compare-and-swap on the budget, so two
 *   concurrent evictions cannot both spend the last one — and the pod is deleted with the
 *   Eviction's deleteOptions. kubectl drain retries 429s every 5 s.
 */
import { ApiError, errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { findResource } from '../../api/resources.js';
import { budgetSelects, budgetSpec, isPodReady, type BudgetStatus } from '../../api/disruption-budget.js';
import type { DeleteOptions, RestStorage } from '../registry/rest.js';

const PODS = findResource('', 'v1', 'pods')!;
const PDBS = findResource('policy', 'v1', 'poddisruptionbudgets')!;

export interface EvictionRequest {
  deleteOptions?: DeleteOptions & { dryRun?: unknown };
}

const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

function tooManyRequests(cause: string): ApiError {
  return new ApiError(429, 'TooManyRequests', VIOLATION, { causes: [{ reason: 'DisruptionBudget', message: cause }] });
}

function deleteOptions(eviction: EvictionRequest, dryRun: boolean): DeleteOptions {
  const o = eviction.deleteOptions ?? {};
  return {
    gracePeriodSeconds: o.gracePeriodSeconds, propagationPolicy: o.propagationPolicy, preconditions: o.preconditions,
    dryRun: dryRun || (Array.isArray(o.dryRun) && o.dryRun.includes('All')),
  };
}

/** Evicts (deletes) the pod, or throws the ApiError the client must see. */
export async function evictPod(rest: RestStorage, namespace: string, name: string, eviction: EvictionRequest, opts: { dryRun: boolean; now: number }): Promise<void> {
  const pod = await rest.get(PODS, namespace, name);
  const del = deleteOptions(eviction, opts.dryRun);
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  if (pod.metadata.deletionTimestamp || phase === 'Pending' || phase === 'Succeeded' || phase === 'Failed') {
    await rest.delete(PODS, namespace, name, del);
    return;
  }
  const budgets = (await rest.list(PDBS, namespace)).items.filter((b) => budgetSelects(b, pod));
  if (budgets.length > 1) throw errors.internal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  const [budget] = budgets;
  // kubectl drain --dry-run=server puts dryRun in the Eviction's deleteOptions, not the query.
  if (budget) await spendDisruption(rest, budget, pod, { dryRun: del.dryRun ?? false, now: opts.now });
  await rest.delete(PODS, namespace, name, del);
}

async function spendDisruption(rest: RestStorage, budget: KubeObject, pod: KubeObject, opts: { dryRun: boolean; now: number }): Promise<void> {
  const budgetName = budget.metadata.name!;
  const check = (b: KubeObject): BudgetStatus => {
    const status = (b.status ?? {}) as BudgetStatus;
    if ((status.observedGeneration ?? 0) < (b.metadata.generation ?? 0)) {
      throw tooManyRequests(`The disruption budget ${budgetName} is still being processed by the server.`);
    }
    if ((status.disruptionsAllowed ?? 0) <= 0) {
      throw tooManyRequests(`The disruption budget ${budgetName} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`);
    }
    return status;
  };
  // An unready pod does not use up the budget: always with AlwaysAllow; with IfHealthyBudget (the
  // default) while the healthy ones meet a non-zero budget.
  if (!isPodReady(pod)) {
    const status = budget.status as BudgetStatus | undefined;
    if (budgetSpec(budget).unhealthyPodEvictionPolicy === 'AlwaysAllow') return;
    if ((status?.desiredHealthy ?? 0) > 0 && (status?.currentHealthy ?? 0) >= (status?.desiredHealthy ?? 0)
      && (status?.observedGeneration ?? 0) >= (budget.metadata.generation ?? 0)) return;
  }
  if (opts.dryRun) {
    check(budget);
    return;
  }
  await rest.guaranteedUpdate(PDBS, budget.metadata.namespace, budgetName, undefined, (cur) => {
    const s = check(cur);
    const at = new Date(opts.now).toISOString().replace(/\.\d+Z$/, 'Z');
    cur.status = { ...s, disruptionsAllowed: s.disruptionsAllowed - 1, disruptedPods: { ...(s.disruptedPods ?? {}), [pod.metadata.name!]: at } };
    return cur;
  }, { subresource: 'status' });
}
