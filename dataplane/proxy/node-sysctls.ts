/**
 * Kernel settings the proxy needs on its node (kube-proxy sets its own too, e.g. route_localnet).
 *
 * ICMP redirects off: a host that routes the service range via this node sends packets for a
 * ClusterIP without endpoints in on eth0; they are not DNATed, so the node would route them back
 * out of eth0 and send the host an ICMP redirect ("reach 10.96.x.y directly") — which the host
 * obeys, breaking its route to that Service — and the redirect also uses up the per-host ICMP
 * rate-limit token, so the REJECT's port-unreachable is suppressed and the client waits for a
 * SYN retransmit instead of being refused at once (seen in the netns conformance test).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';

export function disableIcmpRedirects(log: Logger, procRoot = '/proc/sys/net/ipv4/conf'): void {
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'cannot read interface sysctls');
    return;
  }
  for (const name of names) {
    try {
      writeFileSync(`${procRoot}/${name}/send_redirects`, '0');
    } catch (err) {
      log.warn({ iface: name, err: (err as Error).message }, 'cannot disable ICMP redirects');
    }
  }
}
