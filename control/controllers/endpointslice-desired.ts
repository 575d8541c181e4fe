/**
 * EndpointSlice planning, pure: the endpoints a Service should have (grouped by their resolved
 * ports, since a slice has one port list) and the writes that turn the existing slices into them.
 *
 * Placement keeps churn low, like upstream's reconciler: an endpoint already in a slice stays in
 * that slice (updated in place if its conditions changed); new endpoints fill existing slices up
 * to 100 before a new slice is created; slices left empty are deleted. A Service with no
 * endpoints keeps exactly one empty placeholder slice. Slices whose content is unchanged are not
 * written — not even to refresh the trigger-time annotation.
 */
import { clone, type KubeObject } from '../api/object.js';
import {
  compareIPs, endpointHostname, endpointPorts, inheritedLabels, isPodReady, isTerminating, podIP, podIncluded,
  podNodeName, portsKey, selects, serviceSpec, type EndpointPortJson,
} from './endpointslice-pods.js';

export const MAX_ENDPOINTS_PER_SLICE = 100;
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

export interface EndpointGroup {
  ports: EndpointPortJson[];
  endpoints: SliceEndpoint[];
}

export type SliceWrite =
  | { op: 'create'; slice: KubeObject }
  | { op: 'update'; slice: KubeObject }
  | { op: 'delete'; slice: KubeObject };

export function podToEndpoint(pod: KubeObject, svc: KubeObject, zoneOf: (node: string) => string | undefined): SliceEndpoint {
  const serving = isPodReady(pod);
  const terminating = isTerminating(pod);
  // "ready" is never true for a terminating pod unless the Service publishes not-ready addresses.
  const ready = serviceSpec(svc).publishNotReadyAddresses === true || (serving && !terminating);
  const ep: SliceEndpoint = {
    addresses: [podIP(pod)!],
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
  };
  const hostname = endpointHostname(pod, svc);
  if (hostname) ep.hostname = hostname;
  const node = podNodeName(pod);
  if (node) {
    ep.nodeName = node;
    const zone = zoneOf(node);
    if (zone) ep.zone = zone;
  }
  return ep;
}

export function desiredEndpointGroups(svc: KubeObject, pods: readonly KubeObject[], zoneOf: (node: string) => string | undefined): Map<string, EndpointGroup> {
  const groups = new Map<string, EndpointGroup>();
  const seen = new Set<string>();
  for (const pod of pods) {
    if (!selects(svc, pod) || !podIncluded(pod, true)) continue;
    const ports = endpointPorts(svc, pod);
    if ((serviceSpec(svc).ports ?? []).length > 0 && ports.length === 0) continue;
    const ip = podIP(pod)!;
    if (seen.has(ip)) continue; // two pods claiming one IP (a stale status): keep the first
    seen.add(ip);
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, g = { ports, endpoints: [] });
    g.endpoints.push(podToEndpoint(pod, svc, zoneOf));
  }
  for (const g of groups.values()) g.endpoints.sort((a, b) => compareIPs(a.addresses[0]!, b.addresses[0]!));
  return groups;
}

interface SliceShape {
  endpoints?: SliceEndpoint[] | null;
  ports?: EndpointPortJson[] | null;
}

function sliceLabels(svc: KubeObject): Record<string, string> {
  return { ...inheritedLabels(svc), [SERVICE_NAME_LABEL]: svc.metadata.name!, [MANAGED_BY_LABEL]: CONTROLLER_NAME };
}

function ownerRef(svc: KubeObject) {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata.name!, uid: svc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function build(svc: KubeObject, ports: EndpointPortJson[], endpoints: SliceEndpoint[], triggerTime: string, existing?: KubeObject): KubeObject {
  const meta = existing ? clone(existing.metadata) : { generateName: `${svc.metadata.name!.slice(0, 57)}-`, namespace: svc.metadata.namespace };
  meta.labels = sliceLabels(svc);
  meta.annotations = { ...(meta.annotations ?? {}), [TRIGGER_TIME_ANNOTATION]: triggerTime };
  meta.ownerReferences = [ownerRef(svc)];
  delete meta.managedFields;
  return { ...(existing ? clone(existing) : {}), apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta, addressType: 'IPv4', endpoints, ports };
}

function unchanged(existing: KubeObject, svc: KubeObject, ports: EndpointPortJson[], endpoints: SliceEndpoint[]): boolean {
  const s = existing as unknown as SliceShape;
  return same(s.endpoints ?? [], endpoints) && same(s.ports ?? [], ports)
    && same(existing.metadata.labels ?? {}, sliceLabels(svc))
    && existing.metadata.ownerReferences?.length === 1 && existing.metadata.ownerReferences[0]!.uid === (svc.metadata.uid ?? '');
}

/** The writes turning `existing` (this controller's slices of `svc`) into `groups`. */
export function planSliceWrites(svc: KubeObject, groups: Map<string, EndpointGroup>, existing: readonly KubeObject[], triggerTime: string): SliceWrite[] {
  const writes: SliceWrite[] = [];
  const byKey = new Map<string, KubeObject[]>();
  for (const s of [...existing].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) {
    const key = portsKey((s as unknown as SliceShape).ports ?? []);
    byKey.set(key, [...(byKey.get(key) ?? []), s]);
  }
  const put = (ports: EndpointPortJson[], eps: SliceEndpoint[], prev?: KubeObject) => {
    if (!prev) writes.push({ op: 'create', slice: build(svc, ports, eps, triggerTime) });
    else if (!unchanged(prev, svc, ports, eps)) writes.push({ op: 'update', slice: build(svc, ports, eps, triggerTime, prev) });
  };
  const total = [...groups.values()].reduce((n, g) => n + g.endpoints.length, 0);
  if (total === 0) {
    // One placeholder: reuse an existing slice (an empty one if there is), delete the rest.
    const all = [...existing].sort((a, b) => ((a as unknown as SliceShape).endpoints?.length ?? 0) - ((b as unknown as SliceShape).endpoints?.length ?? 0));
    put([], [], all[0]);
    for (const s of all.slice(1)) writes.push({ op: 'delete', slice: s });
    return writes;
  }
  for (const [key, group] of groups) {
    const slices = byKey.get(key) ?? [];
    byKey.delete(key);
    const want = new Map(group.endpoints.map((e) => [e.addresses[0]!, e]));
    const placed = new Set<string>();
    const contents = slices.map((s) => {
      const keep: SliceEndpoint[] = [];
      for (const e of (s as unknown as SliceShape).endpoints ?? []) {
        const ip = e.addresses?.[0];
        const next = ip !== undefined ? want.get(ip) : undefined;
        if (next && !placed.has(ip!) && keep.length < MAX_ENDPOINTS_PER_SLICE) {
          keep.push(next);
          placed.add(ip!);
        }
      }
      return keep;
    });
    const remaining = group.endpoints.filter((e) => !placed.has(e.addresses[0]!));
    for (const c of contents) while (c.length < MAX_ENDPOINTS_PER_SLICE && remaining.length) c.push(remaining.shift()!);
    slices.forEach((s, i) => {
      const eps = contents[i]!.sort((a, b) => compareIPs(a.addresses[0]!, b.addresses[0]!));
      if (eps.length === 0) writes.push({ op: 'delete', slice: s });
      else put(group.ports, eps, s);
    });
    while (remaining.length) put(group.ports, remaining.splice(0, MAX_ENDPOINTS_PER_SLICE));
  }
  for (const slices of byKey.values()) for (const s of slices) writes.push({ op: 'delete', slice: s });
  return writes;
}
