/**
 * Stand-ins for kubelets in controller tests: a Node object with Ready=True and allocatable
 * resources, and its Lease in kube-node-lease renewed on a timer until stopped.
 */
import type { KubeObject } from '../../../control/api/object.js';
import { findResource } from '../../../control/api/resources.js';
import type { ApiClient } from '../../../control/client/index.js';

const NODES = findResource('', 'v1', 'nodes')!;
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;

export interface SimulatedNode {
  name: string;
  /** Stop renewing the lease (the kubelet "dies"). */
  stopHeartbeat(): void;
  /** Renew again every `everyMs` (the kubelet "comes back"). */
  startHeartbeat(): void;
}

function microTime(): string {
  return new Date().toISOString().replace('Z', '000Z');
}

export async function simulateNode(client: ApiClient, name: string, opts: {
  cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; everyMs?: number;
} = {}): Promise<SimulatedNode> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const node = await client.create<KubeObject>(NODES, {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...(opts.labels ?? {}) } },
  });
  const resources = { cpu: opts.cpu ?? '2', memory: opts.memory ?? '4Gi', pods: opts.pods ?? '110' };
  // A patch, not a PUT: node-ipam may already have given the new node its podCIDR.
  await client.patch(NODES, undefined, name, {
    status: {
      capacity: resources, allocatable: resources,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
      addresses: [{ type: 'InternalIP', address: '10.200.0.99' }, { type: 'Hostname', address: name }],
    },
  }, 'merge', { subresource: 'status' });
  await client.create(LEASES, {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
    metadata: { name, namespace: 'kube-node-lease', ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid! }] },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime() },
  });
  let timer: NodeJS.Timeout | undefined;
  const renew = (): void => {
    void client.patch(LEASES, 'kube-node-lease', name, { spec: { renewTime: microTime() } }, 'merge').catch(() => undefined);
  };
  const sim: SimulatedNode = {
    name,
    stopHeartbeat() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    startHeartbeat() {
      sim.stopHeartbeat();
      renew();
      timer = setInterval(renew, opts.everyMs ?? 2000);
    },
  };
  sim.startHeartbeat();
  return sim;
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}
