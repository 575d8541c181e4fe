/**
 * Revision bookkeeping of Deployments (upstream util/deployment_util.go): the
 * `deployment.kubernetes.io/revision` annotation on ReplicaSets and the Deployment, what the
 * Deployment's own annotations contribute to its new ReplicaSet (`kubernetes.io/change-cause`),
 * and which old ReplicaSets revisionHistoryLimit lets go.
 *
 * `kubectl rollout undo` re-activates an old ReplicaSet: it becomes the new one and its revision
 * moves to max(old revisions)+1; the revisions it had before are kept in `revision-history`.
 */
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, replicasAnnotations } from './deployment-rollout.js';
import type { Deployment, ReplicaSet } from './workload-types.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';

/** Deployment annotations that are not copied onto its ReplicaSets (upstream skipCopyAnnotation). */
const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

export function revisionOf(rs: { metadata: { annotations?: Record<string, string> } } | undefined): number {
  const v = rs?.metadata.annotations?.[REVISION_ANNOTATION];
  const n = v === undefined ? 0 : Number(v);
  return Number.isFinite(n) ? n : 0;
}

export function maxRevision(rss: readonly ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/**
 * upstream SetNewReplicaSetAnnotations: mutates `rs` (a fresh copy) and says whether anything
 * changed. `exists` = false for a ReplicaSet about to be created (it also gets the replicas
 * annotations).
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  let changed = false;
  const ann = (rs.metadata.annotations ??= {});
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (NOT_COPIED.has(k) || ann[k] === v) continue;
    ann[k] = v;
    changed = true;
  }
  const had = ann[REVISION_ANNOTATION];
  const oldRevision = had === undefined ? 0 : Number(had) || 0;
  if (oldRevision < newRevision) {
    ann[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (had !== undefined) {
      const history = ann[REVISION_HISTORY_ANNOTATION];
      ann[REVISION_HISTORY_ANNOTATION] = history ? `${history},${had}` : had;
    }
  }
  if (!exists) {
    Object.assign(ann, replicasAnnotations(d));
    changed = true;
  }
  return changed;
}

/** Does the ReplicaSet carry stale desired-/max-replicas annotations? */
export function replicasAnnotationsNeedUpdate(d: Deployment, rs: ReplicaSet): boolean {
  const want = replicasAnnotations(d);
  return Object.entries(want).some(([k, v]) => rs.metadata.annotations?.[k] !== v);
}

/**
 * upstream cleanupDeployment: the old ReplicaSets to delete so that at most
 * revisionHistoryLimit remain, lowest revision first, skipping any that still has pods or whose
 * status is not caught up.
 */
export function replicaSetsToCleanUp(d: Deployment, oldRSs: readonly ReplicaSet[]): ReplicaSet[] {
  const limit = d.spec.revisionHistoryLimit;
  if (limit === undefined || limit === null) return [];
  const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = alive.length - limit;
  if (diff <= 0) return [];
  const sorted = [...alive].sort((a, b) => revisionOf(a) - revisionOf(b)
    || (Date.parse(a.metadata.creationTimestamp ?? '') || 0) - (Date.parse(b.metadata.creationTimestamp ?? '') || 0));
  return sorted.slice(0, diff).filter((rs) => (rs.status?.replicas ?? 0) === 0 && (rs.spec.replicas ?? 0) === 0
    && (rs.metadata.generation ?? 0) <= (rs.status?.observedGeneration ?? 0));
}
