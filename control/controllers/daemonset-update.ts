/**
 * DaemonSet sync decisions as values (upstream daemon_controller.go podsShouldBeOnNode /
 * manage, update.go rollingUpdate with maxSurge 0, status.go): given the eligible nodes and the
 * daemon pods grouped by node, which nodes need a pod, which pods go, and the status.
 *
 * Pods carry `controller-revision-hash` = the template hash; a pod is "updated" when it matches.
 */
import { isPodActive, isPodAvailable, isPodReady } from './pod-state.js';
import { scaledValue } from './deployment-rollout.js';
import type { DaemonSet, DaemonSetStatus, Pod } from './workload-types.js';

export const REVISION_HASH_LABEL = 'controller-revision-hash';

export interface NodePlacement {
  node: string;
  shouldRun: boolean;
  /** Daemon pods for the node, oldest first. */
  pods: Pod[];
}

const created = (p: Pod): number => Date.parse(p.metadata.creationTimestamp ?? '') || 0;

/** upstream podsShouldBeOnNode + manage: nodes needing a pod and pods to delete. */
export function planDaemonPods(placements: readonly NodePlacement[]): { createOn: string[]; remove: Pod[] } {
  const createOn: string[] = [];
  const remove: Pod[] = [];
  for (const { node, shouldRun, pods } of placements) {
    const live = pods.filter((p) => !p.metadata.deletionTimestamp);
    if (!shouldRun) {
      remove.push(...live);
      continue;
    }
    // failed daemon pods are deleted and replaced (the kubelet never restarts a Failed pod)
    const failed = live.filter((p) => p.status?.phase === 'Failed');
    remove.push(...failed);
    const active = live.filter((p) => isPodActive(p));
    if (active.length === 0) {
      if (failed.length === 0 && pods.length === live.length) createOn.push(node);
      continue;
    }
    // more than one: keep the oldest running one
    if (active.length > 1) {
      const keep = [...active].sort((a, b) => created(a) - created(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0]!;
      remove.push(...active.filter((p) => p !== keep));
    }
  }
  return { createOn, remove };
}

/**
 * RollingUpdate with maxSurge 0 (upstream rollingUpdate): old pods that are not available go at
 * once; available old pods go only while fewer than maxUnavailable nodes are without an
 * available pod (old or new).
 */
export function planRollingUpdate(ds: DaemonSet, placements: readonly NodePlacement[], hash: string, nowMs: number): Pod[] {
  const eligible = placements.filter((p) => p.shouldRun);
  const maxUnavailable = Math.max(0, scaledValue(ds.spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, eligible.length, true));
  const minReady = ds.spec.minReadySeconds ?? 0;
  let unavailable = 0;
  const replaceNow: Pod[] = [];
  const candidates: Pod[] = [];
  for (const { pods } of eligible) {
    const active = pods.filter(isPodActive);
    if (active.length !== 1) {
      unavailable++;
      continue;
    }
    const pod = active[0]!;
    const updated = pod.metadata.labels?.[REVISION_HASH_LABEL] === hash;
    const available = isPodAvailable(pod, minReady, nowMs);
    if (updated) {
      if (!available) unavailable++;
    } else if (!available) {
      // replacing an unavailable old pod costs nothing, but its node does count as unavailable
      // (upstream does not count it, and can then take every node down at once)
      replaceNow.push(pod);
      unavailable++;
    } else candidates.push(pod);
  }
  const room = Math.min(Math.max(0, maxUnavailable - unavailable), candidates.length);
  return [...replaceNow, ...candidates.slice(0, room)];
}

export function daemonSetStatus(ds: DaemonSet, placements: readonly NodePlacement[], hash: string, nowMs: number): DaemonSetStatus {
  let desired = 0, current = 0, misscheduled = 0, ready = 0, updated = 0, available = 0;
  for (const { shouldRun, pods } of placements) {
    const active = pods.filter(isPodActive);
    if (!shouldRun) {
      if (active.length) misscheduled++;
      continue;
    }
    desired++;
    if (active.length === 0) continue;
    current++;
    const pod = active[0]!;
    if (isPodReady(pod)) ready++;
    if (isPodAvailable(pod, ds.spec.minReadySeconds ?? 0, nowMs)) available++;
    if (pod.metadata.labels?.[REVISION_HASH_LABEL] === hash) updated++;
  }
  return {
    currentNumberScheduled: current, numberMisscheduled: misscheduled, desiredNumberScheduled: desired, numberReady: ready,
    updatedNumberScheduled: updated, numberAvailable: available, numberUnavailable: Math.max(0, desired - available),
    observedGeneration: ds.metadata.generation ?? 1,
  };
}

export function sameDaemonSetStatus(a: DaemonSetStatus | undefined, b: DaemonSetStatus): boolean {
  if (!a) return false;
  return (Object.keys(b) as (keyof DaemonSetStatus)[]).every((k) => (a[k] ?? 0) === (b[k] ?? 0));
}
