/**
 * iptables mode: the rules for one service port (a fragment, recomputed only when the Service
 * or its endpoints change) and the assembly of all fragments into a plan. The layout is
 * upstream kube-proxy's (pkg/proxy/iptables/proxier.go), chain names included:
 *
 *   PREROUTING/OUTPUT → KUBE-SERVICES ─ clusterIP:port ───────→ KUBE-SVC-x (or KUBE-SVL-x)
 *                                    ├ externalIP:port ──────→ KUBE-EXT-x → KUBE-SVC-x / KUBE-SVL-x
 *                                    └ (last) dst LOCAL ─────→ KUBE-NODEPORTS ─ nodePort → KUBE-EXT-x
 *   KUBE-SVC-x: mark non-pod sources for masquerade; ClientIP affinity (recent); random cascade → KUBE-SEP-y
 *   KUBE-SEP-y: mark hairpin (source = endpoint) for masquerade; DNAT to the endpoint
 *   POSTROUTING → KUBE-POSTROUTING: MASQUERADE what carries mark 0x4000
 *   filter: KUBE-SERVICES / KUBE-EXTERNAL-SERVICES REJECT (no endpoints) or DROP (no local ones)
 */
import { comment, filterJumps, forwardChain, masqueradeChains, type ChainMap, type JumpRule, type Rule, type RulePlan } from './plan.js';
import { decideTraffic, destination, filterRules, l4 } from './traffic.js';
import { extChain, sepChain, svcChain, svlChain } from './chain-names.js';
import { usesClusterEndpoints, usesLocalEndpoints } from './categorize.js';
import { endpointString, externallyAccessible, type Endpoint, type ServicePort } from './types.js';

export interface PlanContext {
  nodeName: string;
  clusterCidr: string;
  /** This node's addresses (for the tracer's idea of LOCAL; rules use addrtype). */
  localAddresses: readonly string[];
}

/** Everything one service port contributes to the plan. */
export interface PortRules {
  servicePort: ServicePort;
  natServices: Rule[];
  natNodePorts: Rule[];
  /** Chains owned by this service port (KUBE-SVC/SVL/EXT/SEP), in writing order. */
  natChains: Map<string, Rule[]>;
  /** natChains' names, kept so assembling a plan allocates nothing per service port. */
  natChainNames: readonly string[];
  filterServices: Rule[];
  filterExternal: Rule[];
  /** Endpoints this node may DNAT to (for UDP conntrack cleanup). */
  reachable: readonly Endpoint[];
  hasEndpoints: boolean;
}

const MARK_MASQ = 'KUBE-MARK-MASQ';

export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

function endpointRules(sp: ServicePort, eps: readonly Endpoint[]): Rule[] {
  const rules: Rule[] = [];
  const sep = (e: Endpoint) => sepChain(sp.name, sp.protocol, endpointString(e));
  if (sp.affinitySeconds > 0) {
    for (const e of eps) {
      rules.push([...comment(`${sp.name} -> ${endpointString(e)}`), '-m', 'recent', '--name', sep(e), '--rcheck', '--seconds', String(sp.affinitySeconds), '--reap', '-j', sep(e)]);
    }
  }
  eps.forEach((e, i) => {
    const stat = i < eps.length - 1 ? ['-m', 'statistic', '--mode', 'random', '--probability', probability(eps.length - i)] : [];
    rules.push([...comment(`${sp.name} -> ${endpointString(e)}`), ...stat, '-j', sep(e)]);
  });
  return rules;
}

export function planIptablesPort(sp: ServicePort, endpoints: readonly Endpoint[], ctx: PlanContext): PortRules {
  const d = decideTraffic(sp, endpoints, ctx.nodeName);
  const clusterChain = svcChain(sp.name, sp.protocol);
  const localChain = svlChain(sp.name, sp.protocol);
  const ext = extChain(sp.name, sp.protocol);
  const internalChain = sp.internalPolicyLocal ? localChain : clusterChain;
  const externalPolicyChain = sp.externalPolicyLocal ? localChain : clusterChain;
  const usesExt = d.hasAny && externallyAccessible(sp);
  const usesCluster = d.cluster.length > 0 && usesClusterEndpoints(sp);
  const usesLocal = d.local.length > 0 && usesLocalEndpoints(sp);
  const filter = filterRules(sp, d);
  const out: PortRules = {
    servicePort: sp, natServices: [], natNodePorts: [], natChains: new Map(), natChainNames: [],
    filterServices: filter.services, filterExternal: filter.external, reachable: d.reachable, hasEndpoints: d.hasAny,
  };

  if (d.hasInternal) out.natServices.push([...comment(`${sp.name} cluster IP`), ...destination(sp, sp.clusterIP), '-j', internalChain]);
  if (d.hasAny) {
    for (const ip of sp.externalIPs) out.natServices.push([...comment(`${sp.name} external IP`), ...destination(sp, ip), '-j', ext]);
    if (sp.nodePort) out.natNodePorts.push([...comment(sp.name), ...l4(sp), '--dport', String(sp.nodePort), '-j', ext]);
  }

  const chains = new Map<string, Rule[]>();
  if (usesCluster) chains.set(clusterChain, []);
  if (usesLocal) chains.set(localChain, []);
  // Off-cluster sources reaching a ClusterIP (a node, the host through a route) may be answered
  // from another node: masquerade them so replies come back through this one.
  if (d.hasInternal) chains.get(internalChain)?.push([...comment(`${sp.name} cluster IP`), ...destination(sp, sp.clusterIP), '!', '-s', ctx.clusterCidr, '-j', MARK_MASQ]);
  if (usesExt) {
    const rules: Rule[] = [];
    if (!sp.externalPolicyLocal) {
      rules.push([...comment(`masquerade traffic for ${sp.name} external destinations`), '-j', MARK_MASQ]);
    } else {
      // Pods and the node itself are not "external": they get cluster-wide endpoints, and the
      // node's own traffic must be masqueraded (its source is a local address).
      rules.push([...comment(`pod traffic for ${sp.name} external destinations`), '-s', ctx.clusterCidr, '-j', clusterChain]);
      rules.push([...comment(`masquerade LOCAL traffic for ${sp.name} external destinations`), '-m', 'addrtype', '--src-type', 'LOCAL', '-j', MARK_MASQ]);
      rules.push([...comment(`route LOCAL traffic for ${sp.name} external destinations`), '-m', 'addrtype', '--src-type', 'LOCAL', '-j', clusterChain]);
    }
    if (d.hasExternal) rules.push(['-j', externalPolicyChain]);
    chains.set(ext, rules);
  }
  if (usesCluster) chains.get(clusterChain)!.push(...endpointRules(sp, d.cluster));
  if (usesLocal) chains.get(localChain)!.push(...endpointRules(sp, d.local));
  for (const e of d.reachable) {
    const sep = sepChain(sp.name, sp.protocol, endpointString(e));
    chains.set(sep, [
      [...comment(sp.name), '-s', e.ip, '-j', MARK_MASQ],
      [...comment(sp.name), ...(sp.affinitySeconds > 0 ? ['-m', 'recent', '--name', sep, '--set'] : []), ...l4(sp), '-j', 'DNAT', '--to-destination', endpointString(e)],
    ]);
  }
  out.natChains = chains;
  out.natChainNames = [...chains.keys()];
  return out;
}

export const NODEPORTS_JUMP: Rule = [
  ...comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain'),
  '-m', 'addrtype', '--dst-type', 'LOCAL', '!', '-d', '127.0.0.0/8', '-j', 'KUBE-NODEPORTS',
];

export function iptablesJumps(): JumpRule[] {
  return [
    { table: 'nat', chain: 'PREROUTING', rule: [...comment('kubernetes service portals'), '-j', 'KUBE-SERVICES'] },
    { table: 'nat', chain: 'OUTPUT', rule: [...comment('kubernetes service portals'), '-j', 'KUBE-SERVICES'] },
    { table: 'nat', chain: 'POSTROUTING', rule: [...comment('kubernetes postrouting rules'), '-j', 'KUBE-POSTROUTING'] },
    ...filterJumps(),
  ];
}

/** Assemble fragments (any order; sorted here so plans are deterministic) into the whole plan. */
export function assembleIptablesPlan(fragments: Iterable<PortRules>, ctx: PlanContext): RulePlan {
  const sorted = [...fragments].sort((a, b) => (a.servicePort.name < b.servicePort.name ? -1 : a.servicePort.name > b.servicePort.name ? 1 : a.servicePort.protocol < b.servicePort.protocol ? -1 : 1));
  const nat = new Map<string, readonly Rule[]>();
  const filter = new Map<string, readonly Rule[]>();
  const services: Rule[] = [];
  const nodePorts: Rule[] = [];
  const fServices: Rule[] = [];
  const fExternal: Rule[] = [];
  nat.set('KUBE-SERVICES', services);
  nat.set('KUBE-NODEPORTS', nodePorts);
  for (const [name, rules] of masqueradeChains()) nat.set(name, rules);
  filter.set('KUBE-SERVICES', fServices);
  filter.set('KUBE-EXTERNAL-SERVICES', fExternal);
  filter.set('KUBE-FORWARD', forwardChain());
  for (const f of sorted) {
    services.push(...f.natServices);
    nodePorts.push(...f.natNodePorts);
    fServices.push(...f.filterServices);
    fExternal.push(...f.filterExternal);
    // The fragment's own arrays go in unchanged: the renderer recognises unchanged chains by identity.
    for (const [name, rules] of f.natChains) nat.set(name, rules);
  }
  services.push(NODEPORTS_JUMP);
  return {
    mode: 'iptables', tables: { nat: nat as ChainMap, filter: filter as ChainMap }, jumps: iptablesJumps(),
    localAddresses: ctx.localAddresses, clusterCidr: ctx.clusterCidr, chainGroups: sorted.map((f) => f.natChainNames),
  };
}
