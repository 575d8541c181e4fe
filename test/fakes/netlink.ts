// A behaving fake of cni/netlink: it interprets the `ip -batch` / `bridge -batch` lines the code under test
// emits against an in-memory model of links, addresses, routes, neighbours and FDB entries per network
// namespace, with iproute2's failure modes (EEXIST, missing device, missing netns, batch stops at the first
// failing line unless `force`). It also counts the processes the real implementation would start.
import { classifyStderr, failingLines, NetlinkError } from '../../cni/netlink/netlink.js';
import type {
  AddrInfo,
  BatchOptions,
  FdbInfo,
  LinkInfo,
  Netlink,
  NeighInfo,
  NetnsRef,
  RouteInfo,
} from '../../cni/netlink/netlink.js';

interface FakeLink extends LinkInfo {
  peer?: { ns: string; name: string };
}

interface FakeNs {
  links: Map<string, FakeLink>;
  addrs: AddrInfo[];
  routes: RouteInfo[];
  neigh: NeighInfo[];
  fdb: FdbInfo[];
}

/** Key of a namespace in the model: '' for current, the name for /var/run/netns/NAME, else the path. */
export function nsKey(ref: NetnsRef | string): string {
  const raw = typeof ref === 'string' ? ref : ref.kind === 'current' ? '' : ref.kind === 'named' ? ref.name : ref.path;
  for (const dir of ['/var/run/netns/', '/run/netns/']) if (raw.startsWith(dir)) return raw.slice(dir.length);
  return raw;
}

const newNs = (): FakeNs => ({ links: new Map(), addrs: [], routes: [], neigh: [], fdb: [] });

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function inSubnet(ip: string, network: string, len: number): boolean {
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return ((ipToInt(ip) & mask) >>> 0) === ((ipToInt(network) & mask) >>> 0);
}

function networkOf(ip: string, len: number): string {
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  const n = (ipToInt(ip) & mask) >>> 0;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

class LineError extends Error {}

export class FakeNetlink implements Netlink {
  readonly namespaces = new Map<string, FakeNs>([['', newNs()]]);
  /** every batch line applied, with its namespace key, in order */
  readonly applied: { ns: string; line: string }[] = [];
  /** processes the real implementation would have started */
  processes = 0;
  private nextIndex = 2;
  private faults: ((ns: string, line: string) => string | undefined)[] = [];

  addNetns(ref: NetnsRef | string): void {
    const key = nsKey(ref);
    if (!this.namespaces.has(key)) this.namespaces.set(key, newNs());
  }

  /** Deleting a netns destroys its links; a veth's peer in another netns goes with it (kernel behaviour). */
  deleteNetns(ref: NetnsRef | string): void {
    const key = nsKey(ref);
    const ns = this.namespaces.get(key);
    if (!ns) return;
    for (const link of [...ns.links.values()]) this.removeLink(key, link.name);
    this.namespaces.delete(key);
  }

  /** Makes the first line matching `predicate` fail with `stderr` (as iproute2 would print it). */
  failWhen(predicate: (nsKey: string, line: string) => boolean, stderr: string, once = true): void {
    const fault = (ns: string, line: string) => {
      if (!predicate(ns, line)) return undefined;
      if (once) this.faults = this.faults.filter((f) => f !== fault);
      return stderr;
    };
    this.faults.push(fault);
  }

  ns(ref: NetnsRef | string): FakeNs {
    const ns = this.namespaces.get(nsKey(ref));
    if (!ns) throw new Error(`fake: no netns ${nsKey(ref)}`);
    return ns;
  }

  // ---- Netlink ----

  async ipBatch(ref: NetnsRef, lines: readonly string[], opts?: BatchOptions): Promise<void> {
    this.runBatch(ref, lines, opts, (key, line) => this.applyIp(key, line));
  }

  async bridgeBatch(ref: NetnsRef, lines: readonly string[], opts?: BatchOptions): Promise<void> {
    this.runBatch(ref, lines, opts, (key, line) => this.applyBridge(key, line));
  }

  async links(ref: NetnsRef, opts?: { kind?: string }): Promise<LinkInfo[]> {
    const ns = this.enter(ref);
    return [...ns.links.values()].filter((l) => !opts?.kind || l.kind === opts.kind).map(publicLink);
  }

  async link(ref: NetnsRef, name: string): Promise<LinkInfo | undefined> {
    const l = this.enter(ref).links.get(name);
    return l ? publicLink(l) : undefined;
  }

  async linkNames(ref: NetnsRef): Promise<string[]> {
    if (ref.kind !== 'current') this.processes++;
    return [...this.lookup(ref).links.keys()];
  }

  async addresses(ref: NetnsRef, dev?: string): Promise<AddrInfo[]> {
    return this.enter(ref).addrs.filter((a) => !dev || a.dev === dev).map((a) => ({ ...a }));
  }

  async routes(ref: NetnsRef, dev?: string): Promise<RouteInfo[]> {
    return this.enter(ref).routes.filter((r) => !dev || r.dev === dev).map((r) => ({ ...r, flags: [...r.flags] }));
  }

  async neighbours(ref: NetnsRef, dev?: string): Promise<NeighInfo[]> {
    return this.enter(ref).neigh.filter((n) => !dev || n.dev === dev).map((n) => ({ ...n, state: [...n.state] }));
  }

  async fdb(ref: NetnsRef, dev: string): Promise<FdbInfo[]> {
    return this.enter(ref).fdb.filter((f) => f.dev === dev).map((f) => ({ ...f, flags: [...f.flags] }));
  }

  async netnsExists(ref: NetnsRef): Promise<boolean> {
    return this.namespaces.has(nsKey(ref));
  }

  // ---- model ----

  private lookup(ref: NetnsRef): FakeNs {
    const ns = this.namespaces.get(nsKey(ref));
    if (!ns) {
      const stderr = `Cannot open network namespace "${nsKey(ref)}": No such file or directory`;
      const c = classifyStderr(stderr);
      throw new NetlinkError(stderr, stderr, c.missing, c.exists);
    }
    return ns;
  }

  /** Like lookup, counting one process (every real read but /proc/net/dev starts `ip`). */
  private enter(ref: NetnsRef): FakeNs {
    this.processes++;
    return this.lookup(ref);
  }

  private runBatch(ref: NetnsRef, lines: readonly string[], opts: BatchOptions | undefined, apply: (key: string, line: string) => void) {
    if (lines.length === 0) return;
    this.enter(ref);
    const key = nsKey(ref);
    const errors: string[] = [];
    for (const [i, line] of lines.entries()) {
      try {
        const injected = this.faults.map((f) => f(key, line)).find((s) => s !== undefined);
        if (injected !== undefined) throw new LineError(injected);
        apply(key, line);
        this.applied.push({ ns: key, line });
      } catch (err) {
        if (!(err instanceof LineError)) throw err;
        errors.push(`${err.message}\nCommand failed -:${i + 1}`);
        if (!opts?.force) break;
      }
    }
    if (errors.length > 0) {
      const stderr = errors.join('\n');
      const c = classifyStderr(stderr);
      throw new NetlinkError(`fake batch failed in "${key}": ${stderr}${failingLines(lines, stderr)}`, stderr, c.missing, c.exists);
    }
  }

  private getLink(key: string, name: string): FakeLink {
    const link = this.namespaces.get(key)?.links.get(name);
    if (!link) throw new LineError(`Cannot find device "${name}"`);
    return link;
  }

  private removeLink(key: string, name: string): void {
    const ns = this.namespaces.get(key);
    const link = ns?.links.get(name);
    if (!ns || !link) return;
    ns.links.delete(name);
    ns.addrs = ns.addrs.filter((a) => a.dev !== name);
    ns.routes = ns.routes.filter((r) => r.dev !== name);
    ns.neigh = ns.neigh.filter((n) => n.dev !== name);
    ns.fdb = ns.fdb.filter((f) => f.dev !== name);
    for (const other of ns.links.values()) if (other.master === name) delete other.master;
    if (link.peer) {
      const peer = link.peer;
      delete link.peer;
      const peerLink = this.namespaces.get(peer.ns)?.links.get(peer.name);
      if (peerLink) delete peerLink.peer;
      this.removeLink(peer.ns, peer.name);
    }
  }

  private newLink(name: string, o: Map<string, string>, kind: string): FakeLink {
    const index = this.nextIndex++;
    return {
      name,
      index,
      mtu: Number(o.get('mtu') ?? 1500),
      mac: o.get('address') ?? `02:00:00:00:${((index >> 8) & 255).toString(16).padStart(2, '0')}:${(index & 255).toString(16).padStart(2, '0')}`,
      up: false,
      kind,
    };
  }

  private applyIp(key: string, line: string): void {
    const t = line.trim().split(/\s+/);
    const [object, verb] = t;
    const ns = this.namespaces.get(key) as FakeNs;
    if (object === 'link' && verb === 'add') return this.linkAdd(key, ns, t.slice(2));
    if (object === 'link' && verb === 'set') return this.linkSet(key, t.slice(2));
    if (object === 'link' && (verb === 'del' || verb === 'delete')) {
      const name = t[2] === 'dev' ? t[3] : t[2];
      this.getLink(key, name ?? '');
      return this.removeLink(key, name ?? '');
    }
    if (object === 'addr' || object === 'address') return this.addr(ns, verb ?? '', t.slice(2));
    if (object === 'route') return this.route(ns, verb ?? '', t.slice(2));
    if (object === 'neigh' || object === 'neighbor' || object === 'neighbour') return this.neighOp(ns, verb ?? '', t.slice(2));
    throw new Error(`fake netlink does not understand "ip ${line}"`);
  }

  private linkAdd(key: string, ns: FakeNs, t: string[]): void {
    const name = t[0] ?? '';
    const typeAt = t.indexOf('type');
    const opts = pairs(t.slice(1, typeAt));
    const kind = t[typeAt + 1] ?? '';
    if (ns.links.has(name)) throw new LineError('RTNETLINK answers: File exists');
    const link = this.newLink(name, opts, kind);
    if (kind === 'veth') {
      const peerAt = t.indexOf('peer');
      const peerOpts = pairs(t.slice(peerAt + 1));
      const peerName = peerOpts.get('name') ?? '';
      const peerKey = peerOpts.has('netns') ? nsKey(peerOpts.get('netns') ?? '') : key;
      const peerNs = this.namespaces.get(peerKey);
      if (!peerNs) throw new LineError(`Cannot open network namespace "${peerKey}": No such file or directory`);
      if (peerNs.links.has(peerName) || (peerKey === key && peerName === name)) throw new LineError('RTNETLINK answers: File exists');
      const peer = this.newLink(peerName, peerOpts, 'veth');
      link.peer = { ns: peerKey, name: peerName };
      peer.peer = { ns: key, name };
      peerNs.links.set(peerName, peer);
    }
    ns.links.set(name, link);
  }

  private linkSet(key: string, t: string[]): void {
    const name = (t[0] === 'dev' ? t[1] : t[0]) ?? '';
    let link = this.getLink(key, name);
    let i = t[0] === 'dev' ? 2 : 1;
    while (i < t.length) {
      const word = t[i++];
      if (word === 'up') link.up = true;
      else if (word === 'down') link.up = false;
      else if (word === 'mtu') link.mtu = Number(t[i++]);
      else if (word === 'address') link.mac = t[i++] ?? '';
      else if (word === 'nomaster') delete link.master;
      else if (word === 'master') {
        const master = this.getLink(key, t[i++] ?? '');
        if (master.kind !== 'bridge') throw new LineError('RTNETLINK answers: Operation not supported');
        link.master = master.name;
      } else if (word === 'type' && t[i] === 'bridge_slave') {
        i++;
        if (!link.master) throw new LineError('RTNETLINK answers: Operation not supported');
        while (i < t.length && t[i] === 'hairpin') {
          link.hairpin = t[i + 1] === 'on';
          i += 2;
        }
      } else if (word === 'netns') {
        const target = nsKey(t[i++] ?? '');
        const targetNs = this.namespaces.get(target);
        if (!targetNs) throw new LineError(`Cannot open network namespace "${target}": No such file or directory`);
        if (targetNs.links.has(name)) throw new LineError('RTNETLINK answers: File exists');
        const ns = this.namespaces.get(key) as FakeNs;
        ns.links.delete(name);
        ns.addrs = ns.addrs.filter((a) => a.dev !== name);
        ns.routes = ns.routes.filter((r) => r.dev !== name);
        delete link.master;
        link.up = false;
        targetNs.links.set(name, link);
        if (link.peer) {
          const peerLink = this.namespaces.get(link.peer.ns)?.links.get(link.peer.name);
          if (peerLink?.peer) peerLink.peer = { ns: target, name };
        }
        key = target;
        link = targetNs.links.get(name) as FakeLink;
      } else throw new Error(`fake netlink does not understand "link set … ${word}"`);
    }
  }

  private addr(ns: FakeNs, verb: string, t: string[]): void {
    const [cidr = ''] = t;
    const dev = pairs(t.slice(1)).get('dev') ?? '';
    if (!ns.links.has(dev)) throw new LineError(`Cannot find device "${dev}"`);
    const [local = '', len = '32'] = cidr.split('/');
    const prefixLen = Number(len);
    const idx = ns.addrs.findIndex((a) => a.dev === dev && a.local === local);
    const connected = { dst: `${networkOf(local, prefixLen)}/${prefixLen}`, dev, flags: [] as string[] };
    if (verb === 'del' || verb === 'delete') {
      if (idx < 0) throw new LineError('RTNETLINK answers: Cannot assign requested address');
      ns.addrs.splice(idx, 1);
      ns.routes = ns.routes.filter((r) => !(r.dst === connected.dst && r.dev === dev && r.gateway === undefined));
      return;
    }
    if (idx >= 0) {
      if (verb === 'add') throw new LineError('RTNETLINK answers: File exists');
      return;
    }
    ns.addrs.push({ dev, family: 'inet', local, prefixLen });
    if (prefixLen < 32 && !ns.routes.some((r) => r.dst === connected.dst && r.dev === dev)) ns.routes.push(connected);
  }

  private route(ns: FakeNs, verb: string, t: string[]): void {
    const dstWord = t[0] ?? '';
    const dst = dstWord === '0.0.0.0/0' ? 'default' : dstWord;
    const o = pairs(t.slice(1));
    const gateway = o.get('via');
    let dev = o.get('dev');
    const idx = ns.routes.findIndex((r) => r.dst === dst);
    if (verb === 'del' || verb === 'delete') {
      if (idx < 0) throw new LineError('RTNETLINK answers: No such process');
      ns.routes.splice(idx, 1);
      return;
    }
    if (dev !== undefined && !ns.links.has(dev)) throw new LineError(`Cannot find device "${dev}"`);
    const onlink = t.includes('onlink');
    if (gateway && !onlink) {
      const via = ns.routes.find((r) => r.gateway === undefined && r.dst !== 'default' && inSubnet(gateway, r.dst.split('/')[0] ?? '', Number(r.dst.split('/')[1] ?? 32)) && (!dev || r.dev === dev));
      if (!via) throw new LineError('Error: Nexthop has invalid gateway.');
      dev ??= via.dev;
    }
    const route: RouteInfo = { dst, flags: onlink ? ['onlink'] : [] };
    if (gateway) route.gateway = gateway;
    if (dev) route.dev = dev;
    if (idx >= 0) {
      if (verb === 'add') throw new LineError('RTNETLINK answers: File exists');
      ns.routes[idx] = route;
      return;
    }
    ns.routes.push(route);
  }

  private neighOp(ns: FakeNs, verb: string, t: string[]): void {
    const [dst = ''] = t;
    const o = pairs(t.slice(1));
    const dev = o.get('dev') ?? '';
    if (!ns.links.has(dev)) throw new LineError(`Cannot find device "${dev}"`);
    const idx = ns.neigh.findIndex((n) => n.dst === dst && n.dev === dev);
    if (verb === 'del' || verb === 'delete') {
      if (idx < 0) throw new LineError('RTNETLINK answers: No such file or directory');
      ns.neigh.splice(idx, 1);
      return;
    }
    if (idx >= 0 && verb === 'add') throw new LineError('RTNETLINK answers: File exists');
    const entry: NeighInfo = { dst, dev, state: [(o.get('nud') ?? 'permanent').toUpperCase()] };
    const lladdr = o.get('lladdr');
    if (lladdr) entry.lladdr = lladdr;
    if (idx >= 0) ns.neigh[idx] = entry;
    else ns.neigh.push(entry);
  }

  private applyBridge(key: string, line: string): void {
    const t = line.trim().split(/\s+/);
    if (t[0] !== 'fdb') throw new Error(`fake netlink does not understand "bridge ${line}"`);
    const verb = t[1] ?? '';
    const mac = t[2] ?? '';
    const o = pairs(t.slice(3));
    const dev = o.get('dev') ?? '';
    const ns = this.namespaces.get(key) as FakeNs;
    if (!ns.links.has(dev)) throw new LineError(`Cannot find device "${dev}"`);
    const dst = o.get('dst');
    const same = (f: FdbInfo) => f.mac === mac && f.dev === dev && (verb !== 'append' || f.dst === dst);
    const idx = ns.fdb.findIndex(same);
    if (verb === 'del' || verb === 'delete') {
      if (idx < 0) throw new LineError('RTNETLINK answers: No such file or directory');
      ns.fdb.splice(idx, 1);
      return;
    }
    if (idx >= 0 && verb === 'add') throw new LineError('RTNETLINK answers: File exists');
    const entry: FdbInfo = { mac, dev, flags: t.filter((w) => w === 'self' || w === 'permanent') };
    if (dst) entry.dst = dst;
    if (idx >= 0) ns.fdb[idx] = entry;
    else ns.fdb.push(entry);
  }
}

function publicLink(l: FakeLink): LinkInfo {
  const { peer: _peer, ...rest } = l;
  return { ...rest };
}

/** "k v k v" → map, ignoring flag words that have no value in the grammar we model. */
function pairs(t: string[]): Map<string, string> {
  const flags = new Set(['onlink', 'self', 'permanent', 'up', 'down']);
  const out = new Map<string, string>();
  for (let i = 0; i < t.length; i++) {
    const w = t[i] as string;
    if (flags.has(w)) continue;
    if (w === 'peer' || w === 'type') break;
    out.set(w, t[i + 1] ?? '');
    i++;
  }
  return out;
}
