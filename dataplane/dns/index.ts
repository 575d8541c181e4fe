/**
 * buildDns: the node-local cluster DNS server of `tug agent` (issue 6).
 *
 * Service, EndpointSlice and Pod informers update a ClusterIndex one object at a time; each
 * update drops exactly the cached answers that read it. The server (server.ts: UDP fast path,
 * then the chain cache → autopath → kubernetes → shortnames → forward) answers SERVFAIL for the cluster zone
 * until all three caches have synced. The node's own kube-dns EndpointSlice is published so the
 * proxy sends the kube-dns Service IP to this node's server.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { findResource } from '../../control/api/resources.js';
import { Informer, SyncRunner, type ApiClient } from '../../control/client/index.js';
import type { Clock } from './answer-cache.js';
import { ClusterIndex } from './cluster-index.js';
import { SERVICE_NAME_LABEL, serviceInfo, type EndpointSliceObject, type PodObject, type ServiceObject } from './cluster-objects.js';
import { ENDPOINT_SLICES, KUBE_DNS_NAMESPACE, applyKubeDnsSlice, kubeDnsSliceName } from './node-local.js';
import { upstreamsFromResolvConf } from './resolv-conf.js';
import { createDnsServer } from './server.js';

const SERVICES = findResource('', 'v1', 'services')!;
const PODS = findResource('', 'v1', 'pods')!;
const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

export interface DnsDeps {
  client: ApiClient;
  nodeName: string;
  nodeIP: string;
  log: Logger;
  metrics: Registry;
  /** Addresses to bind UDP+TCP on (the node IP; never a wildcard). */
  listenAddresses: string[];
  clusterDomain: string;
  /** Upstream resolvers ('ip' or 'ip:port'); empty = the nameservers of /etc/resolv.conf. */
  upstreams: string[];
  /** Default 53; 0 picks a free port (tests, benchmarks). */
  port?: number;
  /** TTL of cluster records, default 5 s (CoreDNS). */
  ttl?: number;
  /** Negative TTL (SOA TTL and MINIMUM) for the cluster zone, default 5 s. */
  negativeTtl?: number;
  /** Answer search-path expansions in one round trip (default true). */
  autopath?: boolean;
  /** Publish the node-local kube-dns EndpointSlice (default true). */
  publishNodeLocal?: boolean;
  clock?: Clock;
  cacheMaxEntries?: number;
  upstreamTimeoutMs?: number;
  resolvConfPath?: string;
}

export interface DnsComponent {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves true once the Service, EndpointSlice and Pod caches have synced. */
  waitForSync(signal?: AbortSignal): Promise<boolean>;
  /** Where each listen address is bound (ports matter when `port` is 0). */
  addresses(): { address: string; udpPort: number; tcpPort: number }[];
}

export function buildDns(deps: DnsDeps): DnsComponent {
  const log = deps.log.child({ component: 'dns' });
  const services = new Informer<ServiceObject>(deps.client, SERVICES);
  const slices = new Informer<EndpointSliceObject>(deps.client, ENDPOINT_SLICES);
  const pods = new Informer<PodObject>(deps.client, PODS);
  const informers = [services, slices, pods] as const;
  const synced = (): boolean => informers.every((i) => i.hasSynced());
  const index = new ClusterIndex(synced);
  const upstreams = deps.upstreams.length > 0 ? deps.upstreams : upstreamsFromResolvConf(deps.resolvConfPath, deps.listenAddresses);
  const server = createDnsServer({
    view: index, clusterDomain: deps.clusterDomain, upstreams, listenAddresses: deps.listenAddresses, port: deps.port,
    ttl: deps.ttl, negativeTtl: deps.negativeTtl, autopath: deps.autopath, clock: deps.clock,
    cacheMaxEntries: deps.cacheMaxEntries, upstreamTimeoutMs: deps.upstreamTimeoutMs, metrics: deps.metrics, log,
  });

  // ---- DNS programming latency (CoreDNS's SLI metric) -----------------------------------------
  const observe = (kind: string, since: string | undefined): void => {
    const t = since ? Date.parse(since) : NaN;
    if (synced() && Number.isFinite(t)) server.metrics.programming.observe({ service_kind: kind }, Math.max(0, (Date.now() - t) / 1000));
  };

  // ---- informers → index → cache invalidation ------------------------------------------------
  const ourSlice = (s: EndpointSliceObject): boolean => s.metadata.namespace === KUBE_DNS_NAMESPACE && s.metadata.name === kubeDnsSliceName(deps.nodeName);
  services.onAdd((s) => {
    server.invalidate(index.upsertService(s));
    const info = serviceInfo(s);
    if (info.kind === 'cluster-ip') observe('cluster_ip', s.metadata.creationTimestamp);
    else if (info.kind === 'headless' && !info.hasSelector) observe('headless_without_selector', s.metadata.creationTimestamp);
  });
  services.onUpdate((_o, s) => server.invalidate(index.upsertService(s)));
  services.onDelete((s) => server.invalidate(index.deleteService(s)));
  const onSlice = (s: EndpointSliceObject): void => {
    server.invalidate(index.upsertSlice(s));
    const svcName = s.metadata.labels?.[SERVICE_NAME_LABEL];
    const svc = svcName ? index.service(s.metadata.namespace ?? 'default', svcName) : undefined;
    const trigger = s.metadata.annotations?.[LAST_CHANGE_TRIGGER_TIME];
    if (svc?.kind === 'headless' && svc.hasSelector && trigger) observe('headless_with_selector', trigger);
    if (ourSlice(s)) publisher?.run();
  };
  slices.onAdd(onSlice);
  slices.onUpdate((_o, s) => onSlice(s));
  slices.onDelete((s) => {
    server.invalidate(index.deleteSlice(s));
    if (ourSlice(s)) publisher?.run();
  });
  pods.onAdd((p) => server.invalidate(index.upsertPod(p)));
  pods.onUpdate((_o, p) => server.invalidate(index.upsertPod(p)));
  pods.onDelete((p) => server.invalidate(index.deletePod(p)));
  for (const inf of informers) {
    inf.onError((err) => log.debug({ err: String(err), resource: inf.resource.resource }, 'dns informer error (retrying)'));
  }

  // ---- node-local kube-dns EndpointSlice (re-asserted if someone changes or deletes it) --------
  const publisher = deps.publishNodeLocal === false ? undefined : new SyncRunner({
    minInterval: 1000,
    maxInterval: 300_000,
    run: async () => {
      const result = await applyKubeDnsSlice(deps.client, deps.nodeName, deps.nodeIP, true);
      if (result !== 'unchanged') log.info({ slice: kubeDnsSliceName(deps.nodeName), result }, 'published node-local kube-dns endpoint');
    },
    onError: (err) => log.warn({ err: String(err) }, 'publishing the kube-dns EndpointSlice failed (will retry)'),
  });

  let stopped = false;
  return {
    async start() {
      for (const inf of informers) inf.start();
      try {
        await server.start();
      } catch (err) {
        for (const inf of informers) inf.stop();
        throw err;
      }
      log.info({ addresses: server.listeners.map((l) => l.udpAddress()), zone: deps.clusterDomain, upstreams }, 'dns listening');
      publisher?.start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (publisher) {
        await publisher.stop();
        // Lame duck: mark this node's endpoint not ready so the proxy stops sending to it.
        await Promise.race([
          applyKubeDnsSlice(deps.client, deps.nodeName, deps.nodeIP, false).catch(() => undefined),
          new Promise((r) => setTimeout(r, 2000).unref()),
        ]);
      }
      for (const inf of informers) inf.stop();
      await server.stop();
    },
    async waitForSync(signal) {
      const results = await Promise.all(informers.map((i) => i.waitForSync(signal)));
      return results.every(Boolean);
    },
    addresses() {
      return server.listeners.map((l) => ({ address: l.address, udpPort: l.udpAddress()?.port ?? 0, tcpPort: l.tcpAddress()?.port ?? 0 }));
    },
  };
}
