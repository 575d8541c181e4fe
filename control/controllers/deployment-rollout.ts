/**
 * Rollout arithmetic of the Deployment controller as pure functions (upstream
 * pkg/controller/deployment/{rolling,recreate,sync}.go and util/deployment_util.go).
 * Each planner takes ReplicaSets as values and answers "which ReplicaSet to which size"; the
 * controller applies the answer. Tables of cases live in test/unit/controllers.
 *
 * Invariants of a RollingUpdate (what `rollout status` users rely on):
 * - sum(spec.replicas) over all ReplicaSets ≤ replicas + maxSurge;
 * - old ReplicaSets are only scaled down while available pods stay ≥ replicas − maxUnavailable
 *   (unhealthy old pods may always go, they are not available anyway).
 */
import { labelSelectorFromSpec } from '../api/selectors.js';
import type { Deployment, IntOrString, ReplicaSet } from './workload-types.js';

export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';

export type ScalePlan = Map<string, number>;

/** intstr.GetScaledValueFromIntOrPercent: "25%" of total, rounded up or down; ints as they are. */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v.trim());
  if (!m) {
    const n = Number(v);
    if (Number.isInteger(n)) return n;
    throw new Error(`invalid value for IntOrString: invalid value "${v}": must be an integer or percentage (e.g. '5%')`);
  }
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** upstream ResolveFenceposts: surge rounds up, unavailability down; never both zero. */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true);
  let unavailable = scaledValue(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export const specReplicas = (rs: ReplicaSet | undefined): number => rs?.spec.replicas ?? 0;
export const deploymentReplicas = (d: Deployment): number => d.spec.replicas ?? 1;
const isRolling = (d: Deployment): boolean => (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

export function maxSurge(d: Deployment): number {
  if (!isRolling(d)) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge ?? '25%', ru?.maxUnavailable ?? '25%', deploymentReplicas(d)).surge;
}

export function maxUnavailable(d: Deployment): number {
  const replicas = deploymentReplicas(d);
  if (!isRolling(d) || replicas === 0) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  const { unavailable } = resolveFenceposts(ru?.maxSurge ?? '25%', ru?.maxUnavailable ?? '25%', replicas);
  return Math.min(unavailable, replicas);
}

export const sumSpec = (rss: readonly (ReplicaSet | undefined)[]): number => rss.reduce((n, rs) => n + specReplicas(rs), 0);
export const sumStatus = (rss: readonly (ReplicaSet | undefined)[]): number => rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
export const sumReady = (rss: readonly (ReplicaSet | undefined)[]): number => rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
export const sumAvailable = (rss: readonly (ReplicaSet | undefined)[]): number => rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);

const createdMs = (rs: ReplicaSet): number => Date.parse(rs.metadata.creationTimestamp ?? '') || 0;
/** ReplicaSetsByCreationTimestamp: oldest first, name as tie-break. */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return createdMs(a) - createdMs(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** The replicas the new ReplicaSet should have now (upstream NewRSNewReplicas). */
export function newReplicaSetReplicas(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): number {
  const replicas = deploymentReplicas(d);
  if (!isRolling(d)) return replicas;
  const current = sumSpec(allRSs);
  const maxTotal = replicas + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, replicas - specReplicas(newRS));
  return specReplicas(newRS) + Math.max(0, up);
}

/**
 * The scale-down step of a rolling update (upstream reconcileOldReplicaSets): first old pods that
 * are not available (oldest ReplicaSet first), then available ones down to the availability floor.
 */
export function planOldReplicaSetScaleDown(d: Deployment, oldRSs: readonly ReplicaSet[], newRS: ReplicaSet | undefined): ScalePlan {
  const plan: ScalePlan = new Map();
  const oldCount = sumSpec(oldRSs);
  if (oldCount === 0) return plan;
  const allCount = oldCount + specReplicas(newRS);
  const minAvailable = deploymentReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS?.status?.availableReplicas ?? 0);
  const maxScaledDown = allCount - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return plan;

  const sorted = [...oldRSs].sort(byCreation);
  const size = new Map(sorted.map((rs) => [rs.metadata.name!, specReplicas(rs)]));
  // 1. unhealthy replicas (cleanupUnhealthyReplicas)
  let cleaned = 0;
  for (const rs of sorted) {
    if (cleaned >= maxScaledDown) break;
    const cur = size.get(rs.metadata.name!)!;
    const avail = rs.status?.availableReplicas ?? 0;
    if (cur === 0 || cur <= avail) continue;
    const down = Math.min(maxScaledDown - cleaned, cur - avail);
    size.set(rs.metadata.name!, cur - down);
    cleaned += down;
  }
  // 2. available replicas above the floor (scaleDownOldReplicaSetsForRollingUpdate)
  const available = sumAvailable([...oldRSs, newRS]);
  if (available > minAvailable) {
    const total = available - minAvailable;
    let done = 0;
    for (const rs of sorted) {
      if (done >= total) break;
      const cur = size.get(rs.metadata.name!)!;
      if (cur === 0) continue;
      const down = Math.min(cur, total - done);
      size.set(rs.metadata.name!, cur - down);
      done += down;
    }
  }
  for (const rs of sorted) if (size.get(rs.metadata.name!)! !== specReplicas(rs)) plan.set(rs.metadata.name!, size.get(rs.metadata.name!)!);
  return plan;
}

export const isActive = (rs: ReplicaSet | undefined): rs is ReplicaSet => rs !== undefined && specReplicas(rs) > 0;

/** upstream FindActiveOrLatest: the one active ReplicaSet, else the newest, else undefined. */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const olds = [...oldRSs].sort(byCreation).reverse();
  const active = [...olds, newRS].filter(isActive);
  if (active.length === 0) return newRS ?? olds[0];
  if (active.length === 1) return active[0];
  return undefined;
}

function annotationInt(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) ? n : undefined;
}

export const desiredReplicasAnnotation = (rs: ReplicaSet): number | undefined => annotationInt(rs, DESIRED_REPLICAS_ANNOTATION);

/** upstream IsSaturated: the new ReplicaSet runs all replicas, all available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const replicas = deploymentReplicas(d);
  return desiredReplicasAnnotation(rs) === replicas && (rs.status?.availableReplicas ?? 0) === replicas && specReplicas(rs) === replicas;
}

/** upstream isScalingEvent: an active ReplicaSet was sized for a different replica count. */
export function isScalingEvent(d: Deployment, rss: readonly ReplicaSet[]): boolean {
  return rss.filter(isActive).some((rs) => {
    const desired = desiredReplicasAnnotation(rs);
    return desired !== undefined && desired !== deploymentReplicas(d);
  });
}

/**
 * `kubectl scale` in the middle of a rollout (upstream DeploymentController.scale): the active
 * ReplicaSets grow or shrink in proportion to their size, leftovers going to the largest.
 */
export function planScale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ScalePlan {
  const plan: ScalePlan = new Map();
  const replicas = deploymentReplicas(d);
  const single = findActiveOrLatest(newRS, oldRSs);
  if (single) {
    if (specReplicas(single) !== replicas) plan.set(single.metadata.name!, replicas);
    return plan;
  }
  if (isSaturated(d, newRS)) {
    for (const rs of oldRSs.filter(isActive)) plan.set(rs.metadata.name!, 0);
    return plan;
  }
  if (!isRolling(d)) return plan;
  const active = [...oldRSs, newRS].filter(isActive);
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - sumSpec(active);
  if (toAdd === 0) return plan;
  // growing: larger (then newer) first; shrinking: larger (then older) first
  active.sort((a, b) => specReplicas(b) - specReplicas(a) || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)));
  let added = 0;
  const size = new Map<string, number>();
  for (const rs of active) {
    const proportion = replicaSetProportion(rs, d, toAdd, added);
    size.set(rs.metadata.name!, specReplicas(rs) + proportion);
    added += proportion;
  }
  const first = active[0]!.metadata.name!;
  size.set(first, Math.max(0, size.get(first)! + (toAdd - added)));
  for (const rs of active) if (size.get(rs.metadata.name!)! !== specReplicas(rs)) plan.set(rs.metadata.name!, size.get(rs.metadata.name!)!);
  return plan;
}

function replicaSetProportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const replicas = deploymentReplicas(d);
  let fraction: number;
  if (replicas === 0) fraction = -specReplicas(rs);
  else {
    const target = replicas + maxSurge(d);
    const annotated = annotationInt(rs, MAX_REPLICAS_ANNOTATION) ?? (d.status?.replicas ?? 0);
    fraction = annotated > 0 ? Math.round((specReplicas(rs) * target) / annotated) - specReplicas(rs) : 0;
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** The desired-/max-replicas annotations an active ReplicaSet of `d` should carry. */
export function replicasAnnotations(d: Deployment): Record<string, string> {
  return {
    [DESIRED_REPLICAS_ANNOTATION]: String(deploymentReplicas(d)),
    [MAX_REPLICAS_ANNOTATION]: String(deploymentReplicas(d) + maxSurge(d)),
  };
}

/** Does the Deployment's selector match this ReplicaSet's labels? (for adoption) */
export function selectorOf(d: Deployment): ReturnType<typeof labelSelectorFromSpec> {
  return labelSelectorFromSpec(d.spec.selector);
}
