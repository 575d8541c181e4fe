/**
 * Service defaults: SetDefaults_Service (pkg/apis/core/v1/defaults.go) plus the IP-family fields
 * kube's service registry fills on a single-stack IPv4 cluster (pkg/registry/core/service/storage
 * alloc.go initIPFamilyFields). ClusterIP and NodePort allocation is the allocator's job, not here.
 */
import type { KubeObject } from '../object.js';
import { type JsonRecord, arr, ensureRecord, isRecord, records, setDefault, setDefaultString, str } from '../validation/json-shape.js';

export const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;

function externallyAccessible(spec: JsonRecord): boolean {
  return spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && arr(spec.externalIPs).length > 0);
}

export function defaultService(obj: KubeObject): void {
  const spec = ensureRecord(obj as JsonRecord, 'spec');
  setDefaultString(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const timeout = (spec.sessionAffinityConfig as { clientIP?: { timeoutSeconds?: unknown } } | undefined)?.clientIP?.timeoutSeconds;
    if (timeout === undefined || timeout === null) spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_TIMEOUT_SECONDS } };
  }
  setDefaultString(spec, 'type', 'ClusterIP');
  for (const port of records(spec.ports)) {
    setDefaultString(port, 'protocol', 'TCP');
    if (port.targetPort === undefined || port.targetPort === null || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  if (externallyAccessible(spec)) setDefaultString(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.type === 'ClusterIP' || spec.type === 'NodePort' || spec.type === 'LoadBalancer') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (spec.type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);

  if (spec.type === 'ExternalName') return;
  // clusterIP and clusterIPs describe the same thing; whichever the user gave fills the other
  const ips = arr(spec.clusterIPs).filter((ip): ip is string => typeof ip === 'string');
  if (str(spec.clusterIP) && ips.length === 0) spec.clusterIPs = [spec.clusterIP];
  else if (!str(spec.clusterIP) && ips.length > 0) spec.clusterIP = ips[0];
  // headless services without a selector get dual-stack fields upstream, even on a single-stack cluster
  const headlessWithoutSelector = spec.clusterIP === 'None' && (!isRecord(spec.selector) || Object.keys(spec.selector).length === 0);
  setDefault(spec, 'ipFamilyPolicy', headlessWithoutSelector ? 'RequireDualStack' : 'SingleStack');
  if (arr(spec.ipFamilies).length === 0) spec.ipFamilies = ['IPv4'];
}
