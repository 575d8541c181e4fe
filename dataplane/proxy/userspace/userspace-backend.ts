/**
 * userspace mode: a TCP or UDP listener per service port (two when the external traffic policy
 * gives external traffic other endpoints than internal traffic), and REDIRECT/DNAT rules that
 * steer the service addresses to them. Listeners exist only for ports with endpoints; the others
 * get the filter REJECT, so clients are refused at once instead of connecting to a dead end.
 * Listeners are opened before the rules that point at them are written and closed after.
 */
import type { ProxyMetrics } from '../metrics.js';
import type { BackendContext, ProxyBackend, SyncResult } from '../backend.js';
import type { Commit } from '../core/model-tracker.js';
import { ruleCount, type ProxyPortInfo, type RulePlan, type TableName } from '../core/plan.js';
import { renderRestore } from '../core/restore-payload.js';
import { PER_SERVICE_CHAIN } from '../core/chain-names.js';
import { decideTraffic } from '../core/traffic.js';
import { assembleUserspacePlan, planUserspacePort, proxyPortInfo, userspaceJumps, type UserspaceRules } from '../core/userspace-plan.js';
import { iptablesJumps } from '../core/iptables-plan.js';
import { portKey, type Endpoint, type ProxyModel, type ServicePort } from '../core/types.js';
import type { Iptables } from '../iptables/iptables.js';
import { Balancer } from './balancer.js';
import { TcpServiceProxy } from './tcp-proxy.js';
import { UdpServiceProxy } from './udp-proxy.js';

export interface UserspaceBackendDeps extends BackendContext {
  iptables: Iptables;
  metrics: ProxyMetrics;
  udpIdleMs?: number;
}

interface Listener {
  proxy: TcpServiceProxy | UdpServiceProxy;
  balancer: Balancer;
  info: ProxyPortInfo;
}

/** nat chains of iptables mode that userspace mode removes on its first sync. */
const IPTABLES_MODE_NAT_CHAINS = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'];

export function buildUserspaceBackend(deps: UserspaceBackendDeps): ProxyBackend & { listenerCount(): number } {
  const listeners = new Map<string, Listener>();
  const fragments = new Map<string, UserspaceRules[]>();
  let lastApplied: RulePlan | undefined;
  const local = { localAddresses: [deps.nodeIP], clusterCidr: deps.clusterCidr };

  async function listener(id: string, sp: ServicePort, eps: readonly Endpoint[], wanted: Set<string>): Promise<number> {
    wanted.add(id);
    let l = listeners.get(id);
    if (!l) {
      const balancer = new Balancer(sp.affinitySeconds);
      const log = deps.log.child({ service: sp.name });
      const proxy = sp.protocol === 'UDP'
        ? new UdpServiceProxy(sp.name, balancer, deps.metrics, log, deps.udpIdleMs)
        : new TcpServiceProxy(sp.name, balancer, deps.metrics, log);
      await proxy.listen();
      l = { proxy, balancer, info: proxyPortInfo(sp, eps) };
      listeners.set(id, l);
    }
    l.balancer.update(eps, sp.affinitySeconds);
    l.info = proxyPortInfo(sp, eps);
    if (l.proxy instanceof UdpServiceProxy) l.proxy.dropStaleSessions();
    return l.proxy.port;
  }

  async function recompute(model: ProxyModel, key: string, wanted: Set<string>): Promise<void> {
    const ports = model.services.get(key) ?? [];
    const eps = model.endpoints.get(key);
    const out: UserspaceRules[] = [];
    for (const sp of ports) {
      const all = eps?.get(portKey(sp.portName, sp.protocol)) ?? [];
      const d = decideTraffic(sp, all, deps.nodeName);
      const base = `${sp.name}/${sp.protocol}`;
      let ports: { internal: number; external: number } | undefined;
      if (d.hasInternal || d.hasExternal) {
        const internal = d.hasInternal ? await listener(`${base}/internal`, sp, d.internal, wanted) : 0;
        const external = !d.hasExternal ? 0 : sp.externalPolicyLocal || !d.hasInternal ? await listener(`${base}/external`, sp, d.external, wanted) : internal;
        ports = { internal, external };
      }
      out.push(planUserspacePort(sp, all, ports, deps.nodeName, deps.nodeIP));
    }
    if (out.length) fragments.set(key, out);
    else fragments.delete(key);
  }

  return {
    mode: 'userspace',
    async sync(model: ProxyModel, commit: Commit, full: boolean): Promise<SyncResult> {
      const keys = full ? new Set([...model.services.keys(), ...fragments.keys()]) : commit.changed;
      const wanted = new Set<string>();
      for (const key of keys) await recompute(model, key, wanted);
      // Listeners of Services not recomputed this time stay; those of recomputed ones that are no longer wanted go.
      const obsolete = [...listeners.keys()].filter((id) => !wanted.has(id) && [...keys].some((k) => id.startsWith(`${k}:`) || id.startsWith(`${k}/`)));
      const proxyPorts = new Map<number, ProxyPortInfo>();
      for (const [id, l] of listeners) if (!obsolete.includes(id)) proxyPorts.set(l.proxy.port, l.info);
      const plan = assembleUserspacePlan([...fragments.values()].flat(), proxyPorts, local);

      let extraStale: Partial<Record<TableName, string[]>> | undefined;
      if (!lastApplied) {
        for (const j of iptablesJumps()) if (j.table === 'nat') await deps.iptables.deleteRule(j.table, j.chain, j.rule);
        const nat = await deps.iptables.listChains('nat');
        extraStale = { nat: nat.filter((n) => PER_SERVICE_CHAIN.test(n) || IPTABLES_MODE_NAT_CHAINS.includes(n)) };
      }
      const rendered = renderRestore(plan, { previous: full ? undefined : lastApplied, extraStale });
      if (rendered.payload) await deps.iptables.restore(rendered.payload, { noflush: true });
      if (full || !lastApplied) for (const j of userspaceJumps()) await deps.iptables.ensureRule(j.table, j.chain, j.rule, 'append');
      lastApplied = plan;
      for (const id of obsolete) {
        const l = listeners.get(id)!;
        listeners.delete(id);
        await l.proxy.close();
      }
      return { full, natRules: ruleCount(plan, 'nat'), filterRules: ruleCount(plan, 'filter') };
    },
    plan: () => lastApplied,
    listenerCount: () => listeners.size,
    async stop() {
      // Unlike iptables mode nothing can serve without this process: remove the redirects so
      // clients are refused rather than sent to closed ports, then close the listeners.
      try {
        for (const j of userspaceJumps()) if (j.table === 'nat') await deps.iptables.deleteRule(j.table, j.chain, j.rule);
      } catch (err) {
        deps.log.warn({ err: (err as Error).message }, 'could not remove userspace redirects');
      }
      for (const l of listeners.values()) await l.proxy.close();
      listeners.clear();
    },
  };
}
