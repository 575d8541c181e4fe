/**
 * createDnsServer: the DNS server without its API plumbing — answer cache, THE handler chain,
 * query pipeline and listeners over a ClusterView. buildDns (index.ts) feeds it from informers;
 * tests and benchmarks feed a ClusterIndex directly.
 *
 * The handler chain, declared here and only here (README.md draws it):
 *
 *   cache → autopath → kubernetes → shortnames → forward
 */
import dns2 from 'dns2';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { AnswerCache, systemClock, type Clock } from './answer-cache.js';
import { composeChain, servfail, type DnsHandler, type DnsRequest, type InternalResolver, type Next } from './chain.js';
import type { ClusterView } from './cluster-index.js';
import { Forwarder, parseUpstream } from './forwarder.js';
import { autopathHandler } from './handlers/autopath.js';
import { cacheHandler } from './handlers/cache.js';
import { forwardHandler } from './handlers/forward.js';
import { kubernetesHandler } from './handlers/kubernetes.js';
import { shortNamesHandler } from './handlers/short-names.js';
import { DnsListener } from './listener.js';
import { DnsMetrics } from './metrics.js';
import { normalizeName } from './names.js';
import { QueryPipeline } from './pipeline.js';
import { buildQuery, readQuestion, scanReply } from './wire.js';

const { Packet } = dns2;

export interface DnsServerOptions {
  view: ClusterView;
  clusterDomain: string;
  /** 'ip' or 'ip:port' each. */
  upstreams: readonly string[];
  listenAddresses: readonly string[];
  /** Default 53; 0 = a free port. */
  port?: number;
  ttl?: number;
  negativeTtl?: number;
  autopath?: boolean;
  /** Answer `<svc>.<ns>` asked without the zone (clients that skip the search list); default true. */
  shortNames?: boolean;
  clock?: Clock;
  cacheMaxEntries?: number;
  upstreamTimeoutMs?: number;
  metrics: Registry;
  log: Logger;
}

export interface DnsServer {
  readonly cache: AnswerCache;
  readonly pipeline: QueryPipeline;
  readonly metrics: DnsMetrics;
  readonly listeners: readonly DnsListener[];
  /** The chain's entry point (what the pipeline calls on a fast-path miss). */
  readonly entry: Next;
  /** Drop cached answers that read any of these dependency keys (cluster-index.ts). */
  invalidate(deps: Iterable<string>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createDnsServer(o: DnsServerOptions): DnsServer {
  const zoneName = normalizeName(o.clusterDomain);
  const ttl = o.ttl ?? 5;
  const clock = o.clock ?? systemClock;
  const cache = new AnswerCache(clock, (ip) => o.view.podNamespace(ip), { maxEntries: o.cacheMaxEntries });
  const metrics = new DnsMetrics(o.metrics, () => ({ hitsSuccess: cache.hitsSuccess, hitsDenial: cache.hitsDenial, misses: cache.misses, size: cache.size }));
  const forwarder = new Forwarder(o.upstreams.map(parseUpstream), { timeoutMs: o.upstreamTimeoutMs });
  const zone = { zone: zoneName, ttl, negativeTtl: o.negativeTtl ?? 5, serial: Math.floor(clock.nowMs() / 1000) };

  // Internal lookups (autopath steps, CNAME chasing) run through the whole chain, cache included.
  let entry: Next = async (req) => servfail(req, 'none');
  const resolve: InternalResolver = async (name, type, parent) => {
    const raw = buildQuery(0, name, type);
    const req: DnsRequest = {
      raw, packet: Packet.parse(raw), name: normalizeName(name), type, qclass: 1, question: readQuestion(raw),
      edns: undefined, client: { address: '', port: 0, transport: 'internal' }, depth: parent.depth + 1, cacheChecked: false,
    };
    let reply = await entry(req);
    // Upstream bytes are untrusted: only hand dns2 a reply whose every announced record is there.
    if (!scanReply(reply.wire)) reply = servfail(req, reply.from);
    return { reply, packet: Packet.parse(reply.wire) };
  };

  // ---- THE handler chain ----------------------------------------------------------------------
  const handlers: DnsHandler[] = [
    cacheHandler(cache),
    ...(o.autopath === false ? [] : [autopathHandler({ view: o.view, zone: zoneName, ttl, resolve })]),
    kubernetesHandler({ view: o.view, zone, resolve }),
    ...(o.shortNames === false ? [] : [shortNamesHandler({ view: o.view, zone: zoneName, ttl, resolve })]),
    forwardHandler({ forwarder }),
  ];
  entry = composeChain(handlers, async (req) => servfail(req, 'none'));

  const pipeline = new QueryPipeline(entry, cache, metrics, (err) => o.log.warn({ err: String(err) }, 'dns handler failed'));
  const listeners = o.listenAddresses.map((a) => new DnsListener(a, o.port ?? 53, pipeline, o.log));
  return {
    cache, pipeline, metrics, listeners, entry,
    invalidate: (deps) => cache.invalidate(deps),
    async start() {
      try {
        for (const l of listeners) await l.start();
      } catch (err) {
        for (const l of listeners) await l.stop();
        throw err;
      }
    },
    async stop() {
      for (const l of listeners) await l.stop();
      forwarder.close();
    },
  };
}
