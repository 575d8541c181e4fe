/**
 * `forward`: everything no earlier handler claimed goes to the upstream resolvers (forwarder.ts).
 * Contract: never calls next. The reply may be cached for its smallest record TTL (positive) or
 * for min(SOA TTL, SOA MINIMUM) (negative, RFC 2308), each capped; a negative reply without an
 * SOA, a SERVFAIL and a truncated reply are not cached. Identical questions in flight share one
 * upstream query. Upstream failure → SERVFAIL.
 */
import type { CachePolicy, DnsHandler, DnsReply, DnsRequest } from '../chain.js';
import { servfail } from '../chain.js';
import type { Forwarder } from '../forwarder.js';
import { patchReply, RCODE, scanReply } from '../wire.js';

export interface ForwardOptions {
  forwarder: Forwarder;
  /** Cap on positive TTLs (CoreDNS cache: 3600 s). */
  maxTtl?: number;
  /** Cap on negative TTLs (CoreDNS cache: 1800 s). */
  maxNegativeTtl?: number;
}

export function forwardPolicy(wire: Buffer, maxTtl: number, maxNegativeTtl: number): CachePolicy | undefined {
  const scan = scanReply(wire);
  if (!scan || scan.truncated) return undefined;
  if (scan.rcode === RCODE.NOERROR && scan.answerCount > 0 && scan.minTtl !== undefined) {
    return { ttlSec: Math.min(scan.minTtl, maxTtl), decrement: true, deps: [], denial: false };
  }
  if ((scan.rcode === RCODE.NXDOMAIN || scan.rcode === RCODE.NOERROR) && scan.negativeTtl !== undefined) {
    return { ttlSec: Math.min(scan.negativeTtl, maxNegativeTtl), decrement: true, deps: [], denial: true };
  }
  return undefined;
}

export function forwardHandler(o: ForwardOptions): DnsHandler {
  const maxTtl = o.maxTtl ?? 3600;
  const maxNeg = o.maxNegativeTtl ?? 1800;
  const inFlight = new Map<string, Promise<Buffer>>();
  return {
    name: 'forward',
    async serve(req: DnsRequest): Promise<DnsReply> {
      const key = req.question?.key;
      let wire: Buffer;
      try {
        if (key === undefined) {
          wire = await o.forwarder.exchange(req.raw);
        } else {
          let p = inFlight.get(key);
          const leader = !p;
          if (!p) {
            p = o.forwarder.exchange(req.raw).finally(() => inFlight.delete(key));
            inFlight.set(key, p);
          }
          const reply = await p;
          wire = leader ? reply : patchReply(reply, req.raw, req.question!.nameEnd);
        }
      } catch {
        return servfail(req, 'forward');
      }
      return { wire, cache: forwardPolicy(wire, maxTtl, maxNeg), from: 'forward' };
    },
  };
}
