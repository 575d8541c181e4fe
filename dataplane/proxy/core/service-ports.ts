/**
 * Service → ServicePorts, as kube-proxy's newBaseServiceInfo reads a Service: one entry per port;
 * Services without a ClusterIP (headless, ExternalName) give none; node ports only for NodePort
 * and LoadBalancer Services; ClientIP affinity defaults to 3 h.
 */
import type { KubeObject } from '../../../control/api/object.js';
import type { Protocol, ServicePort } from './types.js';

const DEFAULT_AFFINITY_SECONDS = 10800;

interface ServiceSpecShape {
  type?: string;
  clusterIP?: string;
  ports?: { name?: string; port?: number; protocol?: string; nodePort?: number }[];
  externalIPs?: string[];
  sessionAffinity?: string;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  internalTrafficPolicy?: string;
  externalTrafficPolicy?: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isIPv4(s: unknown): s is string {
  const m = typeof s === 'string' ? IPV4.exec(s) : null;
  return !!m && m.slice(1).every((o) => Number(o) <= 255);
}

export function serviceKeyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

export function servicePortsFromService(svc: KubeObject): ServicePort[] {
  const spec = (svc.spec ?? {}) as ServiceSpecShape;
  if (spec.type === 'ExternalName' || !isIPv4(spec.clusterIP)) return [];
  const serviceKey = serviceKeyOf(svc);
  const hasNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  const externalIPs = (spec.externalIPs ?? []).filter(isIPv4);
  const affinitySeconds = spec.sessionAffinity === 'ClientIP'
    ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS)
    : 0;
  const out: ServicePort[] = [];
  for (const p of spec.ports ?? []) {
    if (!p.port) continue;
    const protocol = (p.protocol ?? 'TCP') as Protocol;
    const portName = p.name ?? '';
    const nodePort = hasNodePorts ? (p.nodePort ?? 0) : 0;
    const externallyAccessible = nodePort > 0 || externalIPs.length > 0;
    out.push({
      name: portName ? `${serviceKey}:${portName}` : serviceKey,
      serviceKey,
      portName,
      protocol,
      clusterIP: spec.clusterIP!,
      port: p.port,
      nodePort,
      externalIPs,
      affinitySeconds,
      internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
      externalPolicyLocal: externallyAccessible && spec.externalTrafficPolicy === 'Local',
    });
  }
  return out;
}
