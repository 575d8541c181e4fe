/**
 * What every cluster has from the start (kube-apiserver's bootstrap controller): the system
 * namespaces and the `kubernetes` Service in `default` (first address of the service CIDR, port
 * 443 → the API server) with its Endpoints and EndpointSlice. The system namespaces also get their
 * `default` ServiceAccount here (upstream leaves that to the controller-manager), so pods created
 * the moment the server answers are not refused for a ServiceAccount the controller has yet to make. Idempotent: run on every start,
 * it only creates what is missing and re-points the endpoints when the advertise address moved.
 */
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import type { RestStorage } from './registry/rest.js';
import { formatIpv4, mustParseCidr } from '../api/ipv4.js';

const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const SERVICES = findResource('', 'v1', 'services')!;
const ENDPOINTS = findResource('', 'v1', 'endpoints')!;
const SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;
const SERVICE_ACCOUNTS = findResource('', 'v1', 'serviceaccounts')!;
const STORAGE_CLASSES = findResource('storage.k8s.io', 'v1', 'storageclasses')!;

/** The default StorageClass: node-local directories made by the local-path provisioner once a pod is scheduled. */
export const DEFAULT_STORAGE_CLASS = {
  metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: 'tugboat.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
};

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export interface BootstrapOptions {
  serviceCidr: string;
  advertiseAddress: string;
  securePort: number;
}

async function ensure(rest: RestStorage, info: typeof NAMESPACES, namespace: string | undefined, obj: KubeObject): Promise<void> {
  if (await rest.read(info, namespace, obj.metadata.name!)) return;
  try {
    await rest.create(info, namespace, obj, { fieldManager: 'tug-bootstrap' });
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
  }
}

async function upsert(rest: RestStorage, info: typeof NAMESPACES, namespace: string, obj: KubeObject): Promise<void> {
  const existing = await rest.read(info, namespace, obj.metadata.name!);
  if (!existing) return ensure(rest, info, namespace, obj);
  await rest.guaranteedUpdate(info, namespace, obj.metadata.name!, undefined, (cur) => ({ ...cur, ...obj, metadata: { ...cur.metadata, labels: obj.metadata.labels } }), { fieldManager: 'tug-bootstrap' });
}

export async function bootstrapCluster(rest: RestStorage, opts: BootstrapOptions): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) await ensure(rest, NAMESPACES, undefined, { metadata: { name } });
  for (const namespace of SYSTEM_NAMESPACES) await ensure(rest, SERVICE_ACCOUNTS, namespace, { metadata: { name: 'default', namespace } });
  // created when missing; edits to it are kept (ensure never overwrites)
  await ensure(rest, STORAGE_CLASSES, undefined, structuredClone(DEFAULT_STORAGE_CLASS));
  const clusterIP = formatIpv4(mustParseCidr(opts.serviceCidr).network + 1);
  await ensure(rest, SERVICES, 'default', {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: opts.securePort }], sessionAffinity: 'None' },
  });
  // Cluster DNS is node-local (DESIGN §4): every node's agent answers on its own address and
  // publishes a per-node EndpointSlice for this selector-less Service; internalTrafficPolicy
  // Local makes each node's proxy send 10.96.0.10 to the node's own DNS server.
  await ensure(rest, SERVICES, 'kube-system', {
    metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' } },
    spec: {
      type: 'ClusterIP', clusterIP: formatIpv4(mustParseCidr(opts.serviceCidr).network + 10), internalTrafficPolicy: 'Local',
      ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }, { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 }],
    },
  });
  await upsert(rest, ENDPOINTS, 'default', {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: opts.advertiseAddress }], ports: [{ name: 'https', port: opts.securePort, protocol: 'TCP' }] }],
  });
  await upsert(rest, SLICES, 'default', {
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'tug-bootstrap' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [opts.advertiseAddress], conditions: { ready: true, serving: true, terminating: false } }],
    ports: [{ name: 'https', port: opts.securePort, protocol: 'TCP' }],
  });
}
