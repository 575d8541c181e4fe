/**
 * Pod state as the workload controllers judge it (upstream pkg/api/v1/pod and
 * controller.FilterActivePods): active, ready, available after minReadySeconds.
 */
import type { Pod } from './workload-types.js';

/** Not finished and not being deleted: counts towards a controller's replicas. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** When the pod last became Ready (ms since epoch), or undefined when it is not Ready. */
export function readySince(pod: Pod): number | undefined {
  const c = pod.status?.conditions?.find((x) => x.type === 'Ready' && x.status === 'True');
  if (!c) return undefined;
  const t = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/** Ready for at least minReadySeconds (upstream podutil.IsPodAvailable). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  const since = readySince(pod);
  if (since === undefined) return false;
  if (!minReadySeconds) return true;
  return since + minReadySeconds * 1000 <= nowMs;
}

/**
 * Ms until a Ready pod becomes available (0 when it already is; undefined when it is not Ready),
 * so a controller can requeue exactly when availability changes.
 */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, nowMs: number): number | undefined {
  const since = readySince(pod);
  if (since === undefined) return undefined;
  return Math.max(0, since + (minReadySeconds || 0) * 1000 - nowMs);
}

export function restartCount(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}
