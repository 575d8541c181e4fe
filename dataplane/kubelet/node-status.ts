/**
 * The Node object this kubelet registers and the status it reports (pure): capacity and
 * allocatable (cpu, memory, pods=110, ephemeral-storage), addresses (InternalIP, Hostname), the
 * five conditions with upstream's reasons, nodeInfo, the kubelet endpoint port, and the
 * well-known labels. Transition times carry over while a condition keeps its status.
 */
import type { KubeObject } from '../../control/api/object.js';

export const KUBELET_VERSION = 'v1.32.0-tugboat';
export const MAX_PODS = 110;

export interface NodeFacts {
  nodeName: string;
  nodeIP: string;
  kubeletPort: number;
  cpus: number;
  memoryBytes: number;
  ephemeralStorageBytes: number;
  arch: string;
  kernelVersion: string;
  osImage: string;
  machineID: string;
  bootID: string;
  containerRuntimeVersion: string;
}

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface NodeHealth {
  /** why the node is not ready; undefined = ready */
  notReadyReason?: string;
}

export function goArch(nodeArch: string): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[nodeArch] ?? nodeArch;
}

export function nodeLabels(f: NodeFacts): Record<string, string> {
  const arch = goArch(f.arch);
  return {
    'kubernetes.io/hostname': f.nodeName,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': arch,
  };
}

export function nodeConditions(health: NodeHealth, old: readonly NodeCondition[] | undefined, now: string): NodeCondition[] {
  const want: NodeCondition[] = [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    health.notReadyReason
      ? { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: health.notReadyReason }
      : { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  ];
  return want.map((c) => {
    const prev = old?.find((o) => o.type === c.type);
    return { ...c, lastHeartbeatTime: now, lastTransitionTime: prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now };
  });
}

/** NetworkUnavailable is owned by the network (the overlay); the kubelet only seeds it once. */
export function initialNetworkCondition(now: string): NodeCondition {
  return { type: 'NetworkUnavailable', status: 'False', reason: 'RouteCreated', message: 'the node network is managed by tugboat', lastHeartbeatTime: now, lastTransitionTime: now };
}

export function nodeStatus(f: NodeFacts, health: NodeHealth, oldConditions: readonly NodeCondition[] | undefined, now: string): Record<string, unknown> {
  const resources = {
    cpu: String(f.cpus),
    memory: `${Math.floor(f.memoryBytes / 1024)}Ki`,
    pods: String(MAX_PODS),
    'ephemeral-storage': `${Math.floor(f.ephemeralStorageBytes / 1024)}Ki`,
  };
  const conditions: NodeCondition[] = nodeConditions(health, oldConditions, now);
  if (!oldConditions?.some((c) => c.type === 'NetworkUnavailable')) conditions.unshift(initialNetworkCondition(now));
  return {
    capacity: resources,
    allocatable: resources,
    conditions,
    addresses: [{ type: 'InternalIP', address: f.nodeIP }, { type: 'Hostname', address: f.nodeName }],
    daemonEndpoints: { kubeletEndpoint: { Port: f.kubeletPort } },
    nodeInfo: {
      machineID: f.machineID,
      systemUUID: f.machineID,
      bootID: f.bootID,
      kernelVersion: f.kernelVersion,
      osImage: f.osImage,
      containerRuntimeVersion: f.containerRuntimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: goArch(f.arch),
    },
  };
}

export function newNodeObject(f: NodeFacts, now: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: f.nodeName, labels: nodeLabels(f), annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
    spec: {},
    status: nodeStatus(f, { notReadyReason: 'kubelet is starting' }, undefined, now),
  };
}

/** Did anything but heartbeat times change? (then the status is written at once) */
export function nodeStatusDiffers(a: Record<string, unknown> | undefined, b: Record<string, unknown>): boolean {
  const strip = (s: Record<string, unknown> | undefined): string => JSON.stringify(s ?? {}, (k, v: unknown) => (k === 'lastHeartbeatTime' || k === 'lastTransitionTime' ? undefined : v));
  return strip(a) !== strip(b);
}
