/**
 * A point-in-time view of the cluster for one scheduling decision: every node with the pods
 * assigned to it (bound, or assumed by this scheduler while the binding is in flight) and what
 * they request. Built from informer caches; filters and scores read only this value.
 */
import { addResources, emptyResources, nodeAllocatable, podRequests, type Allocatable, type Resources } from './pod-resources.js';
import type { Node, Pod } from './types.js';

export interface HostPortUse {
  hostIP: string;
  protocol: string;
  port: number;
}

export interface NodeInfo {
  name: string;
  node: Node;
  allocatable: Allocatable;
  /** Sum of the effective requests of the node's pods (what the fit filter compares). */
  requested: Resources;
  /** The same with scoring defaults for pods that request nothing (what scores compare). */
  nonZeroRequested: Resources;
  pods: Pod[];
  usedPorts: HostPortUse[];
}

export interface Snapshot {
  nodes: NodeInfo[];
}

/** Pods that have finished hold no resources (upstream skips them in its cache too). */
export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

/** Host ports a pod occupies; host-network pods occupy their container ports. */
export function podHostPorts(pod: Pod): HostPortUse[] {
  const out: HostPortUse[] = [];
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const p of c.ports ?? []) {
      const port = p.hostPort || (pod.spec?.hostNetwork ? p.containerPort : 0);
      if (!port) continue;
      out.push({ hostIP: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port });
    }
  }
  return out;
}

/**
 * `assumed` maps pod keys to the node this scheduler chose but the cache does not show yet, so
 * a node is not over-filled by pods bound moments ago.
 */
export function buildSnapshot(nodes: readonly Node[], pods: readonly Pod[], assumed: ReadonlyMap<string, string> = new Map()): Snapshot {
  const infos = new Map<string, NodeInfo>();
  for (const node of nodes) {
    const name = node.metadata.name!;
    infos.set(name, {
      name, node, allocatable: nodeAllocatable(node),
      requested: emptyResources(), nonZeroRequested: emptyResources(), pods: [], usedPorts: [],
    });
  }
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName || assumed.get(podKey(pod));
    if (!nodeName || isTerminal(pod)) continue;
    const info = infos.get(nodeName);
    if (!info) continue;
    addPod(info, pod);
  }
  return { nodes: [...infos.values()] };
}

export function addPod(info: NodeInfo, pod: Pod): void {
  info.pods.push(pod);
  info.requested = addResources(info.requested, podRequests(pod));
  info.nonZeroRequested = addResources(info.nonZeroRequested, podRequests(pod, true));
  info.usedPorts.push(...podHostPorts(pod));
}
