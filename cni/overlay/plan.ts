/**
 * The overlay's desired state as a plain value (flannel's vxlan backend, kube subnet manager mode).
 *
 * For every OTHER node that has a podCIDR and has published its VTEP (the flannel annotations), the node
 * needs exactly three kernel entries on flannel.1 (flannel pkg/backend/vxlan/vxlan.go, "one route, one
 * neighbour, one FDB entry per remote host"):
 *   route       <podCIDR> via <podCIDR network address> dev flannel.1 onlink
 *   neighbour   <podCIDR network address> lladdr <remote VTEP MAC> nud permanent   (no ARP over VXLAN)
 *   fdb         <remote VTEP MAC> dst <remote underlay IP> self permanent           (where to send the frame)
 * `planOverlay` is pure so golden tests pin it, and `diffOverlay` (diff.ts) turns two plans into batch lines.
 */
import type { KubeObject } from '../../control/api/object.js';
import { cidrContains as sharedCidrContains, formatIpv4, macFromIpv4, parseCidr as parseSharedCidr, parseIpv4 } from '../../control/api/ipv4.js';

export const VXLAN_DEVICE = 'flannel.1';
export const VXLAN_VNI = 1;
export const VXLAN_PORT = 8472;
/** VXLAN over IPv4 adds 50 bytes (outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8). */
export const VXLAN_OVERHEAD = 50;

export const ANNOTATION_BACKEND_TYPE = 'flannel.alpha.coreos.com/backend-type';
export const ANNOTATION_BACKEND_DATA = 'flannel.alpha.coreos.com/backend-data';
export const ANNOTATION_PUBLIC_IP = 'flannel.alpha.coreos.com/public-ip';

/** What the overlay needs to know about one node (from its Node object). */
export interface OverlayNode {
  name: string;
  /** IPv4 podCIDR, e.g. 10.244.2.0/24 */
  podCIDR: string;
  /** underlay address (flannel public-ip) */
  publicIP: string;
  /** flannel.1 MAC of that node */
  vtepMac: string;
}

export interface OverlayRoute {
  dst: string;
  via: string;
}

export interface OverlayNeighbour {
  ip: string;
  mac: string;
}

export interface OverlayFdb {
  mac: string;
  dst: string;
}

export interface OverlayPlan {
  routes: OverlayRoute[];
  neighbours: OverlayNeighbour[];
  fdb: OverlayFdb[];
}

export const EMPTY_PLAN: OverlayPlan = Object.freeze({ routes: [], neighbours: [], fdb: [] }) as OverlayPlan;

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function ipv4ToInt(ip: string): number {
  const n = parseIpv4(ip);
  if (n === undefined) throw new Error(`not an IPv4 address: ${ip}`);
  return n;
}

export function isIpv4(ip: string): boolean {
  return parseIpv4(ip) !== undefined;
}

export const intToIpv4 = formatIpv4;

/** Parses a canonical IPv4 CIDR ("10.244.2.0/24") into its network address and prefix; undefined otherwise. */
export function parseCidr(cidr: string): { network: string; prefix: number } | undefined {
  const c = parseSharedCidr(cidr, { strict: true });
  return typeof c === 'string' ? undefined : { network: formatIpv4(c.network), prefix: c.prefixLen };
}

export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseSharedCidr(cidr, { strict: true });
  const n = parseIpv4(ip);
  return typeof c !== 'string' && n !== undefined && sharedCidrContains(c, n);
}

/**
 * flannel.1's MAC, derived from the node's underlay IP: 0e:00 + the IP in hex (locally administered,
 * unicast). Deterministic, so an agent restart keeps it and peers' neighbour/FDB entries stay valid.
 */
export function vtepMacFor(nodeIP: string): string {
  return macFromIpv4(ipv4ToInt(nodeIP), '0e:00');
}

/** The annotations a node publishes so others can reach its pods (flannel's kube subnet manager names). */
export function overlayAnnotations(nodeIP: string, vtepMac: string): Record<string, string> {
  return {
    [ANNOTATION_BACKEND_TYPE]: 'vxlan',
    [ANNOTATION_BACKEND_DATA]: JSON.stringify({ VNI: VXLAN_VNI, VtepMAC: vtepMac }),
    [ANNOTATION_PUBLIC_IP]: nodeIP,
  };
}

interface NodeShape {
  spec?: { podCIDR?: string; podCIDRs?: string[] };
}

/** The node's IPv4 podCIDR (podCIDRs first, as kube does for dual stack), if any. */
export function podCidrOf(node: KubeObject): string | undefined {
  const spec = (node as NodeShape).spec ?? {};
  const all = [...(spec.podCIDRs ?? []), ...(spec.podCIDR ? [spec.podCIDR] : [])];
  return all.find((c) => typeof c === 'string' && parseCidr(c) !== undefined);
}

/**
 * A Node object as an overlay peer, or undefined while it lacks what a peer needs: a podCIDR and
 * published vxlan annotations with VNI 1 (flannel ignores nodes of another backend or VNI too).
 */
export function overlayNodeFrom(node: KubeObject): OverlayNode | undefined {
  const name = node.metadata.name;
  const ann = node.metadata.annotations ?? {};
  const podCIDR = podCidrOf(node);
  if (!name || !podCIDR || ann[ANNOTATION_BACKEND_TYPE] !== 'vxlan') return undefined;
  const publicIP = ann[ANNOTATION_PUBLIC_IP] ?? '';
  if (!isIpv4(publicIP)) return undefined;
  let data: { VNI?: unknown; VtepMAC?: unknown };
  try {
    data = JSON.parse(ann[ANNOTATION_BACKEND_DATA] ?? '') as typeof data;
  } catch {
    return undefined;
  }
  const mac = typeof data?.VtepMAC === 'string' ? data.VtepMAC.toLowerCase() : '';
  if (data.VNI !== VXLAN_VNI || !MAC.test(mac)) return undefined;
  return { name, podCIDR, publicIP, vtepMac: mac };
}

/**
 * Desired entries for node `self`, given every node of the cluster. Output is sorted (by podCIDR address),
 * so equal inputs give identical plans. A peer that collides with one already taken (same podCIDR, same
 * underlay IP or same MAC — a misconfiguration) is skipped rather than fighting over one kernel entry;
 * the first by name wins. Our own podCIDR and our own IP are taken by `self` first.
 */
export function planOverlay(nodes: readonly OverlayNode[], self: string): OverlayPlan {
  const own = nodes.find((n) => n.name === self);
  const takenCidr = new Set<string>(own ? [own.podCIDR] : []);
  const takenIP = new Set<string>(own ? [own.publicIP] : []);
  const takenMac = new Set<string>(own ? [own.vtepMac] : []);
  const peers: OverlayNode[] = [];
  for (const n of [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (n.name === self) continue;
    if (takenCidr.has(n.podCIDR) || takenIP.has(n.publicIP) || takenMac.has(n.vtepMac)) continue;
    takenCidr.add(n.podCIDR);
    takenIP.add(n.publicIP);
    takenMac.add(n.vtepMac);
    peers.push(n);
  }
  peers.sort((a, b) => ipv4ToInt(a.podCIDR.split('/')[0]!) - ipv4ToInt(b.podCIDR.split('/')[0]!));
  const plan: OverlayPlan = { routes: [], neighbours: [], fdb: [] };
  for (const p of peers) {
    const gateway = p.podCIDR.split('/')[0]!;
    plan.routes.push({ dst: p.podCIDR, via: gateway });
    plan.neighbours.push({ ip: gateway, mac: p.vtepMac });
    plan.fdb.push({ mac: p.vtepMac, dst: p.publicIP });
  }
  return plan;
}
