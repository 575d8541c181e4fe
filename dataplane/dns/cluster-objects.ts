/**
 * The narrow views of Service, EndpointSlice and Pod that DNS reads, and the digest of each into
 * what the zone needs. Objects from the informer cache are frozen; nothing here edits them.
 */
import type { KubeObject } from '../../control/api/object.js';
import { dashedIp, normalizeIp } from './names.js';

export interface ServiceObject extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    selector?: Record<string, string>;
    publishNotReadyAddresses?: boolean;
    ports?: { name?: string; port: number; protocol?: string }[];
  };
}

export interface EndpointSliceObject extends KubeObject {
  addressType?: string;
  endpoints?: {
    addresses: string[];
    hostname?: string;
    nodeName?: string;
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    targetRef?: { kind?: string; name?: string; namespace?: string };
  }[];
  ports?: { name?: string; port?: number; protocol?: string }[];
}

export interface PodObject extends KubeObject {
  spec?: { hostname?: string; subdomain?: string; hostNetwork?: boolean };
  status?: { phase?: string; podIP?: string; podIPs?: { ip: string }[] };
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface PortInfo { name: string; port: number; protocol: string }

export interface ServiceInfo {
  namespace: string;
  name: string;
  kind: 'cluster-ip' | 'headless' | 'external-name';
  clusterIPs: string[];
  externalName?: string;
  ports: PortInfo[];
  publishNotReady: boolean;
  hasSelector: boolean;
}

export interface EndpointInfo {
  addresses: string[];
  hostname: string;
  ready: boolean;
  ports: PortInfo[];
}

export function serviceInfo(svc: ServiceObject): ServiceInfo {
  const spec = svc.spec ?? {};
  const ips = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [])
    .filter((ip) => ip && ip !== 'None').map(normalizeIp);
  const kind = spec.type === 'ExternalName' ? 'external-name' : spec.clusterIP === 'None' || ips.length === 0 ? 'headless' : 'cluster-ip';
  return {
    namespace: svc.metadata.namespace ?? 'default',
    name: svc.metadata.name ?? '',
    kind,
    clusterIPs: kind === 'cluster-ip' ? ips : [],
    externalName: spec.externalName ? spec.externalName.toLowerCase().replace(/\.$/, '') : undefined,
    ports: (spec.ports ?? []).map((p) => ({ name: (p.name ?? '').toLowerCase(), port: p.port, protocol: (p.protocol ?? 'TCP').toLowerCase() })),
    publishNotReady: spec.publishNotReadyAddresses === true,
    hasSelector: !!spec.selector && Object.keys(spec.selector).length > 0,
  };
}

/** The service a slice belongs to, as `ns/name`, or undefined for unlabelled slices. */
export function sliceServiceKey(slice: EndpointSliceObject): string | undefined {
  const svc = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc ? `${slice.metadata.namespace ?? 'default'}/${svc}` : undefined;
}

export function sliceAddresses(slice: EndpointSliceObject): string[] {
  return (slice.endpoints ?? []).flatMap((e) => e.addresses ?? []).map(normalizeIp);
}

/**
 * The endpoints of one slice for service `svcName`. Hostname: the endpoint's `hostname`, else the
 * pod's spec.hostname when its spec.subdomain names this service (spec: pod hostname/subdomain),
 * else the dashed IP.
 */
export function sliceEndpoints(slice: EndpointSliceObject, svcName: string, pod: (ns: string, name: string) => PodObject | undefined): EndpointInfo[] {
  const ports = (slice.ports ?? []).filter((p) => p.port !== undefined)
    .map((p) => ({ name: (p.name ?? '').toLowerCase(), port: p.port!, protocol: (p.protocol ?? 'TCP').toLowerCase() }));
  const out: EndpointInfo[] = [];
  for (const e of slice.endpoints ?? []) {
    const addresses = (e.addresses ?? []).map(normalizeIp);
    if (addresses.length === 0) continue;
    let hostname = e.hostname?.toLowerCase();
    if (!hostname && e.targetRef?.kind === 'Pod' && e.targetRef.name) {
      const p = pod(e.targetRef.namespace ?? slice.metadata.namespace ?? 'default', e.targetRef.name);
      if (p?.spec?.hostname && p.spec.subdomain === svcName) hostname = p.spec.hostname.toLowerCase();
    }
    out.push({ addresses, hostname: hostname ?? dashedIp(addresses[0]!), ready: e.conditions?.ready !== false, ports });
  }
  return out;
}

/** Pod IPs that identify a client pod (host-network pods share the node's IP, so they do not). */
export function podClientIps(pod: PodObject): string[] {
  if (pod.spec?.hostNetwork) return [];
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return [];
  const ips = pod.status?.podIPs?.length ? pod.status.podIPs.map((p) => p.ip) : pod.status?.podIP ? [pod.status.podIP] : [];
  return ips.map(normalizeIp);
}
