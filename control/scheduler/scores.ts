/**
 * Score plugins: among the nodes that fit, which is best? Each plugin gives every feasible node
 * a score in [0, 100] (normalized over the candidates where the raw value is relative) and the
 * weighted sum decides; ties are broken randomly by the caller.
 */
import { addResources, podRequests } from './pod-resources.js';
import { preferredAffinityWeight } from './node-affinity.js';
import type { NodeInfo } from './snapshot.js';
import { isTolerated } from './tolerations.js';
import type { Pod } from './types.js';

export const MAX_NODE_SCORE = 100;

export interface ScorePlugin {
  name: string;
  weight: number;
  /** Scores for `nodes`, in the same order. */
  score(pod: Pod, nodes: readonly NodeInfo[]): number[];
}

function leastAllocatedFraction(requested: number, allocatable: number): number {
  if (allocatable <= 0 || requested > allocatable) return 0;
  return ((allocatable - requested) * MAX_NODE_SCORE) / allocatable;
}

/** NodeResourcesFit's LeastAllocated strategy over cpu and memory (equal weights). */
export const leastAllocated: ScorePlugin = {
  name: 'NodeResourcesLeastAllocated',
  weight: 1,
  score(pod, nodes) {
    const want = podRequests(pod, true);
    return nodes.map((n) => {
      const after = addResources(n.nonZeroRequested, want);
      const cpu = leastAllocatedFraction(after.milliCpu, n.allocatable.milliCpu);
      const mem = leastAllocatedFraction(after.memory, n.allocatable.memory);
      return Math.floor((cpu + mem) / 2);
    });
  },
};

/** The uid of the pod's controller (ReplicaSet, Job, DaemonSet, …), if it has one. */
export function controllerUid(pod: Pod): string | undefined {
  return pod.metadata.ownerReferences?.find((r) => r.controller)?.uid;
}

/**
 * Spreading replicas of one owner across nodes (the default topology spread over hostnames,
 * SelectorSpread in older releases): fewer siblings already on a node ⇒ higher score.
 */
export const ownerSpread: ScorePlugin = {
  name: 'OwnerSpread',
  weight: 2,
  score(pod, nodes) {
    const owner = controllerUid(pod);
    if (!owner) return nodes.map(() => MAX_NODE_SCORE);
    const counts = nodes.map((n) => n.pods.filter((p) => p.metadata.uid !== pod.metadata.uid && controllerUid(p) === owner).length);
    const max = Math.max(0, ...counts);
    if (max === 0) return nodes.map(() => MAX_NODE_SCORE);
    return counts.map((c) => Math.floor((MAX_NODE_SCORE * (max - c)) / max));
  },
};

/** PreferNoSchedule taints the pod does not tolerate: fewer is better. */
export const taintTolerationScore: ScorePlugin = {
  name: 'TaintToleration',
  weight: 3,
  score(pod, nodes) {
    const counts = nodes.map((n) => (n.node.spec?.taints ?? [])
      .filter((t) => t.effect === 'PreferNoSchedule' && !isTolerated(t, pod.spec?.tolerations)).length);
    const max = Math.max(0, ...counts);
    if (max === 0) return nodes.map(() => MAX_NODE_SCORE);
    return counts.map((c) => Math.floor((MAX_NODE_SCORE * (max - c)) / max));
  },
};

/** Preferred node affinity: the matched weights, normalized to the best candidate. */
export const nodeAffinityScore: ScorePlugin = {
  name: 'NodeAffinity',
  weight: 2,
  score(pod, nodes) {
    const sums = nodes.map((n) => preferredAffinityWeight(pod, n.node));
    const max = Math.max(0, ...sums);
    if (max === 0) return nodes.map(() => 0);
    return sums.map((s) => Math.floor((MAX_NODE_SCORE * s) / max));
  },
};

export const DEFAULT_SCORES: readonly ScorePlugin[] = [taintTolerationScore, nodeAffinityScore, leastAllocated, ownerSpread];

/** Weighted total per node, in the order of `nodes`. */
export function scoreNodes(pod: Pod, nodes: readonly NodeInfo[], plugins: readonly ScorePlugin[] = DEFAULT_SCORES): number[] {
  const totals = nodes.map(() => 0);
  for (const p of plugins) {
    const s = p.score(pod, nodes);
    for (let i = 0; i < nodes.length; i++) totals[i]! += p.weight * (s[i] ?? 0);
  }
  return totals;
}
