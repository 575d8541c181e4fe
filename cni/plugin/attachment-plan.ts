// Pure planning of one pod attachment: names, MACs and the exact `ip -batch` lines for the node side and the
// pod side (the recipe in notes/netns-cluster-recipe.md §3). No I/O here, so it is golden-tested.
//
// Host veth names are derived, not random: "tug" + 4 hex of the network name + 8 hex of containerID/ifname
// (15 chars, the kernel limit). That makes DEL work without state (the name is recomputed), makes GC able to
// tell our leftovers apart from anything else on the node (other networks included), and makes a retried ADD
// after a crash collide loudly instead of leaking a second veth.
import { createHash } from 'node:crypto';
import type { Attachment } from '../ipam/disk-store.js';
import { formatIpv4, gatewayOf, macFromIpv4, parseIpv4, type Ipv4Subnet } from '../ipam/ipv4.js';
import { netnsArgument, type NetnsRef } from '../netlink/netlink.js';

export const HOST_VETH_PREFIX = 'tug';

const hex = (text: string, chars: number) => createHash('sha256').update(text).digest('hex').slice(0, chars);

export function networkTag(networkName: string): string {
  return hex(networkName, 4);
}

export function hostVethName(networkName: string, att: Attachment): string {
  return `${HOST_VETH_PREFIX}${networkTag(networkName)}${hex(`${att.containerId}\n${att.ifname}`, 8)}`;
}

/** Matches exactly the host veths this network creates (and nothing of other networks or components). */
export function isHostVethOf(networkName: string, linkName: string): boolean {
  return new RegExp(`^${HOST_VETH_PREFIX}${networkTag(networkName)}[0-9a-f]{8}$`).test(linkName);
}

export interface AttachmentPlan {
  bridge: string;
  bridgeMac: string;
  gateway: string;
  hostVeth: string;
  hostMac: string;
  podIf: string;
  podMac: string;
  /** "10.244.1.5/24" */
  podCidr: string;
  mtu: number;
  prefixLen: number;
}

export function planAttachment(o: {
  networkName: string;
  subnet: Ipv4Subnet;
  bridge: string;
  mtu: number;
  att: Attachment;
  ip: string;
}): AttachmentPlan {
  const ipNum = parseIpv4(o.ip);
  if (ipNum === undefined) throw new Error(`not an IPv4 address: ${o.ip}`);
  const gw = gatewayOf(o.subnet);
  return {
    bridge: o.bridge,
    // A fixed bridge MAC keeps the pods' gateway MAC stable whatever ports come and go (recipe gotcha 7).
    bridgeMac: macFromIpv4(gw),
    gateway: formatIpv4(gw),
    hostVeth: hostVethName(o.networkName, o.att),
    hostMac: macFromIpv4(ipNum, '0a:59'),
    podIf: o.att.ifname,
    podMac: macFromIpv4(ipNum),
    podCidr: `${o.ip}/${o.subnet.prefixLen}`,
    mtu: o.mtu,
    prefixLen: o.subnet.prefixLen,
  };
}

/** Creates the bridge; run only when it is missing (an existing one makes `link add` fail with EEXIST). */
export function bridgeCreateLines(p: AttachmentPlan): string[] {
  return [`link add ${p.bridge} address ${p.bridgeMac} mtu ${p.mtu} type bridge`];
}

/** Node side: idempotent bridge address/up, then the veth pair with its pod end created inside the pod netns. */
export function hostLines(p: AttachmentPlan, podNs: NetnsRef): string[] {
  return [
    `addr replace ${p.gateway}/${p.prefixLen} dev ${p.bridge}`,
    `link set ${p.bridge} up`,
    `link add ${p.hostVeth} address ${p.hostMac} mtu ${p.mtu} type veth peer name ${p.podIf} address ${p.podMac} mtu ${p.mtu} netns ${netnsArgument(podNs)}`,
    `link set ${p.hostVeth} master ${p.bridge}`,
    // hairpin: a pod reaching itself through a Service VIP leaves and re-enters the same bridge port.
    `link set ${p.hostVeth} type bridge_slave hairpin on`,
    `link set ${p.hostVeth} up`,
  ];
}

/** Pod side, run inside the pod netns. */
export function podLines(p: AttachmentPlan): string[] {
  return [
    `addr add ${p.podCidr} dev ${p.podIf}`,
    `link set ${p.podIf} up`,
    `route add default via ${p.gateway} dev ${p.podIf}`,
  ];
}
