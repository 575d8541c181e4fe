/**
 * The registry of served resources: one table, read by discovery, OpenAPI, routing, storage keys
 * and tables. Adding a resource here serves it end to end (strategy hooks live elsewhere).
 */
export interface SubresourceInfo {
  name: 'status' | 'scale' | 'log' | 'exec' | 'attach' | 'binding' | 'portforward' | 'eviction' | 'token';
  /** group/version/kind of what the subresource answers */
  group: string;
  version: string;
  kind: string;
  verbs: string[];
}

export interface ResourceInfo {
  group: string; // '' for core
  version: string;
  resource: string; // plural
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  subresources: SubresourceInfo[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function res(
  group: string, version: string, resource: string, kind: string, namespaced: boolean,
  opts: { shortNames?: string[]; categories?: string[]; subresources?: SubresourceInfo[]; verbs?: string[]; singular?: string } = {},
): ResourceInfo {
  return {
    group, version, resource, kind, namespaced,
    singular: opts.singular ?? kind.toLowerCase(),
    listKind: `${kind}List`,
    shortNames: opts.shortNames ?? [],
    categories: opts.categories ?? [],
    verbs: opts.verbs ?? ALL_VERBS,
    subresources: opts.subresources ?? [],
  };
}

function status(group: string, version: string, kind: string): SubresourceInfo {
  return { name: 'status', group, version, kind, verbs: ['get', 'patch', 'update'] };
}
const scale: SubresourceInfo = { name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };

export const RESOURCES: readonly ResourceInfo[] = [
  res('', 'v1', 'namespaces', 'Namespace', false, { shortNames: ['ns'], subresources: [status('', 'v1', 'Namespace')], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] }),
  res('', 'v1', 'pods', 'Pod', true, {
    shortNames: ['po'], categories: ['all'],
    subresources: [
      status('', 'v1', 'Pod'),
      { name: 'log', group: '', version: 'v1', kind: 'Pod', verbs: ['get'] },
      { name: 'exec', group: '', version: 'v1', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'attach', group: '', version: 'v1', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'portforward', group: '', version: 'v1', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      { name: 'binding', group: '', version: 'v1', kind: 'Binding', verbs: ['create'] },
      { name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
    ],
  }),
  res('', 'v1', 'services', 'Service', true, { shortNames: ['svc'], categories: ['all'], subresources: [status('', 'v1', 'Service')] }),
  res('', 'v1', 'endpoints', 'Endpoints', true, { shortNames: ['ep'], singular: 'endpoints' }),
  res('', 'v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  res('', 'v1', 'secrets', 'Secret', true),
  res('', 'v1', 'nodes', 'Node', false, { shortNames: ['no'], subresources: [status('', 'v1', 'Node')] }),
  res('', 'v1', 'events', 'Event', true, { shortNames: ['ev'] }),
  res('', 'v1', 'serviceaccounts', 'ServiceAccount', true, {
    shortNames: ['sa'],
    subresources: [{ name: 'token', group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] }],
  }),
  res('apps', 'v1', 'deployments', 'Deployment', true, { shortNames: ['deploy'], categories: ['all'], subresources: [scale, status('apps', 'v1', 'Deployment')] }),
  res('apps', 'v1', 'replicasets', 'ReplicaSet', true, { shortNames: ['rs'], categories: ['all'], subresources: [scale, status('apps', 'v1', 'ReplicaSet')] }),
  res('apps', 'v1', 'daemonsets', 'DaemonSet', true, { shortNames: ['ds'], categories: ['all'], subresources: [status('apps', 'v1', 'DaemonSet')] }),
  res('apps', 'v1', 'statefulsets', 'StatefulSet', true, { shortNames: ['sts'], categories: ['all'], subresources: [scale, status('apps', 'v1', 'StatefulSet')] }),
  res('batch', 'v1', 'jobs', 'Job', true, { categories: ['all'], subresources: [status('batch', 'v1', 'Job')] }),
  res('batch', 'v1', 'cronjobs', 'CronJob', true, { shortNames: ['cj'], categories: ['all'], subresources: [status('batch', 'v1', 'CronJob')] }),
  res('networking.k8s.io', 'v1', 'ingresses', 'Ingress', true, { shortNames: ['ing'], subresources: [status('networking.k8s.io', 'v1', 'Ingress')] }),
  res('networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', false),
  res('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true, { shortNames: ['netpol'] }),
  res('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  res('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  res('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, { shortNames: ['hpa'], categories: ['all'], subresources: [status('autoscaling', 'v2', 'HorizontalPodAutoscaler')] }),
  // Served so manifests and Helm charts apply; RBAC is not enforced, quotas and limit ranges
  // are not applied. PDBs are (disruption controller + pods/eviction).
  res('', 'v1', 'resourcequotas', 'ResourceQuota', true, { shortNames: ['quota'], subresources: [status('', 'v1', 'ResourceQuota')] }),
  res('', 'v1', 'limitranges', 'LimitRange', true, { shortNames: ['limits'] }),
  res('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, { shortNames: ['pvc'], subresources: [status('', 'v1', 'PersistentVolumeClaim')] }),
  res('', 'v1', 'persistentvolumes', 'PersistentVolume', false, { shortNames: ['pv'], subresources: [status('', 'v1', 'PersistentVolume')] }),
  res('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  res('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  res('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  res('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  res('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, { shortNames: ['pdb'], subresources: [status('policy', 'v1', 'PodDisruptionBudget')] }),
  res('scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false, { shortNames: ['pc'] }),
  res('gateway.networking.k8s.io', 'v1', 'gatewayclasses', 'GatewayClass', false, { shortNames: ['gc'], subresources: [status('gateway.networking.k8s.io', 'v1', 'GatewayClass')] }),
  res('gateway.networking.k8s.io', 'v1', 'gateways', 'Gateway', true, { shortNames: ['gtw'], subresources: [status('gateway.networking.k8s.io', 'v1', 'Gateway')] }),
  res('gateway.networking.k8s.io', 'v1', 'httproutes', 'HTTPRoute', true, { subresources: [status('gateway.networking.k8s.io', 'v1', 'HTTPRoute')] }),
  res('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false, { shortNames: ['sc'] }),
];

/** Group names in discovery order (core first, served as /api). */
export function servedGroups(): string[] {
  const groups: string[] = [];
  for (const r of RESOURCES) if (!groups.includes(r.group)) groups.push(r.group);
  return groups;
}

export function groupVersion(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function findByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => groupVersion(r) === apiVersion && r.kind === kind);
}

/** etcd key layout from the design: /registry/<group>/<resource>/<namespace>/<name>; core group is "core". */
export function storageKey(r: ResourceInfo, namespace: string | undefined, name: string): string {
  return `${storagePrefix(r, namespace)}${name}`;
}

/** Prefix for listing: every namespace when `namespace` is undefined. Always ends in '/'. */
export function storagePrefix(r: ResourceInfo, namespace?: string): string {
  const base = `/registry/${r.group || 'core'}/${r.resource}/`;
  if (!r.namespaced) return base;
  return namespace === undefined ? base : `${base}${namespace}/`;
}
