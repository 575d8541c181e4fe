/**
 * `cache`: replays stored replies (answer-cache.ts) and stores what the rest of the chain
 * answers with a cache policy. Contract: a hit never calls next; a miss calls next once and
 * returns its reply unchanged.
 */
import type { AnswerCache } from '../answer-cache.js';
import type { DnsHandler, DnsReply, DnsRequest, Next } from '../chain.js';

export function cacheHandler(cache: AnswerCache): DnsHandler {
  return {
    name: 'cache',
    async serve(req: DnsRequest, next: Next): Promise<DnsReply> {
      const q = req.question;
      if (q && !req.cacheChecked) {
        const e = cache.lookup(q.key, req.client.address);
        if (e) {
          return {
            wire: cache.render(e, req.raw, q.nameEnd),
            cache: { ttlSec: cache.remainingSec(e), decrement: e.decrement, deps: [...e.deps], denial: e.denial },
            from: 'cache',
          };
        }
      }
      const reply = await next(req);
      if (q && reply.cache) cache.store(q.key, reply.wire, reply.cache);
      return reply;
    },
  };
}
