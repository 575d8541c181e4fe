/**
 * Which surplus pods go first (upstream controller.ActivePods ordering, used by ReplicaSets and
 * Jobs when scaling down): unscheduled before scheduled, Pending before Unknown before Running,
 * not-ready before ready, ready for a shorter time before longer, more restarts before fewer,
 * newer before older. Deleting the least useful pods first keeps availability high.
 */
import { isPodReady, readySince, restartCount } from './pod-state.js';
import type { Pod } from './workload-types.js';

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function created(p: Pod): number {
  const t = p.metadata.creationTimestamp ? Date.parse(p.metadata.creationTimestamp) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/** Negative when `a` should be deleted before `b`. */
export function compareForDeletion(a: Pod, b: Pod): number {
  const sa = a.spec?.nodeName ? 1 : 0;
  const sb = b.spec?.nodeName ? 1 : 0;
  if (sa !== sb) return sa - sb;
  const pa = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
  const pb = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a) ? 1 : 0;
  const rb = isPodReady(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  if (ra && rb) {
    const ta = readySince(a) ?? 0;
    const tb = readySince(b) ?? 0;
    if (ta !== tb) return tb - ta; // ready more recently (shorter) goes first
  }
  const ca = restartCount(a);
  const cb = restartCount(b);
  if (ca !== cb) return cb - ca;
  const na = created(a);
  const nb = created(b);
  if (na !== nb) return nb - na; // newer first
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** The `n` pods to delete from `pods`, in deletion order. */
export function podsToDelete(pods: readonly Pod[], n: number): Pod[] {
  if (n <= 0) return [];
  return [...pods].sort(compareForDeletion).slice(0, n);
}
