/**
 * Which UDP conntrack entries a rules change makes stale (upstream's deleteUDPEndpointConnections
 * and the 0 → N endpoints case), computed from the fragments before and after a sync.
 */
import type { ConntrackFilter } from './conntrack.js';
import type { Endpoint, ServicePort } from '../core/types.js';

export interface UdpPortState {
  servicePort: ServicePort;
  reachable: readonly Endpoint[];
  hasEndpoints: boolean;
}

const id = (sp: ServicePort) => `${sp.name}/${sp.protocol}`;

export function staleUdpEntries(before: Iterable<UdpPortState>, after: Iterable<UdpPortState>): ConntrackFilter[] {
  const out: ConntrackFilter[] = [];
  const next = new Map<string, UdpPortState>();
  for (const a of after) if (a.servicePort.protocol === 'UDP') next.set(id(a.servicePort), a);
  const prev = new Map<string, UdpPortState>();
  for (const b of before) if (b.servicePort.protocol === 'UDP') prev.set(id(b.servicePort), b);
  const addresses = (sp: ServicePort): ConntrackFilter[] => [
    { origDst: sp.clusterIP },
    ...sp.externalIPs.map((ip) => ({ origDst: ip })),
    ...(sp.nodePort ? [{ origPortDst: sp.nodePort }] : []),
  ];
  for (const [key, b] of prev) {
    const a = next.get(key);
    const still = new Set((a?.reachable ?? []).map((e) => e.ip));
    for (const e of b.reachable) {
      if (still.has(e.ip)) continue;
      for (const f of addresses(b.servicePort)) out.push({ ...f, dstNat: e.ip });
    }
  }
  for (const [key, a] of next) {
    const b = prev.get(key);
    // Packets sent while there was no endpoint (or no rule) may hold an un-NATed entry.
    if (a.hasEndpoints && !b?.hasEndpoints) out.push(...addresses(a.servicePort));
  }
  return out;
}
