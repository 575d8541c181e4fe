/**
 * `kubernetes`: authoritative for the cluster zone and for reverse names of cluster IPs.
 * Contract:
 * - names outside the zone and reverse names of IPs the cluster does not own go to next
 *   (CoreDNS `fallthrough in-addr.arpa ip6.arpa`); a forwarded reverse answer is tagged with the
 *   IP's dependency so it is dropped if a Service or endpoint later takes that IP;
 * - until the informers have synced: SERVFAIL, never NXDOMAIN, and nothing is cached;
 * - ExternalName answers chase the CNAME target through the whole chain (bounded depth).
 */
import type { ClusterView } from '../cluster-index.js';
import type { DnsHandler, DnsReply, DnsRequest, InternalResolver, Next } from '../chain.js';
import { encodeReply, servfail } from '../chain.js';
import { answerReverse, answerZone, type ZoneAnswer, type ZoneConfig } from '../kubernetes-zone.js';
import { inZone, normalizeIp, parseReverseName } from '../names.js';
import { RCODE, TYPE } from '../wire.js';
import { joinCname } from './cname-join.js';

export interface KubernetesHandlerOptions {
  view: ClusterView;
  zone: ZoneConfig;
  resolve: InternalResolver;
  /** Deepest internal lookup that may still chase a CNAME. */
  maxDepth?: number;
}

export function kubernetesHandler(o: KubernetesHandlerOptions): DnsHandler {
  const maxDepth = o.maxDepth ?? 3;
  const reply = (req: DnsRequest, a: ZoneAnswer): DnsReply => ({
    wire: encodeReply(req, { rcode: a.rcode, authoritative: true, answers: a.answers, authorities: a.authorities, additionals: a.additionals }),
    cache: { ttlSec: Infinity, decrement: false, deps: a.deps, denial: a.rcode !== RCODE.NOERROR || a.answers.length === 0 },
    from: 'kubernetes',
  });
  return {
    name: 'kubernetes',
    async serve(req: DnsRequest, next: Next): Promise<DnsReply> {
      const reverseIp = parseReverseName(req.name);
      const ours = inZone(req.name, o.zone.zone);
      if (!ours && reverseIp === undefined) return next(req);
      if (!o.view.synced()) return servfail(req, 'kubernetes');
      if (reverseIp !== undefined) {
        const a = answerReverse(o.view, o.zone, req.name, reverseIp, req.type);
        if (a) return reply(req, a);
        const r = await next(req);
        return r.cache ? { ...r, cache: { ...r.cache, deps: [...r.cache.deps, `ip:${normalizeIp(reverseIp)}`] } } : r;
      }
      const a = answerZone(o.view, o.zone, req.name, req.type);
      if (a.cnameTarget && req.type !== TYPE.CNAME && req.depth < maxDepth) {
        const sub = await o.resolve(a.cnameTarget, req.type, req);
        return joinCname(req, a.cnameTarget, sub, { ttl: o.zone.ttl, deps: a.deps, from: 'kubernetes' });
      }
      return reply(req, a);
    },
  };
}
