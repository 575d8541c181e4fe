/**
 * iptables mode. Each sync:
 * 1. recomputes the fragments of the Services that changed (all of them on a full sync);
 * 2. assembles the plan and renders one `iptables-restore --noflush` payload — on a partial sync
 *    only the chains that differ from the last applied plan, stale chains declared and -X'd;
 * 3. on a full sync, makes sure the built-in chains jump to ours (iptables -C / -I);
 * 4. deletes UDP conntrack entries the change made stale.
 * A failed restore changes nothing (it is atomic) and leaves `lastApplied` as it was; the sync
 * loop then asks for a full sync. The kernel's rules are read once, on the first sync, to find
 * per-service chains an earlier run left behind (and the other mode's chains); never afterwards.
 */
import type { BackendContext, ProxyBackend, SyncResult } from '../backend.js';
import type { Commit } from '../core/model-tracker.js';
import { ruleCount, type RulePlan, type TableName } from '../core/plan.js';
import { assembleIptablesPlan, iptablesJumps, planIptablesPort, type PlanContext, type PortRules } from '../core/iptables-plan.js';
import { renderRestore } from '../core/restore-payload.js';
import { PER_SERVICE_CHAIN } from '../core/chain-names.js';
import { portKey, type ProxyModel } from '../core/types.js';
import { USERSPACE_CHAINS, userspaceJumps } from '../core/userspace-plan.js';
import type { Conntrack } from './conntrack.js';
import type { Iptables } from './iptables.js';
import { staleUdpEntries } from './udp-conntrack-cleanup.js';

export interface IptablesBackendDeps extends BackendContext {
  iptables: Iptables;
  conntrack: Conntrack;
}

function* allPorts(fragments: ReadonlyMap<string, PortRules[]>): Generator<PortRules> {
  for (const ports of fragments.values()) yield* ports;
}

export function buildIptablesBackend(deps: IptablesBackendDeps): ProxyBackend & { lastPayload(): string } {
  const ctx: PlanContext = { nodeName: deps.nodeName, clusterCidr: deps.clusterCidr, localAddresses: [deps.nodeIP] };
  const fragments = new Map<string, PortRules[]>();
  let lastApplied: RulePlan | undefined;
  let leftovers: Record<TableName, string[]> | undefined;
  /** Chains that may exist in the kernel beyond lastApplied's (a sync failed between chunks). */
  let maybePresent: Record<TableName, Set<string>> = { nat: new Set(), filter: new Set() };
  let payload = '';

  function recompute(model: ProxyModel, key: string): void {
    const ports = model.services.get(key);
    if (!ports?.length) {
      fragments.delete(key);
      return;
    }
    const eps = model.endpoints.get(key);
    fragments.set(key, ports.map((sp) => planIptablesPort(sp, eps?.get(portKey(sp.portName, sp.protocol)) ?? [], ctx)));
  }

  /** First sync only: chains left by an earlier run or by userspace mode, and its jumps. */
  async function findLeftovers(): Promise<Record<TableName, string[]>> {
    for (const j of userspaceJumps()) if (j.table === 'nat') await deps.iptables.deleteRule(j.table, j.chain, j.rule);
    const result: Record<TableName, string[]> = { nat: [], filter: [] };
    for (const table of ['nat', 'filter'] as TableName[]) {
      const names = await deps.iptables.listChains(table);
      result[table] = names.filter((n) => PER_SERVICE_CHAIN.test(n) || (table === 'nat' && (USERSPACE_CHAINS as readonly string[]).includes(n)));
    }
    return result;
  }

  return {
    mode: 'iptables',
    async sync(model: ProxyModel, commit: Commit, full: boolean): Promise<SyncResult> {
      const keys = full ? new Set([...model.services.keys(), ...fragments.keys()]) : commit.changed;
      const before = new Map([...keys].map((k) => [k, fragments.get(k)]));
      for (const key of keys) recompute(model, key);
      const plan = assembleIptablesPlan(allPorts(fragments), ctx);

      let extraStale: Partial<Record<TableName, string[]>> | undefined;
      if (!lastApplied) leftovers ??= await findLeftovers();
      if (full || !lastApplied) {
        extraStale = {};
        for (const t of ['nat', 'filter'] as TableName[]) {
          extraStale[t] = [...(leftovers?.[t] ?? []), ...maybePresent[t], ...(lastApplied ? lastApplied.tables[t].keys() : [])];
        }
      }
      const rendered = renderRestore(plan, { previous: full ? undefined : lastApplied, extraStale });
      payload = rendered.payload;
      for (const t of ['nat', 'filter'] as TableName[]) for (const c of plan.tables[t].keys()) maybePresent[t].add(c);
      try {
        for (const p of rendered.payloads) await deps.iptables.restore(p, { noflush: true });
      } catch (err) {
        // The failing restore changed nothing (each is atomic), earlier chunks did: the next
        // sync is full, and deletes whatever this plan created that it does not want.
        for (const [k, v] of before) {
          if (v) fragments.set(k, v);
          else fragments.delete(k);
        }
        throw err;
      }
      maybePresent = { nat: new Set(), filter: new Set() };
      if (full || !lastApplied) for (const j of iptablesJumps()) await deps.iptables.ensureRule(j.table, j.chain, j.rule, 'prepend');
      lastApplied = plan;
      leftovers = undefined;

      const changedBefore = [...keys].flatMap((k) => before.get(k) ?? []);
      const changedAfter = [...keys].flatMap((k) => fragments.get(k) ?? []);
      for (const f of staleUdpEntries(changedBefore, changedAfter)) {
        try {
          await deps.conntrack.clearUdp(f);
        } catch (err) {
          deps.log.warn({ err: (err as Error).message, filter: f }, 'conntrack cleanup failed');
        }
      }
      deps.log.debug({ full, chains: rendered.chainsWritten, deleted: rendered.chainsDeleted, rules: rendered.rulesWritten }, 'iptables rules synced');
      return { full, natRules: ruleCount(plan, 'nat'), filterRules: ruleCount(plan, 'filter') };
    },
    plan: () => lastApplied,
    lastPayload: () => payload,
    async stop() {
      // Rules stay in place: the data plane keeps working while the agent restarts.
    },
  };
}
