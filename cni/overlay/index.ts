/**
 * The overlay daemon (flannel's vxlan backend in kube subnet-manager mode), one per node, inside `tug agent`.
 *
 * Shape (DESIGN §3): a Node informer whose handlers only ask a SyncRunner for a run; a run re-reads the
 * cache, computes the desired entries with the pure `planOverlay`, diffs them against what it applied last
 * (or, at start and after any failed apply, against the kernel's entries read back) and applies the
 * difference in one `bridge -batch` + one `ip -batch`. Nothing is planned before the cache has synced, so
 * an empty cache never removes a peer. It also keeps the node's own side right: sysctls, flannel.1 and its
 * address, the masquerade chain, the flannel annotations on its Node object.
 *
 * Restart safety: flannel.1 keeps its derived MAC, entries are compared with the kernel's, and only
 * differences are written, so a restarted agent changes nothing that is already correct.
 */
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { KubeObject } from '../../control/api/object.js';
import { findResource } from '../../control/api/resources.js';
import { Informer, SyncRunner, type ApiClient, type ListerWatcher } from '../../control/client/index.js';
import { CURRENT_NETNS, type Netlink, type NetnsRef } from '../netlink/netlink.js';
import { diffOverlay, observedPlan } from './diff.js';
import { ensureMasquerade } from './masquerade.js';
import { CommandNodeSystem, type NodeSystem } from './node-system.js';
import {
  overlayAnnotations, overlayNodeFrom, planOverlay, podCidrOf, VXLAN_DEVICE,
  type OverlayNode, type OverlayPlan,
} from './plan.js';
import { ensureServiceRoute, ensureVtep, ensureVtepAddress } from './vtep.js';

export { planOverlay, overlayNodeFrom, overlayAnnotations, vtepMacFor, type OverlayNode, type OverlayPlan } from './plan.js';
export { diffOverlay, observedPlan, type OverlayBatches } from './diff.js';
export { masqueradePayload, MASQ_CHAIN } from './masquerade.js';
export { CommandNodeSystem, type NodeSystem } from './node-system.js';

const NODES = findResource('', 'v1', 'nodes')!;

export interface OverlayDeps {
  client: ListerWatcher & Pick<ApiClient, 'patch'>;
  nodeName: string;
  nodeIP: string;
  log: Logger;
  metrics: Registry;
  clusterCidr: string;
  underlayDevice: string;
  netlink: Netlink;
  /** the netns to program; the agent's own by default (tests program several from one process) */
  netns?: NetnsRef;
  /** sysctls and iptables; by default commands in `netns` (which must then be a named netns) */
  system?: NodeSystem;
  /**
   * 'netns' (a local node: no default route on purpose) also sets rp_filter 0, turns IPv6 off and adds
   * the service-CIDR route on the underlay; 'host' (a real machine) only sets forwarding sysctls.
   */
  nodeMode?: 'netns' | 'host';
  /** required in 'netns' mode */
  serviceCidr?: string;
  minSyncIntervalMs?: number;
  /** periodic full resync (kernel state re-read), default 5 min */
  maxSyncIntervalMs?: number;
}

export interface OverlayStatus {
  synced: boolean;
  peers: number;
  lastError?: string;
}

export interface Overlay {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): OverlayStatus;
  /** Resolves after the next successful sync (tests and `tug agent` readiness). */
  whenSynced(): Promise<void>;
}

export function buildOverlay(deps: OverlayDeps): Overlay {
  const { netlink, nodeName, nodeIP, log } = deps;
  const ns = deps.netns ?? CURRENT_NETNS;
  const mode = deps.nodeMode ?? 'host';
  if (mode === 'netns' && !deps.serviceCidr) throw new Error('overlay: serviceCidr is required in netns mode');
  const system = deps.system ?? new CommandNodeSystem(ns.kind === 'named' ? ns.name : undefined);
  const nodes = new Informer<KubeObject>(deps.client, NODES);

  const metrics = {
    syncs: new Histogram({ name: 'tug_overlay_sync_duration_seconds', help: 'Overlay sync duration', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [deps.metrics] }),
    failures: new Counter({ name: 'tug_overlay_sync_failures_total', help: 'Overlay syncs that failed (the next one re-reads the kernel)', registers: [deps.metrics] }),
    lines: new Counter({ name: 'tug_overlay_batch_lines_total', help: 'Lines sent to ip/bridge batches', labelNames: ['tool'], registers: [deps.metrics] }),
    peers: new Gauge({ name: 'tug_overlay_peers', help: 'Remote nodes with an overlay route', registers: [deps.metrics] }),
  };

  /** What the kernel holds for flannel.1 as far as we know; undefined = read it back before the next diff. */
  let applied: OverlayPlan | undefined;
  let bootstrapped = false;
  let vtepMac = '';
  let vtepAddressFor: string | undefined;
  let state: OverlayStatus = { synced: false, peers: 0 };
  let syncWaiters: (() => void)[] = [];

  async function bootstrap(): Promise<void> {
    const sysctls: Record<string, string> = { 'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': '1' };
    if (mode === 'netns') {
      Object.assign(sysctls, {
        'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.default.rp_filter': '0',
        [`net.ipv4.conf.${deps.underlayDevice}.rp_filter`]: '0',
        'net.ipv6.conf.all.disable_ipv6': '1', 'net.ipv6.conf.default.disable_ipv6': '1',
      });
    }
    const missing = await system.sysctl(sysctls);
    if (missing.length) log.warn({ missing }, 'sysctls not available on this kernel');
    if (mode === 'netns') await ensureServiceRoute(netlink, ns, deps.serviceCidr!, deps.underlayDevice);
    const vtep = await ensureVtep(netlink, ns, nodeIP, deps.underlayDevice);
    vtepMac = vtep.mac;
    if (vtep.created) log.info({ mac: vtep.mac, mtu: vtep.mtu }, `created ${VXLAN_DEVICE}`);
    vtepAddressFor = undefined;
    await ensureMasquerade(system, deps.clusterCidr);
    bootstrapped = true;
  }

  /** Our Node's flannel annotations; one merge patch when they differ (the kubelet creates the Node). */
  async function publish(self: KubeObject): Promise<void> {
    const want = overlayAnnotations(nodeIP, vtepMac);
    const have = self.metadata.annotations ?? {};
    if (Object.entries(want).every(([k, v]) => have[k] === v)) return;
    await deps.client.patch(NODES, undefined, nodeName, { metadata: { annotations: want } }, 'merge');
    log.info({ mac: vtepMac }, 'published overlay annotations');
  }

  async function readKernel(): Promise<OverlayPlan> {
    const [routes, neighbours, fdb] = await Promise.all([
      netlink.routes(ns, VXLAN_DEVICE), netlink.neighbours(ns, VXLAN_DEVICE), netlink.fdb(ns, VXLAN_DEVICE),
    ]);
    return observedPlan(routes, neighbours, fdb);
  }

  async function sync(): Promise<void> {
    if (!nodes.hasSynced()) return;
    const started = process.hrtime.bigint();
    try {
      if (!bootstrapped) await bootstrap();
      const self = nodes.get(nodeName);
      const selfCidr = self ? podCidrOf(self) : undefined;
      if (selfCidr && selfCidr !== vtepAddressFor) {
        await ensureVtepAddress(netlink, ns, selfCidr);
        vtepAddressFor = selfCidr;
      }
      if (self) await publish(self);

      const peers = nodes.list().map(overlayNodeFrom).filter((n): n is OverlayNode => n !== undefined);
      const desired = planOverlay(peers, nodeName);
      const before = applied ?? (await readKernel());
      const batches = diffOverlay(before, desired);
      applied = undefined; // until both batches succeeded, the kernel state is unknown
      await netlink.bridgeBatch(ns, batches.bridge, { force: true });
      await netlink.ipBatch(ns, batches.ip, { force: true });
      applied = desired;
      metrics.lines.inc({ tool: 'bridge' }, batches.bridge.length);
      metrics.lines.inc({ tool: 'ip' }, batches.ip.length);
      metrics.peers.set(desired.routes.length);
      if (batches.ip.length || batches.bridge.length) {
        log.info({ peers: desired.routes.map((r) => r.dst), ip: batches.ip.length, bridge: batches.bridge.length }, 'overlay programmed');
      }
      state = { synced: true, peers: desired.routes.length };
      const waiters = syncWaiters;
      syncWaiters = [];
      for (const w of waiters) w();
    } catch (err) {
      metrics.failures.inc();
      // A failed apply or a vanished flannel.1: the next run starts from the kernel again.
      applied = undefined;
      if (!(await netlink.link(ns, VXLAN_DEVICE).catch(() => undefined))) bootstrapped = false;
      state = { ...state, lastError: (err as Error).message };
      throw err;
    } finally {
      metrics.syncs.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  const runner = new SyncRunner({
    minInterval: deps.minSyncIntervalMs ?? 100,
    maxInterval: deps.maxSyncIntervalMs ?? 300_000,
    run: sync,
    onError: (err) => log.warn({ err: (err as Error).message }, 'overlay sync failed; retrying'),
  });
  const requestSync = () => runner.run();
  nodes.onAdd(requestSync).onUpdate(requestSync).onDelete(requestSync);
  nodes.onError((err) => log.debug({ err: (err as Error).message }, 'node informer error'));
  let fullTimer: NodeJS.Timeout | undefined;

  return {
    async start() {
      nodes.start();
      runner.start();
      void nodes.waitForSync().then((ok) => {
        if (ok) runner.run();
      });
      // A periodic full resync: forget what we applied and compare with the kernel again (someone may
      // have flushed a neighbour table or deleted a route by hand).
      const fullResyncMs = deps.maxSyncIntervalMs ?? 300_000;
      fullTimer = setInterval(() => {
        applied = undefined;
        runner.run();
      }, fullResyncMs);
      fullTimer.unref();
    },
    async stop() {
      if (fullTimer) clearInterval(fullTimer);
      nodes.stop();
      await runner.stop();
      for (const w of syncWaiters) w();
      syncWaiters = [];
    },
    status: () => state,
    whenSynced() {
      return new Promise<void>((resolve) => syncWaiters.push(resolve));
    },
  };
}
