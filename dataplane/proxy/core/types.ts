/**
 * The proxy's model, as plain values: one ServicePort per (Service, port) and the endpoints that
 * back it. Everything in core/ is pure: the same model always gives the same plan.
 */
export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ServicePort {
  /** kube's ServicePortName.String(): "ns/name:port", or "ns/name" for an unnamed port. */
  name: string;
  /** "ns/name" of the Service. */
  serviceKey: string;
  portName: string;
  protocol: Protocol;
  clusterIP: string;
  port: number;
  /** 0 when the Service has no node port. */
  nodePort: number;
  externalIPs: string[];
  /** 0 = no session affinity; otherwise ClientIP affinity with this timeout. */
  affinitySeconds: number;
  internalPolicyLocal: boolean;
  externalPolicyLocal: boolean;
}

export interface Endpoint {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
  zone?: string;
}

/** Endpoints of one Service, by `portKey(portName, protocol)`. */
export type ServiceEndpoints = ReadonlyMap<string, readonly Endpoint[]>;

export interface ProxyModel {
  /** Service key → its ports (Services without a usable ClusterIP have none). */
  services: ReadonlyMap<string, readonly ServicePort[]>;
  /** Service key → endpoints merged from all of its EndpointSlices. */
  endpoints: ReadonlyMap<string, ServiceEndpoints>;
}

export function portKey(portName: string, protocol: string): string {
  return `${portName}/${protocol}`;
}

export function endpointString(ep: Pick<Endpoint, 'ip' | 'port'>): string {
  return `${ep.ip}:${ep.port}`;
}

/** True when traffic can reach the Service from outside the cluster (node port or external IPs). */
export function externallyAccessible(sp: ServicePort): boolean {
  return sp.nodePort > 0 || sp.externalIPs.length > 0;
}
