/**
 * userspace mode: iptables only steers service traffic to local proxy ports; Node.js does the
 * balancing. Layout (kube-proxy's old userspace proxier, chain names included):
 *
 *   PREROUTING → KUBE-PORTALS-CONTAINER: clusterIP/externalIP:port → REDIRECT to the proxy port
 *   PREROUTING → (dst LOCAL) KUBE-NODEPORT-CONTAINER: nodePort → REDIRECT to the proxy port
 *   OUTPUT → KUBE-PORTALS-HOST / (dst LOCAL) KUBE-NODEPORT-HOST: the same as DNAT to nodeIP:proxyPort
 *   filter: the same REJECT/DROP rules as iptables mode for ports without endpoints (no
 *   redirect is written for them, so the packet meets the REJECT with its service address).
 */
import { comment, filterJumps, forwardChain, type ChainMap, type JumpRule, type ProxyPortInfo, type Rule, type RulePlan } from './plan.js';
import { decideTraffic, destination, filterRules, l4, type TrafficDecision } from './traffic.js';
import { endpointString, type Endpoint, type ServicePort } from './types.js';

export interface UserspacePorts {
  /** Local port serving ClusterIP traffic. */
  internal: number;
  /** Local port serving node-port / external-IP traffic (the same port unless policies differ). */
  external: number;
}

export interface UserspaceRules {
  servicePort: ServicePort;
  decision: TrafficDecision;
  portalsContainer: Rule[];
  portalsHost: Rule[];
  nodePortContainer: Rule[];
  nodePortHost: Rule[];
  filterServices: Rule[];
  filterExternal: Rule[];
}

export const USERSPACE_CHAINS = ['KUBE-PORTALS-CONTAINER', 'KUBE-PORTALS-HOST', 'KUBE-NODEPORT-CONTAINER', 'KUBE-NODEPORT-HOST'] as const;

export function planUserspacePort(sp: ServicePort, endpoints: readonly Endpoint[], ports: UserspacePorts | undefined, nodeName: string, nodeIP: string): UserspaceRules {
  const d = decideTraffic(sp, endpoints, nodeName);
  const f = filterRules(sp, d);
  const out: UserspaceRules = {
    servicePort: sp, decision: d, portalsContainer: [], portalsHost: [], nodePortContainer: [], nodePortHost: [],
    filterServices: f.services, filterExternal: f.external,
  };
  if (!ports) return out;
  const redirect = (p: number) => ['-j', 'REDIRECT', '--to-ports', String(p)];
  const toHost = (p: number) => ['-j', 'DNAT', '--to-destination', `${nodeIP}:${p}`];
  if (d.hasInternal) {
    const m = [...comment(`${sp.name} cluster IP`), ...destination(sp, sp.clusterIP)];
    out.portalsContainer.push([...m, ...redirect(ports.internal)]);
    out.portalsHost.push([...m, ...toHost(ports.internal)]);
  }
  if (d.hasExternal) {
    for (const ip of sp.externalIPs) {
      const m = [...comment(`${sp.name} external IP`), ...destination(sp, ip)];
      out.portalsContainer.push([...m, ...redirect(ports.external)]);
      out.portalsHost.push([...m, ...toHost(ports.external)]);
    }
    if (sp.nodePort) {
      const m = [...comment(sp.name), ...l4(sp), '--dport', String(sp.nodePort)];
      out.nodePortContainer.push([...m, ...redirect(ports.external)]);
      out.nodePortHost.push([...m, ...toHost(ports.external)]);
    }
  }
  return out;
}

export function userspaceJumps(): JumpRule[] {
  const local = ['-m', 'addrtype', '--dst-type', 'LOCAL'];
  return [
    { table: 'nat', chain: 'PREROUTING', rule: [...comment('handle ClusterIPs; NOTE: this must be before the NodePort rules'), '-j', 'KUBE-PORTALS-CONTAINER'] },
    { table: 'nat', chain: 'PREROUTING', rule: [...local, ...comment('handle service NodePorts; NOTE: this must be the last rule in the chain'), '-j', 'KUBE-NODEPORT-CONTAINER'] },
    { table: 'nat', chain: 'OUTPUT', rule: [...comment('handle ClusterIPs; NOTE: this must be before the NodePort rules'), '-j', 'KUBE-PORTALS-HOST'] },
    { table: 'nat', chain: 'OUTPUT', rule: [...local, ...comment('handle service NodePorts; NOTE: this must be the last rule in the chain'), '-j', 'KUBE-NODEPORT-HOST'] },
    ...filterJumps(),
  ];
}

export function assembleUserspacePlan(
  fragments: Iterable<UserspaceRules>,
  proxyPorts: ReadonlyMap<number, ProxyPortInfo>,
  ctx: { localAddresses: readonly string[]; clusterCidr: string },
): RulePlan {
  const sorted = [...fragments].sort((a, b) => (a.servicePort.name + a.servicePort.protocol < b.servicePort.name + b.servicePort.protocol ? -1 : 1));
  const nat = new Map<string, Rule[]>(USERSPACE_CHAINS.map((c) => [c, []]));
  const filter = new Map<string, Rule[]>([['KUBE-SERVICES', []], ['KUBE-EXTERNAL-SERVICES', []], ['KUBE-FORWARD', forwardChain()]]);
  for (const f of sorted) {
    nat.get('KUBE-PORTALS-CONTAINER')!.push(...f.portalsContainer);
    nat.get('KUBE-PORTALS-HOST')!.push(...f.portalsHost);
    nat.get('KUBE-NODEPORT-CONTAINER')!.push(...f.nodePortContainer);
    nat.get('KUBE-NODEPORT-HOST')!.push(...f.nodePortHost);
    filter.get('KUBE-SERVICES')!.push(...f.filterServices);
    filter.get('KUBE-EXTERNAL-SERVICES')!.push(...f.filterExternal);
  }
  return {
    mode: 'userspace', tables: { nat: nat as ChainMap, filter: filter as ChainMap }, jumps: userspaceJumps(),
    localAddresses: ctx.localAddresses, clusterCidr: ctx.clusterCidr, proxyPorts,
  };
}

export function proxyPortInfo(sp: ServicePort, eps: readonly Endpoint[]): ProxyPortInfo {
  return { servicePort: sp.name, protocol: sp.protocol, endpoints: eps.map(endpointString) };
}
