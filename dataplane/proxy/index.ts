/**
 * The service proxy (kube-proxy) as a component of `tug agent`: `buildProxy(deps)` returns
 * `{ start, stop }` and nothing runs before `start()`. Two modes behind one interface:
 * 'iptables' (default; DNAT in the kernel) and 'userspace' (iptables redirects to Node.js
 * listeners that balance in-process). See README.md for the rule layout.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Informer, type ApiClient } from '../../control/client/index.js';
import { findResource } from '../../control/api/resources.js';
import type { KubeObject } from '../../control/api/object.js';
import type { ProxyBackend } from './backend.js';
import { ProxyError } from './errors.js';
import { execConntrack, type Conntrack } from './iptables/conntrack.js';
import { execIptables, type Iptables } from './iptables/iptables.js';
import { buildIptablesBackend } from './iptables/iptables-backend.js';
import { buildProxyMetrics } from './metrics.js';
import { Proxier } from './proxier.js';
import { buildUserspaceBackend } from './userspace/userspace-backend.js';
import type { RulePlan } from './core/plan.js';
import { disableIcmpRedirects } from './node-sysctls.js';

const SERVICES = findResource('', 'v1', 'services')!;
const SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;

export type ProxyMode = 'iptables' | 'userspace';

export interface ProxyDeps {
  client: ApiClient;
  nodeName: string;
  nodeIP: string;
  log: Logger;
  metrics: Registry;
  mode: ProxyMode;
  clusterCidr: string;
  serviceCidr: string;
  /** Defaults: the real binaries. Tests pass test/fakes/iptables.ts. */
  iptables?: Iptables;
  conntrack?: Conntrack;
  /** Coalescing window between syncs (default 500 ms: an unready pod is out within ~1 s). */
  minSyncMs?: number;
  /** Periodic full resync (default 30 s, upstream's syncPeriod). */
  syncPeriodMs?: number;
  udpIdleMs?: number;
  /** Set the node sysctls the proxy relies on (ICMP redirects off). Default true. */
  nodeSysctls?: boolean;
}

export interface Proxy {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The rules last applied (for `tug trace` and tests). */
  plan(): RulePlan | undefined;
  /** Resolves after the next successful sync. */
  synced(): Promise<void>;
}

export function buildProxy(deps: ProxyDeps): Proxy {
  if (deps.mode !== 'iptables' && deps.mode !== 'userspace') throw new ProxyError('TUG_PROXY_BAD_MODE', `unknown proxy mode "${String(deps.mode)}" (iptables or userspace)`);
  const log = deps.log.child({ component: 'proxy', mode: deps.mode });
  const metrics = buildProxyMetrics(deps.metrics);
  const iptables = deps.iptables ?? execIptables();
  const ctx = { nodeName: deps.nodeName, nodeIP: deps.nodeIP, clusterCidr: deps.clusterCidr, log };
  const backend: ProxyBackend = deps.mode === 'iptables'
    ? buildIptablesBackend({ ...ctx, iptables, conntrack: deps.conntrack ?? execConntrack() })
    : buildUserspaceBackend({ ...ctx, iptables, metrics, udpIdleMs: deps.udpIdleMs });
  const proxier = new Proxier({ backend, log, metrics, minSyncMs: deps.minSyncMs ?? 500, syncPeriodMs: deps.syncPeriodMs ?? 30_000 });
  const services = new Informer<KubeObject>(deps.client, SERVICES);
  const slices = new Informer<KubeObject>(deps.client, SLICES);
  services.onAdd((s) => proxier.onService(undefined, s)).onUpdate((o, s) => proxier.onService(o, s)).onDelete((s) => proxier.onService(s, undefined));
  slices.onAdd((s) => proxier.onSlice(undefined, s)).onUpdate((o, s) => proxier.onSlice(o, s)).onDelete((s) => proxier.onSlice(s, undefined));
  for (const inf of [services, slices]) inf.onError((err) => log.debug({ err: (err as Error).message, resource: inf.resource.resource }, 'watch interrupted; retrying'));
  const abort = new AbortController();

  return {
    async start() {
      if (deps.nodeSysctls !== false) disableIcmpRedirects(log);
      services.start();
      slices.start();
      void Promise.all([services.waitForSync(abort.signal), slices.waitForSync(abort.signal)]).then(([a, b]) => {
        if (!a || !b) return;
        log.info({ services: services.list().length, slices: slices.list().length }, 'caches synced; programming rules');
        proxier.start();
      });
    },
    async stop() {
      abort.abort();
      services.stop();
      slices.stop();
      await proxier.stop();
      await backend.stop();
    },
    plan: () => backend.plan(),
    synced: () => proxier.nextSync(),
  };
}
