/**
 * How a Service's selected pods become endpoints — the rules the EndpointSlice and Endpoints
 * controllers share (pkg/controller/util/endpoint): which pods count, their conditions, and each
 * service port resolved per pod (a named targetPort is looked up in that pod's containers, so
 * pods of one Service may listen on different numbers; a pod without the name lacks the port).
 */
import type { KubeObject } from '../api/object.js';
import { labelSelectorFromSpec, matchesLabels } from '../api/selectors.js';

export interface ServicePortSpec {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
  appProtocol?: string;
}

export interface ServiceShape {
  type?: string;
  clusterIP?: string;
  selector?: Record<string, string>;
  ports?: ServicePortSpec[];
  publishNotReadyAddresses?: boolean;
}

interface PodShape {
  spec?: {
    nodeName?: string;
    hostname?: string;
    subdomain?: string;
    containers?: { ports?: { name?: string; containerPort: number; protocol?: string }[] }[];
    initContainers?: { restartPolicy?: string; ports?: { name?: string; containerPort: number; protocol?: string }[] }[];
  };
  status?: { phase?: string; podIP?: string; podIPs?: { ip: string }[]; conditions?: { type: string; status: string }[] };
}

/** An endpoint port as both APIs write it (EndpointSlice and Endpoints use the same fields). */
export interface EndpointPortJson {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export function serviceSpec(svc: KubeObject): ServiceShape {
  return (svc.spec ?? {}) as ServiceShape;
}

/** Services the controllers manage endpoints for: a non-empty selector, not ExternalName. */
export function hasSelector(svc: KubeObject): boolean {
  const s = serviceSpec(svc);
  return s.type !== 'ExternalName' && !!s.selector && Object.keys(s.selector).length > 0;
}

export function selects(svc: KubeObject, pod: KubeObject): boolean {
  if (!hasSelector(svc) || svc.metadata.namespace !== pod.metadata.namespace) return false;
  return matchesLabels(labelSelectorFromSpec({ matchLabels: serviceSpec(svc).selector }), pod.metadata.labels);
}

export function podIP(pod: KubeObject): string | undefined {
  const st = (pod as PodShape).status;
  const ip = st?.podIP ?? st?.podIPs?.[0]?.ip;
  return ip && /^\d+\.\d+\.\d+\.\d+$/.test(ip) ? ip : undefined;
}

export function isPodReady(pod: KubeObject): boolean {
  return !!(pod as PodShape).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

export function isTerminating(pod: KubeObject): boolean {
  return !!pod.metadata.deletionTimestamp;
}

/** ShouldPodBeInEndpoints: an address, not finished, and (unless included) not terminating. */
export function podIncluded(pod: KubeObject, includeTerminating: boolean): boolean {
  const phase = (pod as PodShape).status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') return false;
  if (!podIP(pod)) return false;
  return includeTerminating || !isTerminating(pod);
}

export function podNodeName(pod: KubeObject): string | undefined {
  return (pod as PodShape).spec?.nodeName || undefined;
}

/** The pod's hostname, when the Service is its subdomain (for DNS per-pod records). */
export function endpointHostname(pod: KubeObject, svc: KubeObject): string | undefined {
  const spec = (pod as PodShape).spec;
  return spec?.hostname && spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace ? spec.hostname : undefined;
}

/** podutil.FindPort: the number a service port targets on this pod, or undefined. */
export function findPort(pod: KubeObject, sp: ServicePortSpec): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  const protocol = sp.protocol ?? 'TCP';
  const spec = (pod as PodShape).spec;
  const containers = [...(spec?.containers ?? []), ...(spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

export function endpointPorts(svc: KubeObject, pod: KubeObject): EndpointPortJson[] {
  const out: EndpointPortJson[] = [];
  for (const sp of serviceSpec(svc).ports ?? []) {
    const port = findPort(pod, sp);
    if (port === undefined) continue;
    const p: EndpointPortJson = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol) p.appProtocol = sp.appProtocol;
    out.push(p);
  }
  return out;
}

export function portsKey(ports: readonly EndpointPortJson[]): string {
  return JSON.stringify([...ports].map((p) => [p.name, p.port, p.protocol, p.appProtocol ?? '']).sort());
}

/** What about a pod can change its endpoints (so other pod updates are ignored). */
export function podEndpointFingerprint(pod: KubeObject): string {
  const spec = (pod as PodShape).spec;
  return JSON.stringify([
    pod.metadata.labels ?? {}, podIP(pod), isPodReady(pod), !!pod.metadata.deletionTimestamp, (pod as PodShape).status?.phase,
    spec?.nodeName, spec?.hostname, spec?.subdomain, spec?.containers?.map((c) => c.ports), spec?.initContainers?.map((c) => c.ports),
  ]);
}

export function compareIPs(a: string, b: string): number {
  const n = (ip: string) => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return n(a) - n(b);
}

/** Service labels carried over to its slices / Endpoints, minus the ones the controller owns. */
export function inheritedLabels(svc: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) {
    if (k === 'kubernetes.io/service-name' || k === 'endpointslice.kubernetes.io/managed-by' || k === 'service.kubernetes.io/headless') continue;
    out[k] = v;
  }
  if (serviceSpec(svc).clusterIP === 'None') out['service.kubernetes.io/headless'] = '';
  return out;
}
