/**
 * ReplicaSet status as a value (upstream calculateStatus): counts over the active pods the
 * ReplicaSet owns, plus when to look again because a Ready pod will become available once its
 * minReadySeconds have passed.
 */
import { matchesLabels, labelSelectorFromSpec } from '../api/selectors.js';
import { isPodAvailable, isPodReady, msUntilAvailable } from './pod-state.js';
import type { Condition, Pod, ReplicaSet, ReplicaSetStatus } from './workload-types.js';

export function replicaSetStatus(
  rs: ReplicaSet, activePods: readonly Pod[], nowMs: number, failure?: Condition,
): { status: ReplicaSetStatus; recheckMs?: number } {
  const templateLabels = labelSelectorFromSpec({ matchLabels: rs.spec.template?.metadata?.labels ?? {} });
  const minReady = rs.spec.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  let recheckMs: number | undefined;
  for (const p of activePods) {
    if (matchesLabels(templateLabels, p.metadata.labels)) fullyLabeled++;
    if (!isPodReady(p)) continue;
    ready++;
    if (isPodAvailable(p, minReady, nowMs)) available++;
    else {
      const wait = msUntilAvailable(p, minReady, nowMs);
      if (wait !== undefined) recheckMs = Math.min(recheckMs ?? Infinity, wait + 50);
    }
  }
  const status: ReplicaSetStatus = {
    replicas: activePods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation ?? 1,
  };
  // ReplicaFailure (e.g. quota or validation refusing pod creations) stays until a sync succeeds.
  if (failure) status.conditions = [failure];
  return { status, recheckMs };
}

/** Compare only what replicaSetStatus produces, so an unchanged status is not written again. */
export function sameReplicaSetStatus(a: ReplicaSetStatus | undefined, b: ReplicaSetStatus): boolean {
  if (!a) return false;
  return (a.replicas ?? 0) === b.replicas
    && (a.fullyLabeledReplicas ?? 0) === (b.fullyLabeledReplicas ?? 0)
    && (a.readyReplicas ?? 0) === (b.readyReplicas ?? 0)
    && (a.availableReplicas ?? 0) === (b.availableReplicas ?? 0)
    && (a.observedGeneration ?? 0) === (b.observedGeneration ?? 0)
    && JSON.stringify((a.conditions ?? []).map((c) => [c.type, c.reason, c.message])) === JSON.stringify((b.conditions ?? []).map((c) => [c.type, c.reason, c.message]));
}
