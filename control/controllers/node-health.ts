/**
 * Node health as the node lifecycle controller judges it (pkg/controller/nodelifecycle), in pure
 * pieces:
 * - NodeHealthTracker remembers, on the controller's own clock, when it last saw a node's Lease
 *   renewed (or its Ready heartbeat move). Like upstream it compares *its* observation times,
 *   never the timestamps inside objects, so clock skew between machines cannot kill a node, and
 *   after a controller restart every node gets a full grace period.
 * - nodeHealthUpdate() says what a stale or fresh node must look like: a stale node gets every
 *   condition Unknown (reason NodeStatusUnknown) and the node.kubernetes.io/unreachable taints
 *   NoSchedule + NoExecute; a fresh node whose kubelet reports Ready=False (its runtime is down,
 *   it has no podCIDR) gets the node.kubernetes.io/not-ready taints instead, and a fresh, ready
 *   node neither. One health taint key at a time, swapped in one write, as upstream does.
 */
import type { KubeObject } from '../api/object.js';

export const UNREACHABLE_TAINT_KEY = 'node.kubernetes.io/unreachable';
export const NOT_READY_TAINT_KEY = 'node.kubernetes.io/not-ready';

export type { Taint, TaintEffect } from '../api/scheduling.js';
import type { Taint, TaintEffect } from '../api/scheduling.js';

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface NodeObject extends KubeObject {
  spec?: { taints?: Taint[]; unschedulable?: boolean; [k: string]: unknown };
  status?: { conditions?: NodeCondition[]; [k: string]: unknown };
}

export interface LeaseObject extends KubeObject {
  spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
}

const STOPPED_MESSAGE = 'Kubelet stopped posting node status.';
const NEVER_MESSAGE = 'Kubelet never posted node status.';
const NEVER_REASON = 'NodeStatusNeverUpdated';

export class NodeHealthTracker {
  private readonly seen = new Map<string, { renewTime?: string; heartbeat?: string; probeAt: number }>();


  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Record what the caches show for `name`. A renewTime or Ready heartbeat not seen before resets
   * its clock; values that vanish (or this controller's own "never updated" marker) do not.
   */
  observe(name: string, lease: LeaseObject | undefined, node: NodeObject | undefined): void {
    const renewTime = lease?.spec?.renewTime;
    const ready = node?.status?.conditions?.find((c) => c.type === 'Ready');
    const heartbeat = ready?.reason === NEVER_REASON ? undefined : ready?.lastHeartbeatTime;
    const prev = this.seen.get(name);
    if (!prev) {
      this.seen.set(name, { renewTime, heartbeat, probeAt: this.now() });
      return;
    }
    const renewed = renewTime !== undefined && renewTime !== prev.renewTime;
    const beat = heartbeat !== undefined && heartbeat !== prev.heartbeat;
    if (renewed || beat) prev.probeAt = this.now();
    if (renewTime !== undefined) prev.renewTime = renewTime;
    if (heartbeat !== undefined) prev.heartbeat = heartbeat;
  }

  isStale(name: string, graceMs: number): boolean {
    const s = this.seen.get(name);
    return s !== undefined && this.now() - s.probeAt > graceMs;
  }

  forget(name: string): void {
    this.seen.delete(name);
  }

  names(): string[] {
    return [...this.seen.keys()];
  }
}

export interface NodeHealthUpdate {
  /** Conditions to write through nodes/status (only the changed ones); absent = none. */
  conditions?: NodeCondition[];
  /** The node's complete new taint list; absent = unchanged. */
  taints?: Taint[];
}

function hasTaint(taints: readonly Taint[], key: string, effect: TaintEffect): boolean {
  return taints.some((t) => t.key === key && t.effect === effect);
}

const HEALTH_TAINT_KEYS = new Set([UNREACHABLE_TAINT_KEY, NOT_READY_TAINT_KEY]);

/** The health taint key `node` must carry (NoSchedule + NoExecute), if any. */
function healthTaintKey(node: NodeObject, stale: boolean): string | undefined {
  if (stale) return UNREACHABLE_TAINT_KEY;
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'False' ? NOT_READY_TAINT_KEY : undefined;
}

/** What must change on `node` given whether its kubelet is `stale`; `now` is RFC 3339. */
export function nodeHealthUpdate(node: NodeObject, stale: boolean, now: string): NodeHealthUpdate {
  const update: NodeHealthUpdate = {};
  const taints = node.spec?.taints ?? [];
  const key = healthTaintKey(node, stale);
  const kept = taints.filter((t) => !HEALTH_TAINT_KEYS.has(t.key) || t.key === key);
  const wanted: Taint[] = [];
  if (key) {
    for (const effect of ['NoSchedule', 'NoExecute'] as const) {
      if (!hasTaint(kept, key, effect)) wanted.push({ key, effect, timeAdded: now });
    }
  }
  if (wanted.length || kept.length !== taints.length) update.taints = [...kept, ...wanted];
  if (!stale) return update;
  const conditions = node.status?.conditions ?? [];
  const changed: NodeCondition[] = [];
  for (const c of conditions) {
    if (c.status === 'Unknown') continue;
    changed.push({ ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: STOPPED_MESSAGE, lastTransitionTime: now });
  }
  if (!conditions.some((c) => c.type === 'Ready')) {
    changed.push({ type: 'Ready', status: 'Unknown', reason: NEVER_REASON, message: NEVER_MESSAGE, lastHeartbeatTime: node.metadata.creationTimestamp ?? now, lastTransitionTime: now });
  }
  if (changed.length) update.conditions = changed;
  return update;
}

export function hasUnreachableTaint(node: NodeObject): boolean {
  return (node.spec?.taints ?? []).some((t) => t.key === UNREACHABLE_TAINT_KEY);
}
