/**
 * `shortnames`: `<svc>.<ns>` and `<svc>.<ns>.svc` asked as they are, outside the cluster zone.
 *
 * Stub resolvers that do not apply the search list to names containing a dot (busybox ≥ 1.29
 * `nslookup`, some static binaries) send `getip.default` straight to the server, which CoreDNS
 * forwards upstream: the lookup fails and the internal name leaks to the upstream resolver.
 * When such a name is exactly a Service of the cluster, we answer with a CNAME to its cluster name
 * plus its records — what a glibc client with the usual search path would have found at
 * `getip.default.svc.<zone>` before ever trying the absolute name. Anything else goes on to next;
 * the forwarded reply is tagged with the service's dependency so that it is dropped if such a
 * Service appears later.
 */
import type { ClusterView } from '../cluster-index.js';
import type { DnsHandler, DnsReply, DnsRequest, InternalResolver, Next } from '../chain.js';
import { inZone, parseReverseName } from '../names.js';
import { joinCname } from './cname-join.js';

export interface ShortNamesOptions {
  view: ClusterView;
  zone: string;
  ttl: number;
  resolve: InternalResolver;
}

export function shortNamesHandler(o: ShortNamesOptions): DnsHandler {
  return {
    name: 'shortnames',
    async serve(req: DnsRequest, next: Next): Promise<DnsReply> {
      const labels = req.name.split('.');
      const shape = labels.length === 2 || (labels.length === 3 && labels[2] === 'svc');
      if (!shape || inZone(req.name, o.zone) || parseReverseName(req.name) !== undefined || !o.view.synced()) return next(req);
      const [service, namespace] = labels as [string, string];
      const dep = `svc:${namespace}/${service}`;
      if (!o.view.service(namespace, service)) {
        const r = await next(req);
        return r.cache ? { ...r, cache: { ...r.cache, deps: [...r.cache.deps, dep] } } : r;
      }
      const target = `${service}.${namespace}.svc.${o.zone}`;
      const sub = await o.resolve(target, req.type, req);
      return joinCname(req, target, sub, { ttl: o.ttl, deps: [dep], from: 'shortnames' });
    },
  };
}
