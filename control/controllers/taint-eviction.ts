/**
 * When must a pod leave a node with NoExecute taints? (pkg/controller/tainteviction, pure.)
 *
 * - A NoExecute taint the pod does not tolerate evicts it at once — except the node-health taints
 *   (unreachable, not-ready): upstream's DefaultTolerationSeconds admission gives every pod a
 *   300 s toleration for those, and our API server adds none, so a pod without one is treated as
 *   tolerating them for `defaultTolerationSeconds` (`tug up --pod-eviction-timeout`).
 * - A tolerated taint evicts after the smallest tolerationSeconds among the tolerations that
 *   match (none given = stays forever).
 * - The clock starts when the taint was added (taint.timeAdded), or when the pod appeared if later.
 */
import type { KubeObject } from '../api/object.js';
import { NOT_READY_TAINT_KEY, UNREACHABLE_TAINT_KEY, type Taint } from './node-health.js';

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface PodObject extends KubeObject {
  spec?: { nodeName?: string; tolerations?: Toleration[]; [k: string]: unknown };
  status?: { phase?: string; [k: string]: unknown };
}

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if (t.operator === 'Exists') return true;
  return (t.operator ?? 'Equal') === 'Equal' && (t.value ?? '') === (taint.value ?? '');
}

const HEALTH_TAINTS = new Set([UNREACHABLE_TAINT_KEY, NOT_READY_TAINT_KEY]);

function parseTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * The epoch ms at which `pod` must be evicted because of the node's `taints` (only NoExecute ones
 * count), or undefined if it may stay.
 */
export function evictionTime(pod: PodObject, taints: readonly Taint[], defaultTolerationSeconds: number, nowMs: number): number | undefined {
  let earliest: number | undefined;
  const podStart = parseTime(pod.metadata.creationTimestamp);
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const matching = (pod.spec?.tolerations ?? []).filter((t) => toleratesTaint(t, taint));
    let seconds: number;
    if (matching.length === 0) {
      seconds = HEALTH_TAINTS.has(taint.key) ? defaultTolerationSeconds : 0;
    } else {
      const limits = matching.map((t) => t.tolerationSeconds).filter((s): s is number => typeof s === 'number');
      if (limits.length === 0) continue; // tolerated forever
      seconds = Math.max(0, Math.min(...limits));
    }
    const start = Math.max(parseTime(taint.timeAdded) ?? nowMs, podStart ?? 0);
    const at = start + seconds * 1000;
    earliest = earliest === undefined ? at : Math.min(earliest, at);
  }
  return earliest;
}
