/**
 * Which endpoints a node uses for a service port (kube-proxy's CategorizeEndpoints, without
 * topology hints):
 * - cluster endpoints: the ready ones anywhere; if none are ready, the serving-and-terminating
 *   ones (so a rolling update's last old pods keep answering until new ones are ready);
 * - local endpoints (only when a Local traffic policy applies): this node's ready endpoints, or
 *   else this node's serving-and-terminating ones;
 * - reachable: everything the node may DNAT to (the union), for which endpoint chains exist;
 * - hasAny: whether the Service has usable endpoints anywhere (false ⇒ REJECT).
 */
import { externallyAccessible, type Endpoint, type ServicePort } from './types.js';

export interface Categorized {
  cluster: Endpoint[];
  local: Endpoint[];
  reachable: Endpoint[];
  hasAny: boolean;
}

/** Even with externalTrafficPolicy Local, pod traffic to external addresses short-circuits to cluster endpoints. */
export function usesClusterEndpoints(sp: ServicePort): boolean {
  return !sp.internalPolicyLocal || externallyAccessible(sp);
}

export function usesLocalEndpoints(sp: ServicePort): boolean {
  return sp.internalPolicyLocal || (externallyAccessible(sp) && sp.externalPolicyLocal);
}

export function categorizeEndpoints(endpoints: readonly Endpoint[], sp: ServicePort, nodeName: string): Categorized {
  let cluster: Endpoint[] = [];
  let hasAny = false;
  if (usesClusterEndpoints(sp)) {
    cluster = endpoints.filter((e) => e.ready);
    if (cluster.length === 0) cluster = endpoints.filter((e) => e.serving && e.terminating);
    hasAny = cluster.length > 0;
  }
  if (!usesLocalEndpoints(sp)) return { cluster, local: [], reachable: cluster, hasAny };

  let localReady = false;
  let localServingTerminating = false;
  for (const e of endpoints) {
    const isLocal = e.nodeName === nodeName;
    if (e.ready) {
      hasAny = true;
      if (isLocal) localReady = true;
    } else if (e.serving && e.terminating) {
      hasAny = true;
      if (isLocal) localServingTerminating = true;
    }
  }
  let local: Endpoint[] = [];
  if (localReady) local = endpoints.filter((e) => e.nodeName === nodeName && e.ready);
  else if (localServingTerminating) local = endpoints.filter((e) => e.nodeName === nodeName && e.serving && e.terminating);

  if (!usesClusterEndpoints(sp)) return { cluster, local, reachable: local, hasAny };
  const seen = new Set(cluster);
  const reachable = [...cluster, ...local.filter((e) => !seen.has(e))];
  return { cluster, local, reachable, hasAny };
}
