/**
 * ClusterIndex: the in-memory indexes DNS answers from, updated incrementally, one object at a
 * time, from the Service, EndpointSlice and Pod informers.
 *
 * Every update returns the dependency keys it touched (old and new state), so the answer cache
 * can drop exactly the stored replies that read them:
 *   `svc:<ns>/<name>`  a service's own names (A/AAAA/SRV/endpoint names, and their NXDOMAINs)
 *   `ns:<ns>`          whether `<ns>.svc.<zone>` exists
 *   `ip:<ip>`          the PTR answer for an IP
 * Work per update is O(size of the changed object); answers are computed on a cache miss from
 * these maps, never by scanning the cluster.
 */
import {
  podClientIps, serviceInfo, sliceAddresses, sliceEndpoints, sliceServiceKey,
  type EndpointInfo, type EndpointSliceObject, type PodObject, type ServiceInfo, type ServiceObject,
} from './cluster-objects.js';
import { normalizeIp } from './names.js';

/** What the zone reads. Implemented by ClusterIndex; small enough to fake in tests. */
export interface ClusterView {
  synced(): boolean;
  service(namespace: string, name: string): ServiceInfo | undefined;
  /** All endpoints of the service, across its slices. */
  endpoints(namespace: string, name: string): EndpointInfo[];
  namespaceExists(namespace: string): boolean;
  /** Owners of an IP: services by ClusterIP, headless endpoints by address (with their hostname). */
  ipOwners(ip: string): { service: ServiceInfo; hostname?: string }[];
  /** Namespace of the pod using `ip`, for autopath. */
  podNamespace(ip: string): string | undefined;
}

const key = (ns: string | undefined, name: string | undefined): string => `${ns ?? 'default'}/${name ?? ''}`;

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  let s = m.get(k);
  if (!s) m.set(k, s = new Set());
  s.add(v);
}

function removeFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

export class ClusterIndex implements ClusterView {
  private readonly services = new Map<string, ServiceInfo>();
  private readonly servicesPerNamespace = new Map<string, number>();
  private readonly serviceByIp = new Map<string, Set<string>>();
  private readonly slices = new Map<string, { obj: EndpointSliceObject; svcKey: string | undefined; ips: string[] }>();
  private readonly slicesByService = new Map<string, Set<string>>();
  private readonly sliceByIp = new Map<string, Set<string>>();
  private readonly pods = new Map<string, PodObject>();
  private readonly podByIp = new Map<string, { podKey: string; namespace: string }>();

  constructor(private readonly isSynced: () => boolean = () => true) {}

  synced(): boolean {
    return this.isSynced();
  }

  // ---- updates (each returns the dependency keys touched) --------------------------------------

  upsertService(obj: ServiceObject): string[] {
    const k = key(obj.metadata.namespace, obj.metadata.name);
    const deps = this.deleteServiceKey(k);
    const info = serviceInfo(obj);
    this.services.set(k, info);
    this.servicesPerNamespace.set(info.namespace, (this.servicesPerNamespace.get(info.namespace) ?? 0) + 1);
    for (const ip of info.clusterIPs) addTo(this.serviceByIp, ip, k);
    return [...deps, ...serviceDeps(info), ...this.endpointIpDeps(k)];
  }

  deleteService(obj: ServiceObject): string[] {
    const k = key(obj.metadata.namespace, obj.metadata.name);
    return [...this.deleteServiceKey(k), ...this.endpointIpDeps(k)];
  }

  upsertSlice(obj: EndpointSliceObject): string[] {
    const k = key(obj.metadata.namespace, obj.metadata.name);
    const deps = this.deleteSliceKey(k);
    const svcKey = sliceServiceKey(obj);
    const ips = sliceAddresses(obj);
    this.slices.set(k, { obj, svcKey, ips });
    if (svcKey) addTo(this.slicesByService, svcKey, k);
    for (const ip of ips) addTo(this.sliceByIp, ip, k);
    if (svcKey) deps.push(`svc:${svcKey}`);
    for (const ip of ips) deps.push(`ip:${ip}`);
    return deps;
  }

  deleteSlice(obj: EndpointSliceObject): string[] {
    return this.deleteSliceKey(key(obj.metadata.namespace, obj.metadata.name));
  }

  upsertPod(obj: PodObject): string[] {
    const k = key(obj.metadata.namespace, obj.metadata.name);
    const deps = this.deletePodKey(k);
    this.pods.set(k, obj);
    const ns = obj.metadata.namespace ?? 'default';
    for (const ip of podClientIps(obj)) this.podByIp.set(ip, { podKey: k, namespace: ns });
    return [...deps, ...podDeps(obj)];
  }

  deletePod(obj: PodObject): string[] {
    return this.deletePodKey(key(obj.metadata.namespace, obj.metadata.name));
  }

  // ---- ClusterView ---------------------------------------------------------------------------

  service(namespace: string, name: string): ServiceInfo | undefined {
    return this.services.get(`${namespace}/${name}`);
  }

  endpoints(namespace: string, name: string): EndpointInfo[] {
    const sliceKeys = this.slicesByService.get(`${namespace}/${name}`);
    if (!sliceKeys) return [];
    const out: EndpointInfo[] = [];
    for (const sk of sliceKeys) {
      const s = this.slices.get(sk);
      if (s) out.push(...sliceEndpoints(s.obj, name, this.pod));
    }
    return out;
  }

  namespaceExists(namespace: string): boolean {
    return (this.servicesPerNamespace.get(namespace) ?? 0) > 0;
  }

  ipOwners(ip: string): { service: ServiceInfo; hostname?: string }[] {
    const out: { service: ServiceInfo; hostname?: string }[] = [];
    for (const sk of this.serviceByIp.get(ip) ?? []) {
      const svc = this.services.get(sk);
      if (svc) out.push({ service: svc });
    }
    for (const slk of this.sliceByIp.get(ip) ?? []) {
      const s = this.slices.get(slk);
      const svc = s?.svcKey ? this.services.get(s.svcKey) : undefined;
      if (!s || !svc || svc.kind !== 'headless') continue;
      for (const ep of sliceEndpoints(s.obj, svc.name, this.pod)) {
        if (ep.addresses.includes(ip) && (ep.ready || svc.publishNotReady)) out.push({ service: svc, hostname: ep.hostname });
      }
    }
    return out;
  }

  podNamespace(ip: string): string | undefined {
    return this.podByIp.get(ip)?.namespace;
  }

  // ---- internals -----------------------------------------------------------------------------

  private readonly pod = (ns: string, name: string): PodObject | undefined => this.pods.get(`${ns}/${name}`);

  private deleteServiceKey(k: string): string[] {
    const old = this.services.get(k);
    if (!old) return [`svc:${k}`];
    this.services.delete(k);
    const n = (this.servicesPerNamespace.get(old.namespace) ?? 1) - 1;
    if (n > 0) this.servicesPerNamespace.set(old.namespace, n);
    else this.servicesPerNamespace.delete(old.namespace);
    for (const ip of old.clusterIPs) removeFrom(this.serviceByIp, ip, k);
    return serviceDeps(old);
  }

  /** A service turning headless (or back) changes the PTR answers of its endpoint IPs. */
  private endpointIpDeps(svcKey: string): string[] {
    const deps: string[] = [];
    for (const sk of this.slicesByService.get(svcKey) ?? []) for (const ip of this.slices.get(sk)?.ips ?? []) deps.push(`ip:${ip}`);
    return deps;
  }

  private deleteSliceKey(k: string): string[] {
    const old = this.slices.get(k);
    if (!old) return [];
    this.slices.delete(k);
    if (old.svcKey) removeFrom(this.slicesByService, old.svcKey, k);
    for (const ip of old.ips) removeFrom(this.sliceByIp, ip, k);
    return [...(old.svcKey ? [`svc:${old.svcKey}`] : []), ...old.ips.map((ip) => `ip:${ip}`)];
  }

  private deletePodKey(k: string): string[] {
    const old = this.pods.get(k);
    if (!old) return [];
    this.pods.delete(k);
    for (const ip of podClientIps(old)) if (this.podByIp.get(ip)?.podKey === k) this.podByIp.delete(ip);
    return podDeps(old);
  }
}

function serviceDeps(s: ServiceInfo): string[] {
  return [`svc:${s.namespace}/${s.name}`, `ns:${s.namespace}`, ...s.clusterIPs.map((ip) => `ip:${ip}`)];
}

/** A pod matters to answers only through hostname/subdomain records (and their PTRs). */
function podDeps(p: PodObject): string[] {
  const sub = p.spec?.subdomain;
  if (!sub || !p.spec?.hostname) return [];
  const ips = p.status?.podIPs?.length ? p.status.podIPs.map((x) => x.ip) : p.status?.podIP ? [p.status.podIP] : [];
  return [`svc:${p.metadata.namespace ?? 'default'}/${sub}`, ...ips.map((ip) => `ip:${normalizeIp(ip)}`)];
}
