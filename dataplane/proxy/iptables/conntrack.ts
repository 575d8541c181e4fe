/**
 * UDP conntrack cleanup. DNAT decisions live in conntrack, so a UDP "connection" (a DNS client's
 * fixed source port, a game server) keeps going to a deleted endpoint — or keeps missing a
 * service that just got endpoints — until its entry expires. kube-proxy deletes those entries;
 * so do we (upstream issues #19029, #48370).
 */
import { ProxyError } from '../errors.js';
import { makeExec, type Exec } from '../exec.js';

export interface ConntrackFilter {
  /** Original destination address (the service IP). */
  origDst?: string;
  /** Original destination port (a node port). */
  origPortDst?: number;
  /** Where it was DNATed to (the endpoint IP). */
  dstNat?: string;
}

export interface Conntrack {
  /** Deletes matching UDP entries; no match is not an error. */
  clearUdp(filter: ConntrackFilter): Promise<void>;
}

export function execConntrack(exec: Exec = makeExec()): Conntrack {
  return {
    async clearUdp(f) {
      const args = ['-D', '-p', 'udp'];
      if (f.origDst) args.push('--orig-dst', f.origDst);
      if (f.origPortDst) args.push('--orig-port-dst', String(f.origPortDst));
      if (f.dstNat) args.push('--dst-nat', f.dstNat);
      const r = await exec('conntrack', args);
      // conntrack exits 1 with "0 flow entries have been deleted" when nothing matched.
      if (r.code !== 0 && !/0 flow entries/.test(r.stderr)) throw new ProxyError('TUG_PROXY_CONNTRACK_FAILED', `conntrack ${args.join(' ')}: ${r.stderr.trim()}`);
    },
  };
}
