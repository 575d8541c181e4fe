/**
 * Deployment status and conditions as values (upstream sync.go calculateStatus /
 * syncRolloutStatus / checkPausedConditions, progress.go). These are exactly the fields
 * `kubectl rollout status` reads: observedGeneration, replicas, updatedReplicas,
 * availableReplicas, and the Progressing condition whose reason ProgressDeadlineExceeded makes
 * it fail.
 */
import { deploymentReplicas, maxUnavailable, sumAvailable, sumReady, sumSpec, sumStatus } from './deployment-rollout.js';
import type { Condition, ConditionStatus, Deployment, DeploymentStatus, ReplicaSet } from './workload-types.js';

export const REASON = {
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
} as const;

export function condition(type: string, status: ConditionStatus, reason: string, message: string, nowIso: string): Condition {
  return { type, status, lastUpdateTime: nowIso, lastTransitionTime: nowIso, reason, message };
}

export function getCondition(status: DeploymentStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** upstream SetDeploymentCondition: same status and reason ⇒ unchanged; same status ⇒ keep transition time. */
export function setCondition(status: DeploymentStatus, c: Condition): void {
  const cur = getCondition(status, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  const next = { ...c };
  if (cur && cur.status === c.status) next.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  status.conditions = (status.conditions ?? []).filter((x) => x.type !== type);
}

/** upstream calculateStatus (conditions other than Available carried over). */
export function calculateStatus(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined, nowIso: string): DeploymentStatus {
  const available = sumAvailable(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 1,
    replicas: sumStatus(allRSs),
    updatedReplicas: sumStatus([newRS]),
    readyReplicas: sumReady(allRSs),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, sumSpec(allRSs) - available),
    conditions: (d.status?.conditions ?? []).map((c) => ({ ...c })),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (available >= deploymentReplicas(d) - maxUnavailable(d)) {
    setCondition(status, condition('Available', 'True', REASON.minimumReplicasAvailable, 'Deployment has minimum availability.', nowIso));
  } else {
    setCondition(status, condition('Available', 'False', REASON.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', nowIso));
  }
  return status;
}

/** upstream DeploymentComplete. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const r = deploymentReplicas(d);
  return (s.updatedReplicas ?? 0) === r && (s.replicas ?? 0) === r && (s.availableReplicas ?? 0) === r
    && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1);
}

/** upstream DeploymentProgressing: did this sync observe progress compared with the stored status? */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld
    || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** progressDeadlineSeconds set and not MaxInt32 (upstream's "no deadline"). */
export const hasProgressDeadline = (d: Deployment): boolean =>
  d.spec.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== null && d.spec.progressDeadlineSeconds !== 2147483647;

/** upstream DeploymentTimedOut. */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c) return false;
  if (c.reason === REASON.newRSAvailable) return false;
  if (c.reason === REASON.timedOut) return true;
  const from = Date.parse(c.lastUpdateTime ?? '') || 0;
  return from + d.spec.progressDeadlineSeconds! * 1000 < nowMs;
}

/**
 * upstream syncRolloutStatus's computation: the full new status including the Progressing
 * condition, and when to check again for the progress deadline (undefined: no need).
 */
export function rolloutStatus(
  d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined, nowMs: number,
): { status: DeploymentStatus; recheckMs?: number } {
  const nowIso = new Date(nowMs).toISOString().replace(/\.\d+Z$/, 'Z');
  const s = calculateStatus(d, allRSs, newRS, nowIso);
  if (!hasProgressDeadline(d)) {
    removeCondition(s, 'Progressing');
    return { status: s };
  }
  const cur = getCondition(s, 'Progressing');
  const complete = s.replicas === s.updatedReplicas && cur?.reason === REASON.newRSAvailable;
  if (!complete && !d.spec.paused) {
    const rsName = newRS?.metadata.name ?? '';
    if (deploymentComplete(d, s)) {
      setCondition(s, condition('Progressing', 'True', REASON.newRSAvailable, `ReplicaSet "${rsName}" has successfully progressed.`, nowIso));
    } else if (deploymentProgressing(d, s)) {
      const c = condition('Progressing', 'True', REASON.rsUpdated, `ReplicaSet "${rsName}" is progressing.`, nowIso);
      if (cur?.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
      removeCondition(s, 'Progressing');
      setCondition(s, c);
    } else if (deploymentTimedOut(d, s, nowMs)) {
      setCondition(s, condition('Progressing', 'False', REASON.timedOut, `ReplicaSet "${rsName}" has timed out progressing.`, nowIso));
    }
  }
  // requeueStuckDeployment: wake up exactly when the deadline would pass
  let recheckMs: number | undefined;
  const after = getCondition(s, 'Progressing');
  if (after && after.reason !== REASON.newRSAvailable && after.reason !== REASON.timedOut && !d.spec.paused && !deploymentComplete(d, s)) {
    const from = Date.parse(after.lastUpdateTime ?? '') || nowMs;
    recheckMs = Math.max(0, from + d.spec.progressDeadlineSeconds! * 1000 - nowMs) + 1000;
  }
  return { status: s, recheckMs };
}

/** upstream checkPausedConditions: the Progressing condition says Paused / Resumed. Returns true when changed. */
export function pausedConditions(d: Deployment, status: DeploymentStatus, nowIso: string): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cur = getCondition(status, 'Progressing');
  if (cur?.reason === REASON.timedOut) return false;
  const pausedCond = cur?.reason === REASON.paused;
  if (d.spec.paused && !pausedCond) {
    setCondition(status, condition('Progressing', 'Unknown', REASON.paused, 'Deployment is paused', nowIso));
    return true;
  }
  if (!d.spec.paused && pausedCond) {
    setCondition(status, condition('Progressing', 'Unknown', REASON.resumed, 'Deployment is resumed', nowIso));
    return true;
  }
  return false;
}

/** Compare statuses ignoring condition timestamps' identity-only differences. */
export function sameDeploymentStatus(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  return JSON.stringify(normalize(a ?? {})) === JSON.stringify(normalize(b));
}

function normalize(s: DeploymentStatus): unknown {
  return {
    observedGeneration: s.observedGeneration ?? 0, replicas: s.replicas ?? 0, updatedReplicas: s.updatedReplicas ?? 0,
    readyReplicas: s.readyReplicas ?? 0, availableReplicas: s.availableReplicas ?? 0, unavailableReplicas: s.unavailableReplicas ?? 0,
    collisionCount: s.collisionCount ?? 0,
    conditions: [...(s.conditions ?? [])].sort((x, y) => x.type.localeCompare(y.type))
      .map((c) => [c.type, c.status, c.reason, c.message, c.lastUpdateTime, c.lastTransitionTime]),
  };
}
