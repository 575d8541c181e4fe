/**
 * A CNAME from the question's name to `target`, followed by what a lookup of `target` returned
 * (CoreDNS does the same for ExternalName services and for autopath): one round trip for the
 * client instead of two. The joined reply may be cached for the shorter of the two lifetimes,
 * and is dropped when anything either part read changes.
 */
import type { DnsReply, DnsRequest, InternalResolver } from '../chain.js';
import { encodeReply } from '../chain.js';
import { rr, type ResourceRecord } from '../records.js';
import { RCODE } from '../wire.js';

export interface JoinOptions {
  ttl: number;
  deps: string[];
  from: string;
  autopathNs?: string;
}

export function joinCname(req: DnsRequest, target: string, sub: Awaited<ReturnType<InternalResolver>>, o: JoinOptions): DnsReply {
  const rcode = sub.packet.header.rcode;
  const ok = rcode === RCODE.NOERROR || rcode === RCODE.NXDOMAIN;
  const subAnswers = ok ? (sub.packet.answers as ResourceRecord[]) : [];
  const wire = encodeReply(req, {
    rcode: ok ? rcode : RCODE.NOERROR,
    authoritative: false,
    answers: [rr.cname(req.name, o.ttl, target), ...subAnswers],
    authorities: ok && subAnswers.length === 0 ? (sub.packet.authorities as ResourceRecord[]) : [],
  });
  const sc = sub.reply.cache;
  return {
    wire,
    from: o.from,
    cache: ok && sc
      ? { ttlSec: Math.min(sc.ttlSec, o.ttl), decrement: true, deps: [...o.deps, ...sc.deps], denial: false, autopathNs: o.autopathNs }
      : undefined,
  };
}
