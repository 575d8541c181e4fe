/**
 * Names and addresses of a local cluster's nodes (DESIGN §4), pure so they are unit-tested:
 *   node i (1-based)  netns and Node name  tug-<cluster>-<i>
 *                     host-side veth       tugu<i> (on the underlay bridge)  ↔  eth0 in the netns
 *                     underlay address     <underlay network> + 10 + i       (10.200.0.11 for node 1)
 * One local cluster runs at a time, so veth names need no cluster part (and stay within IFNAMSIZ).
 */
import type { ClusterConfig } from '../cluster-config.js';
import { formatIpv4, parseIpv4 } from '../../api/ipv4.js';

export const MAX_LOCAL_NODES = 50;

export function nodeName(cluster: string, index: number): string {
  return `tug-${cluster}-${index}`;
}

export function hostVethName(index: number): string {
  return `tugu${index}`;
}

/** The node index of a netns/Node name of this cluster, or undefined for anything else. */
export function nodeIndex(cluster: string, name: string): number | undefined {
  const prefix = `tug-${cluster}-`;
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  if (!/^[1-9]\d*$/.test(rest)) return undefined;
  const i = Number(rest);
  return i <= MAX_LOCAL_NODES ? i : undefined;
}

export function underlayPrefix(cfg: Pick<ClusterConfig, 'underlayCidr'>): number {
  const prefix = Number(cfg.underlayCidr.split('/')[1]);
  if (!Number.isInteger(prefix) || prefix < 8 || prefix > 28) throw new Error(`underlay CIDR ${cfg.underlayCidr}: expected a /8../28`);
  return prefix;
}

/** Node i's address on the underlay: the underlay network + 10 + i. */
export function nodeAddress(cfg: Pick<ClusterConfig, 'underlayCidr'>, index: number): string {
  if (!Number.isInteger(index) || index < 1 || index > MAX_LOCAL_NODES) throw new Error(`node index ${index} out of 1..${MAX_LOCAL_NODES}`);
  const prefix = underlayPrefix(cfg);
  const base = parseIpv4(cfg.underlayCidr.split('/')[0]!);
  if (base === undefined) throw new Error(`underlay CIDR ${cfg.underlayCidr}: not an IPv4 network`);
  const ip = base + 10 + index;
  const size = 2 ** (32 - prefix);
  if (ip >= base + size - 1) throw new Error(`underlay ${cfg.underlayCidr} has no room for node ${index}`);
  return formatIpv4(ip);
}

/** The indexes to add and to remove to go from `existing` nodes to exactly 1..n. */
export function scalePlan(existing: readonly number[], n: number): { add: number[]; remove: number[]; keep: number[] } {
  const have = new Set(existing);
  const want = Array.from({ length: n }, (_, i) => i + 1);
  return {
    add: want.filter((i) => !have.has(i)),
    keep: want.filter((i) => have.has(i)),
    remove: [...have].filter((i) => i > n).sort((a, b) => b - a),
  };
}
