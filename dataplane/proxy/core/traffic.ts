/**
 * Where a service port's traffic may go on this node, shared by both modes (the decisions in
 * upstream's syncProxyRules before any rule is written):
 * - internal traffic (to the ClusterIP) uses the cluster endpoints, or only the local ones with
 *   internalTrafficPolicy Local; external traffic (node port, external IPs) likewise with
 *   externalTrafficPolicy Local;
 * - no endpoints at all ⇒ REJECT (the client gets "connection refused" at once);
 *   endpoints elsewhere but none here under a Local policy ⇒ DROP (as upstream).
 */
import { categorizeEndpoints, type Categorized } from './categorize.js';
import { comment, type Rule } from './plan.js';
import type { Endpoint, ServicePort } from './types.js';

export interface TrafficDecision extends Categorized {
  hasInternal: boolean;
  hasExternal: boolean;
  /** Endpoints for ClusterIP traffic / for node-port and external-IP traffic. */
  internal: Endpoint[];
  external: Endpoint[];
  internalFilter?: { target: 'REJECT' | 'DROP'; comment: string };
  externalFilter?: { target: 'REJECT' | 'DROP'; comment: string };
}

export function decideTraffic(sp: ServicePort, endpoints: readonly Endpoint[], nodeName: string): TrafficDecision {
  const cat = categorizeEndpoints(endpoints, sp, nodeName);
  const hasInternal = cat.hasAny && (!sp.internalPolicyLocal || cat.local.length > 0);
  const hasExternal = cat.hasAny && (!sp.externalPolicyLocal || cat.local.length > 0);
  const d: TrafficDecision = {
    ...cat, hasInternal, hasExternal,
    internal: sp.internalPolicyLocal ? cat.local : cat.cluster,
    external: sp.externalPolicyLocal ? cat.local : cat.cluster,
  };
  if (!cat.hasAny) {
    const none = { target: 'REJECT' as const, comment: `${sp.name} has no endpoints` };
    d.internalFilter = none;
    d.externalFilter = none;
  } else {
    const noLocal = { target: 'DROP' as const, comment: `${sp.name} has no local endpoints` };
    if (!hasInternal) d.internalFilter = noLocal;
    if (!hasExternal) d.externalFilter = noLocal;
  }
  return d;
}

export function l4(sp: ServicePort): string[] {
  const p = sp.protocol.toLowerCase();
  return ['-m', p, '-p', p];
}

/** `-m tcp -p tcp -d IP --dport PORT` */
export function destination(sp: ServicePort, ip: string): string[] {
  return [...l4(sp), '-d', ip, '--dport', String(sp.port)];
}

export interface FilterRules {
  services: Rule[];
  external: Rule[];
}

/** filter-table rules for a port whose traffic has nowhere to go (REJECT/DROP). */
export function filterRules(sp: ServicePort, d: TrafficDecision): FilterRules {
  const out: FilterRules = { services: [], external: [] };
  if (d.internalFilter) out.services.push([...comment(d.internalFilter.comment), ...destination(sp, sp.clusterIP), '-j', d.internalFilter.target]);
  const ef = d.externalFilter;
  if (ef) {
    for (const ip of sp.externalIPs) out.external.push([...comment(ef.comment), ...destination(sp, ip), '-j', ef.target]);
    if (sp.nodePort) out.external.push([...comment(ef.comment), '-m', 'addrtype', '--dst-type', 'LOCAL', ...l4(sp), '--dport', String(sp.nodePort), '-j', ef.target]);
  }
  return out;
}
