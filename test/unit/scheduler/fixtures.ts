/** Builders for the pods and nodes the scheduler unit tests place. */
import type { Container, Node, Pod, PodSpec, Taint } from '../../../control/scheduler/types.js';

export function node(name: string, opts: {
  cpu?: string; memory?: string; pods?: number; labels?: Record<string, string>; taints?: Taint[];
  unschedulable?: boolean; ready?: 'True' | 'False' | 'Unknown' | 'none';
} = {}): Node {
  const ready = opts.ready ?? 'True';
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, uid: `uid-${name}`, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } },
    spec: { taints: opts.taints, unschedulable: opts.unschedulable },
    status: {
      allocatable: { cpu: opts.cpu ?? '2', memory: opts.memory ?? '4Gi', pods: String(opts.pods ?? 110) },
      conditions: ready === 'none' ? [] : [{ type: 'Ready', status: ready }],
    },
  };
}

let seq = 0;

export function pod(name: string, opts: {
  cpu?: string; memory?: string; nodeName?: string; owner?: string; hostPort?: number; phase?: string;
  spec?: Partial<PodSpec>; containers?: Container[];
} = {}): Pod {
  const requests: Record<string, string> = {};
  if (opts.cpu) requests.cpu = opts.cpu;
  if (opts.memory) requests.memory = opts.memory;
  const container: Container = {
    name: 'app',
    resources: Object.keys(requests).length ? { requests } : undefined,
    ports: opts.hostPort ? [{ containerPort: 80, hostPort: opts.hostPort, protocol: 'TCP' }] : undefined,
  };
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: 'default', uid: `pod-uid-${name}-${++seq}`,
      ownerReferences: opts.owner ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: opts.owner, uid: `rs-${opts.owner}`, controller: true }] : undefined,
    },
    spec: { schedulerName: 'default-scheduler', containers: opts.containers ?? [container], nodeName: opts.nodeName, ...(opts.spec ?? {}) },
    status: { phase: opts.phase ?? 'Pending' },
  };
}
