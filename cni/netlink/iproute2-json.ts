// Maps `ip -json` / `bridge -json` output to the typed shapes of netlink.ts. Pure, so it is unit-tested
// against captured iproute2 6.1 output.
import type { AddrInfo, FdbInfo, LinkInfo, NeighInfo, RouteInfo } from './netlink.js';

type Json = Record<string, unknown>;

function asArray(text: string): Json[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  // `ip -json -batch` prints one JSON array per command, one per line.
  const out: Json[] = [];
  for (const line of trimmed.split('\n')) {
    if (line.trim() === '') continue;
    const parsed: unknown = JSON.parse(line);
    if (Array.isArray(parsed)) out.push(...(parsed as Json[]));
  }
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function parseLinks(text: string): LinkInfo[] {
  return asArray(text).map((l) => {
    const info = (l['linkinfo'] ?? {}) as Json;
    const slave = (info['info_slave_data'] ?? {}) as Json;
    const link: LinkInfo = {
      name: String(l['ifname']),
      index: Number(l['ifindex']),
      mtu: Number(l['mtu']),
      mac: str(l['address']) ?? '',
      up: strs(l['flags']).includes('UP'),
    };
    const kind = str(info['info_kind']);
    if (kind) link.kind = kind;
    const master = str(l['master']);
    if (master) link.master = master;
    if (typeof slave['hairpin'] === 'boolean') link.hairpin = slave['hairpin'];
    return link;
  });
}

export function parseAddresses(text: string): AddrInfo[] {
  const out: AddrInfo[] = [];
  for (const l of asArray(text)) {
    for (const a of (l['addr_info'] ?? []) as Json[]) {
      const family = a['family'];
      if (family !== 'inet' && family !== 'inet6') continue;
      out.push({ dev: String(l['ifname']), family, local: String(a['local']), prefixLen: Number(a['prefixlen']) });
    }
  }
  return out;
}

/** `ip route show dev X` (and `neigh show dev X`) omit the device from each entry: `dev` fills it back in. */
export function parseRoutes(text: string, dev?: string): RouteInfo[] {
  return asArray(text).map((r) => {
    const route: RouteInfo = { dst: String(r['dst']), flags: strs(r['flags']) };
    const gw = str(r['gateway']);
    if (gw) route.gateway = gw;
    const routeDev = str(r['dev']) ?? dev;
    if (routeDev) route.dev = routeDev;
    return route;
  });
}

export function parseNeighbours(text: string, dev?: string): NeighInfo[] {
  return asArray(text).map((n) => {
    const neigh: NeighInfo = { dst: String(n['dst']), dev: str(n['dev']) ?? dev ?? '', state: strs(n['state']) };
    const lladdr = str(n['lladdr']);
    if (lladdr) neigh.lladdr = lladdr;
    return neigh;
  });
}

/** `bridge -json fdb show dev X` omits the device name and reports the state apart from the flags. */
export function parseFdb(text: string, dev: string): FdbInfo[] {
  return asArray(text).map((f) => {
    const state = str(f['state']);
    const entry: FdbInfo = { mac: String(f['mac']), dev: str(f['ifname']) ?? dev, flags: [...strs(f['flags']), ...(state ? [state] : [])] };
    const dst = str(f['dst']);
    if (dst) entry.dst = dst;
    return entry;
  });
}

/** Interface names from /proc/net/dev (two header lines, then `  name: counters…`). */
export function parseProcNetDev(text: string): string[] {
  return text
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]?.trim() ?? '')
    .filter((name) => name !== '');
}
