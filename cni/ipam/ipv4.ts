// What a pod subnet adds to the shared IPv4 arithmetic (control/api/ipv4.ts): the gateway, the
// usable pod range, and pod MACs derived from IPs (0a:58:<ip hex>, the convention kubenet/flannel
// use so that a reused IP keeps its MAC and no node holds a stale ARP entry for it — see
// notes/netns-cluster-recipe.md, gotcha 7).
import { broadcastOf, parseCidr, type Ipv4Cidr } from '../../control/api/ipv4.js';

export { broadcastOf, cidrContains as contains, formatCidr as formatSubnet, formatIpv4, macFromIpv4, parseIpv4 } from '../../control/api/ipv4.js';
export type Ipv4Subnet = Ipv4Cidr;

/** Parses a pod subnet "a.b.c.d/n". Returns an error message instead of throwing so config validation can name the field. */
export function parseSubnet(text: string): Ipv4Subnet | string {
  const parsed = parseCidr(text, { strict: true });
  if (typeof parsed === 'string') return parsed;
  // A pod subnet needs a gateway plus at least one pod address besides network and broadcast.
  if (parsed.prefixLen > 30) return `/${parsed.prefixLen} is too small: a pod subnet needs at least /30`;
  return parsed;
}

/** The gateway is the first host address (what the bridge carries). */
export function gatewayOf(s: Ipv4Subnet): number {
  return s.network + 1;
}

/** Pod addresses: after the gateway, before the broadcast address. */
export function podRangeOf(s: Ipv4Subnet): { first: number; last: number } {
  return { first: s.network + 2, last: broadcastOf(s) - 1 };
}

