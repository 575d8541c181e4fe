/**
 * Two overlay plans → the `ip -batch` and `bridge -batch` lines that turn the first into the second.
 *
 * Only differences produce lines: an unchanged peer costs nothing, so a restart that finds the kernel
 * already right applies nothing and live traffic is never disturbed. Entries are keyed the way the kernel
 * keys them (route by destination, neighbour by IP, FDB entry by MAC), changes are `replace` (idempotent,
 * so a retried batch converges), removals are `del`. The bridge batch runs first so a new route never
 * points at a neighbour whose frames have nowhere to go.
 *
 * `observedPlan` reads the kernel's entries on flannel.1 back into the same shape: the agent diffs against
 * it once at start (and after a failed apply), then against what it last applied.
 */
import type { FdbInfo, NeighInfo, RouteInfo } from '../netlink/netlink.js';
import { parseCidr, VXLAN_DEVICE, type OverlayFdb, type OverlayNeighbour, type OverlayPlan, type OverlayRoute } from './plan.js';

export interface OverlayBatches {
  /** `ip -batch` lines: route/neighbour deletions, then neighbour and route replacements */
  ip: string[];
  /** `bridge -batch` lines: FDB deletions, then replacements */
  bridge: string[];
}

function byKey<T>(items: readonly T[], key: (t: T) => string): Map<string, T> {
  return new Map(items.map((t) => [key(t), t]));
}

interface Change<T> {
  removed: T[];
  upserted: T[];
}

function changes<T>(prev: readonly T[], next: readonly T[], key: (t: T) => string, same: (a: T, b: T) => boolean): Change<T> {
  const before = byKey(prev, key);
  const after = byKey(next, key);
  const removed = [...before.entries()].filter(([k]) => !after.has(k)).map(([, v]) => v);
  const upserted = [...after.entries()].filter(([k, v]) => {
    const old = before.get(k);
    return !old || !same(old, v);
  }).map(([, v]) => v);
  return { removed, upserted };
}

export function diffOverlay(prev: OverlayPlan, next: OverlayPlan, dev = VXLAN_DEVICE): OverlayBatches {
  const routes = changes<OverlayRoute>(prev.routes, next.routes, (r) => r.dst, (a, b) => a.via === b.via);
  const neigh = changes<OverlayNeighbour>(prev.neighbours, next.neighbours, (n) => n.ip, (a, b) => a.mac === b.mac);
  const fdb = changes<OverlayFdb>(prev.fdb, next.fdb, (f) => f.mac, (a, b) => a.dst === b.dst);
  return {
    ip: [
      ...routes.removed.map((r) => `route del ${r.dst} dev ${dev}`),
      ...neigh.removed.map((n) => `neigh del ${n.ip} dev ${dev}`),
      ...neigh.upserted.map((n) => `neigh replace ${n.ip} lladdr ${n.mac} dev ${dev} nud permanent`),
      ...routes.upserted.map((r) => `route replace ${r.dst} via ${r.via} dev ${dev} onlink`),
    ],
    bridge: [
      ...fdb.removed.map((f) => `fdb del ${f.mac} dev ${dev} dst ${f.dst} self`),
      ...fdb.upserted.map((f) => `fdb replace ${f.mac} dev ${dev} dst ${f.dst} self permanent`),
    ],
  };
}

/**
 * The kernel's flannel.1 entries in plan form. Only entries the overlay could have made count: gatewayed
 * routes, PERMANENT neighbours with a MAC, FDB entries with a remote that is not the all-zeros default.
 */
export function observedPlan(routes: readonly RouteInfo[], neighbours: readonly NeighInfo[], fdb: readonly FdbInfo[]): OverlayPlan {
  return {
    routes: routes
      .filter((r) => r.gateway !== undefined && parseCidr(r.dst) !== undefined)
      .map((r) => ({ dst: r.dst, via: r.gateway! })),
    neighbours: neighbours
      .filter((n) => n.lladdr !== undefined && n.state.some((s) => s.toUpperCase() === 'PERMANENT'))
      .map((n) => ({ ip: n.dst, mac: n.lladdr!.toLowerCase() })),
    fdb: fdb
      .filter((f) => f.dst !== undefined && f.mac !== '00:00:00:00:00:00')
      .map((f) => ({ mac: f.mac.toLowerCase(), dst: f.dst! })),
  };
}
