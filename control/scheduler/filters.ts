/**
 * Filter plugins: can this pod run on this node? Each returns the reasons it cannot (empty =
 * fits), worded as kube-scheduler words them, since users read them in the FailedScheduling
 * message. They run in upstream's order and the first plugin that rejects a node decides its
 * reasons, as upstream's framework does.
 */
import { podRequests } from './pod-resources.js';
import { matchesRequiredNodeAffinity } from './node-affinity.js';
import { podHostPorts, type HostPortUse, type NodeInfo } from './snapshot.js';
import { firstUntoleratedTaint, isTolerated } from './tolerations.js';
import type { Pod, Taint } from './types.js';

export interface FilterPlugin {
  name: string;
  filter(pod: Pod, node: NodeInfo): string[];
}

export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const REASON_NOT_READY = 'node(s) were not ready';
export const REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
export const REASON_HOST_PORTS = "node(s) didn't have free ports for the requested pod ports";
export const REASON_TOO_MANY_PODS = 'Too many pods';

const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
const NOT_READY_TAINT: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' };
const UNREACHABLE_TAINT: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' };

export const nodeUnschedulable: FilterPlugin = {
  name: 'NodeUnschedulable',
  filter(pod, { node }) {
    if (!node.spec?.unschedulable) return [];
    return isTolerated(UNSCHEDULABLE_TAINT, pod.spec?.tolerations) ? [] : [REASON_UNSCHEDULABLE];
  },
};

/**
 * Upstream expresses readiness through the not-ready/unreachable taints; nodes here may not carry
 * them yet (a kubelet that never reported), so the condition itself is checked, and a pod that
 * tolerates the matching taint (DaemonSet-style) may still land there.
 */
export const nodeReady: FilterPlugin = {
  name: 'NodeReady',
  filter(pod, { node }) {
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'True') return [];
    const taint = ready?.status === 'Unknown' ? UNREACHABLE_TAINT : NOT_READY_TAINT;
    return isTolerated(taint, pod.spec?.tolerations) ? [] : [REASON_NOT_READY];
  },
};

export const taintToleration: FilterPlugin = {
  name: 'TaintToleration',
  filter(pod, { node }) {
    const taint = firstUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, ['NoSchedule', 'NoExecute']);
    return taint ? [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`] : [];
  },
};

export const nodeAffinity: FilterPlugin = {
  name: 'NodeAffinity',
  filter(pod, { node }) {
    return matchesRequiredNodeAffinity(pod, node) ? [] : [REASON_NODE_AFFINITY];
  },
};

function portsConflict(a: HostPortUse, b: HostPortUse): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  return a.hostIP === b.hostIP || a.hostIP === '0.0.0.0' || b.hostIP === '0.0.0.0';
}

export const nodePorts: FilterPlugin = {
  name: 'NodePorts',
  filter(pod, node) {
    const wanted = podHostPorts(pod);
    const clash = wanted.some((w) => node.usedPorts.some((u) => portsConflict(w, u)));
    return clash ? [REASON_HOST_PORTS] : [];
  },
};

export const nodeResourcesFit: FilterPlugin = {
  name: 'NodeResourcesFit',
  filter(pod, { allocatable, requested, pods }) {
    const reasons: string[] = [];
    if (pods.length + 1 > allocatable.pods) reasons.push(REASON_TOO_MANY_PODS);
    const want = podRequests(pod);
    if (want.milliCpu > 0 && want.milliCpu > allocatable.milliCpu - requested.milliCpu) reasons.push('Insufficient cpu');
    if (want.memory > 0 && want.memory > allocatable.memory - requested.memory) reasons.push('Insufficient memory');
    for (const [name, amount] of Object.entries(want.scalar)) {
      if (amount <= 0) continue;
      // ephemeral-storage is only checked on nodes that report it (upstream's LocalStorageCapacityIsolation).
      if (name === 'ephemeral-storage' && allocatable.scalar[name] === undefined) continue;
      if (name !== 'ephemeral-storage' && !name.includes('/') && !name.startsWith('hugepages-')) continue;
      if (amount > (allocatable.scalar[name] ?? 0) - (requested.scalar[name] ?? 0)) reasons.push(`Insufficient ${name}`);
    }
    return reasons;
  },
};

/** Upstream's default order (NodeReady stands in for the not-ready/unreachable taints). */
export const DEFAULT_FILTERS: readonly FilterPlugin[] = [
  nodeUnschedulable, taintToleration, nodeReady, nodeAffinity, nodePorts, nodeResourcesFit,
];

/** The reasons the node cannot take the pod (empty when it fits). */
export function runFilters(pod: Pod, node: NodeInfo, filters: readonly FilterPlugin[] = DEFAULT_FILTERS): string[] {
  for (const f of filters) {
    const reasons = f.filter(pod, node);
    if (reasons.length) return reasons;
  }
  return [];
}
