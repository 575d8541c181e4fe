/**
 * EndpointSlices → endpoints per service port, as kube-proxy's EndpointSliceCache merges them:
 * every slice labelled kubernetes.io/service-name=<svc> contributes; an endpoint is keyed by
 * (port name, protocol) and ip:port, so the same address in two slices counts once. Missing
 * conditions read the way the API documents them: ready nil ⇒ ready, serving nil ⇒ ready,
 * terminating nil ⇒ false. Only IPv4 slices are used (single-stack cluster).
 */
import type { KubeObject } from '../../../control/api/object.js';
import { isIPv4 } from './service-ports.js';
import { portKey, type Endpoint, type ServiceEndpoints } from './types.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

interface SliceShape {
  addressType?: string;
  endpoints?: {
    addresses?: string[];
    conditions?: { ready?: boolean | null; serving?: boolean | null; terminating?: boolean | null };
    nodeName?: string;
    zone?: string;
  }[] | null;
  ports?: { name?: string | null; port?: number | null; protocol?: string | null }[] | null;
}

/** "ns/name" of the Service a slice belongs to, or undefined for slices of no Service. */
export function sliceServiceKey(slice: KubeObject): string | undefined {
  const svc = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc ? `${slice.metadata.namespace ?? ''}/${svc}` : undefined;
}

export function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

export function compareEndpoints(a: Endpoint, b: Endpoint): number {
  return ipToNumber(a.ip) - ipToNumber(b.ip) || a.port - b.port;
}

/** Merge the slices of one Service into endpoints by port key, sorted by address. */
export function mergeSlices(slices: readonly KubeObject[]): ServiceEndpoints {
  const byPort = new Map<string, Map<string, Endpoint>>();
  const ordered = [...slices].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  for (const slice of ordered) {
    const s = slice as unknown as SliceShape;
    if (s.addressType && s.addressType !== 'IPv4') continue;
    for (const p of s.ports ?? []) {
      if (!p.port) continue;
      const key = portKey(p.name ?? '', p.protocol ?? 'TCP');
      let eps = byPort.get(key);
      if (!eps) byPort.set(key, eps = new Map());
      for (const e of s.endpoints ?? []) {
        const ip = e.addresses?.[0];
        if (!isIPv4(ip)) continue;
        const id = `${ip}:${p.port}`;
        if (eps.has(id)) continue;
        const ready = e.conditions?.ready ?? true;
        const ep: Endpoint = {
          ip,
          port: p.port,
          ready,
          serving: e.conditions?.serving ?? ready,
          terminating: e.conditions?.terminating ?? false,
        };
        if (e.nodeName) ep.nodeName = e.nodeName;
        if (e.zone) ep.zone = e.zone;
        eps.set(id, ep);
      }
    }
  }
  const out = new Map<string, Endpoint[]>();
  for (const [key, eps] of byPort) out.set(key, [...eps.values()].sort(compareEndpoints));
  return out;
}

/** The earliest last-change-trigger-time among the slices (ms since epoch), if any carry one. */
export function sliceTriggerTime(slice: KubeObject): number | undefined {
  const raw = slice.metadata.annotations?.[TRIGGER_TIME_ANNOTATION];
  if (!raw) return undefined;
  const t = Date.parse(raw);
  return Number.isFinite(t) ? t : undefined;
}
