/**
 * The node-level pieces the overlay owns in its netns: flannel.1 itself, its /32 address from the
 * podCIDR, and (for netns nodes) the service-CIDR route that node-originated ClusterIP traffic needs
 * because netns nodes have no default route (recipe gotcha 2).
 *
 * flannel.1 is kept when it already has the right kind, MAC and MTU, so an agent restart touches
 * nothing. The MAC is derived from the node IP (plan.ts vtepMacFor), so a MAC mismatch means the link
 * was made for another underlay address: VXLAN id/local/port cannot be changed in place, so it is
 * recreated (and with it every FDB/neighbour/route entry, which the caller then re-reads).
 */
import type { Netlink, NetnsRef } from '../netlink/netlink.js';
import { VXLAN_DEVICE, VXLAN_OVERHEAD, VXLAN_PORT, VXLAN_VNI, vtepMacFor } from './plan.js';

export interface VtepState {
  mac: string;
  mtu: number;
  /** true when flannel.1 was (re)created now, so the kernel holds none of the old entries */
  created: boolean;
}

export async function ensureVtep(netlink: Netlink, ns: NetnsRef, nodeIP: string, underlayDevice: string): Promise<VtepState> {
  const underlay = await netlink.link(ns, underlayDevice);
  if (!underlay) throw new Error(`underlay device ${underlayDevice} not found`);
  const mac = vtepMacFor(nodeIP);
  const mtu = underlay.mtu - VXLAN_OVERHEAD;
  const existing = await netlink.link(ns, VXLAN_DEVICE);
  const lines: string[] = [];
  let created = false;
  if (existing && (existing.kind !== 'vxlan' || existing.mac.toLowerCase() !== mac)) {
    lines.push(`link del ${VXLAN_DEVICE}`);
  }
  if (!existing || lines.length > 0) {
    lines.push(
      `link add ${VXLAN_DEVICE} address ${mac} mtu ${mtu} type vxlan id ${VXLAN_VNI} local ${nodeIP} dev ${underlayDevice} dstport ${VXLAN_PORT} nolearning`,
      `link set ${VXLAN_DEVICE} up`,
    );
    created = true;
  } else {
    if (existing.mtu !== mtu) lines.push(`link set ${VXLAN_DEVICE} mtu ${mtu}`);
    if (!existing.up) lines.push(`link set ${VXLAN_DEVICE} up`);
  }
  await netlink.ipBatch(ns, lines);
  return { mac, mtu, created };
}

/** flannel.1 carries <podCIDR network>/32, so node-originated overlay traffic has an overlay source address. */
export async function ensureVtepAddress(netlink: Netlink, ns: NetnsRef, podCIDR: string): Promise<void> {
  const want = podCIDR.split('/')[0]!;
  const have = (await netlink.addresses(ns, VXLAN_DEVICE)).filter((a) => a.family === 'inet');
  const lines = have.filter((a) => a.local !== want || a.prefixLen !== 32).map((a) => `addr del ${a.local}/${a.prefixLen} dev ${VXLAN_DEVICE}`);
  if (!have.some((a) => a.local === want && a.prefixLen === 32)) lines.push(`addr add ${want}/32 dev ${VXLAN_DEVICE}`);
  await netlink.ipBatch(ns, lines);
}

/** `route replace <serviceCidr> dev <underlay>`: on-link, so an unmatched ClusterIP only ARPs on the private underlay. */
export async function ensureServiceRoute(netlink: Netlink, ns: NetnsRef, serviceCidr: string, underlayDevice: string): Promise<void> {
  const routes = await netlink.routes(ns, underlayDevice);
  if (routes.some((r) => r.dst === serviceCidr && r.gateway === undefined)) return;
  await netlink.ipBatch(ns, [`route replace ${serviceCidr} dev ${underlayDevice}`]);
}
