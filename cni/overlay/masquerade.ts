/**
 * Pod egress masquerade, flannel style: traffic from pods to anything outside the cluster CIDR leaves with
 * the node's address; pod-to-pod traffic (any node) keeps the pod's source address, so servers see the
 * client's real pod IP. Multicast is left alone.
 *
 * Applied with one `iptables-restore --noflush` that declares (and so rewrites) only our chain, then the
 * single jump from POSTROUTING is ensured with `-C`/`-A` (kube-proxy's EnsureRule), never touching other
 * chains: KUBE-* belong to the proxy.
 */
import type { NodeSystem } from './node-system.js';

export const MASQ_CHAIN = 'FLANNEL-POSTRTG';
const JUMP = ['POSTROUTING', '-m', 'comment', '--comment', 'tugboat overlay masquerade', '-j', MASQ_CHAIN];

export function masqueradePayload(clusterCidr: string): string {
  return [
    '*nat',
    `:${MASQ_CHAIN} - [0:0]`,
    `-A ${MASQ_CHAIN} -s ${clusterCidr} -d ${clusterCidr} -m comment --comment "pod to pod: keep the source" -j RETURN`,
    `-A ${MASQ_CHAIN} -s ${clusterCidr} ! -d 224.0.0.0/4 -m comment --comment "pod to outside: masquerade" -j MASQUERADE --random-fully`,
    'COMMIT',
    '',
  ].join('\n');
}

/** Writes the chain and makes sure POSTROUTING jumps to it exactly once. Idempotent. */
export async function ensureMasquerade(sys: NodeSystem, clusterCidr: string): Promise<void> {
  await sys.iptablesRestore(masqueradePayload(clusterCidr));
  if ((await sys.iptables(['-t', 'nat', '-C', ...JUMP])) !== 0) await sys.iptables(['-t', 'nat', '-A', ...JUMP]);
}
