/**
 * Node-local DNS: every node answers the kube-dns Service IP itself. The kube-dns Service has no
 * selector and internalTrafficPolicy Local; each node's DNS publishes its own EndpointSlice
 * `kube-dns-<node>` (WAVE2 "DNS"), so the proxy on that node sends 10.96.0.10 to the node's own
 * server and lookups never leave the node.
 *
 * The desired slice is a pure value; apply() converges the API object to it (create, or update
 * when it differs), and is safe to repeat.
 */
import type { ApiClient } from '../../control/client/index.js';
import { ApiError } from '../../control/api/errors.js';
import { findResource } from '../../control/api/resources.js';
import { isIP } from 'node:net';
import type { EndpointSliceObject } from './cluster-objects.js';
import { SERVICE_NAME_LABEL } from './cluster-objects.js';

export const ENDPOINT_SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;
export const KUBE_DNS_NAMESPACE = 'kube-system';
export const MANAGED_BY = 'tugboat-dns';

export function kubeDnsSliceName(nodeName: string): string {
  return `kube-dns-${nodeName}`;
}

export function desiredKubeDnsSlice(nodeName: string, nodeIP: string, ready: boolean): EndpointSliceObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: kubeDnsSliceName(nodeName),
      namespace: KUBE_DNS_NAMESPACE,
      labels: { [SERVICE_NAME_LABEL]: 'kube-dns', 'endpointslice.kubernetes.io/managed-by': MANAGED_BY },
    },
    addressType: isIP(nodeIP) === 6 ? 'IPv6' : 'IPv4',
    endpoints: [{ addresses: [nodeIP], nodeName, conditions: { ready, serving: ready, terminating: !ready } }],
    ports: [
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
    ],
  };
}

/** True when `current` already carries everything `desired` says. */
export function sliceMatches(current: EndpointSliceObject, desired: EndpointSliceObject): boolean {
  const labels = current.metadata.labels ?? {};
  for (const [k, v] of Object.entries(desired.metadata.labels ?? {})) if (labels[k] !== v) return false;
  return current.addressType === desired.addressType
    && JSON.stringify(current.endpoints ?? []) === JSON.stringify(desired.endpoints)
    && JSON.stringify(current.ports ?? []) === JSON.stringify(desired.ports);
}

export async function applyKubeDnsSlice(client: ApiClient, nodeName: string, nodeIP: string, ready: boolean): Promise<'created' | 'updated' | 'unchanged'> {
  const desired = desiredKubeDnsSlice(nodeName, nodeIP, ready);
  const name = desired.metadata.name!;
  let current: EndpointSliceObject | undefined;
  try {
    current = await client.get<EndpointSliceObject>(ENDPOINT_SLICES, KUBE_DNS_NAMESPACE, name);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) throw err;
  }
  if (!current) {
    await client.create(ENDPOINT_SLICES, desired);
    return 'created';
  }
  if (sliceMatches(current, desired)) return 'unchanged';
  await client.update(ENDPOINT_SLICES, {
    ...desired,
    metadata: { ...current.metadata, labels: { ...current.metadata.labels, ...desired.metadata.labels } },
  });
  return 'updated';
}
