/**
 * The root-namespace side of local nodes: the underlay bridge, one netns + veth per node, and the host
 * routes that let the host reach pods (10.244.x.0/24 via each node) and ClusterIPs (10.96.0.0/12 via the
 * first node) — recipe §1 and §6. Every operation is idempotent and goes through cni/netlink batches;
 * teardown tolerates anything being already gone (a crash can stop us anywhere).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { CURRENT_NETNS, NetlinkError, classifyStderr, type Netlink } from '../../../cni/netlink/netlink.js';
import type { ClusterConfig } from '../cluster-config.js';
import { hostVethName, nodeAddress, nodeIndex, nodeName, underlayPrefix } from './naming.js';

const NETNS_DIR = '/var/run/netns';

export type HostNetworkConfig = Pick<ClusterConfig, 'name' | 'hostAddress' | 'underlayBridge' | 'underlayCidr' | 'clusterCidr' | 'serviceCidr'>;

/** Indexes of this cluster's node namespaces that exist now. */
export function existingNodeNetns(cluster: string): number[] {
  let names: string[] = [];
  try {
    names = readdirSync(NETNS_DIR);
  } catch {
    return [];
  }
  return names.map((n) => nodeIndex(cluster, n)).filter((i): i is number => i !== undefined).sort((a, b) => a - b);
}

/** PIDs of processes whose network namespace is the named netns (what `ip netns pids` does, without a process). */
export function netnsPids(name: string): number[] {
  let target: { dev: number; ino: number };
  try {
    const st = statSync(`${NETNS_DIR}/${name}`);
    target = { dev: st.dev, ino: st.ino };
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // readlink gives "net:[inode]"; the bind mount in /var/run/netns has the same inode.
      const link = readlinkSync(`/proc/${entry}/ns/net`);
      if (link === `net:[${target.ino}]`) out.push(Number(entry));
    } catch {
      /* exited or not ours to read */
    }
  }
  return out;
}

async function writeSysctl(path: string, value: string): Promise<void> {
  try {
    writeFileSync(path, value);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** `nsenter --net=… sysctl -e -q -w …` in a node netns (before its links exist, so eth0 never gets IPv6). */
function nsSysctl(ns: string, settings: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=${NETNS_DIR}/${ns}`, 'sysctl', '-e', '-q', '-w', ...settings], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`sysctl in ${ns}: ${stderr.trim() || `exit ${code}`}`))));
  });
}

export async function ensureUnderlay(netlink: Netlink, cfg: HostNetworkConfig): Promise<void> {
  const bridge = cfg.underlayBridge;
  const lines: string[] = [];
  const link = await netlink.link(CURRENT_NETNS, bridge);
  if (!link) lines.push(`link add ${bridge} type bridge`);
  else if (link.kind !== 'bridge') throw new Error(`${bridge} exists and is not a bridge (${link.kind ?? 'unknown kind'})`);
  await netlink.ipBatch(CURRENT_NETNS, lines);
  await writeSysctl(`/proc/sys/net/ipv6/conf/${bridge}/disable_ipv6`, '1');
  const want = `${cfg.hostAddress}/${underlayPrefix(cfg)}`;
  const have = (await netlink.addresses(CURRENT_NETNS, bridge)).some((a) => `${a.local}/${a.prefixLen}` === want);
  await netlink.ipBatch(CURRENT_NETNS, [...(have ? [] : [`addr add ${want} dev ${bridge}`]), `link set ${bridge} up`]);
}

/** netns + veth + eth0 address for node i; no default route, on purpose (recipe gotcha 2). */
export async function ensureNodeNetwork(netlink: Netlink, cfg: HostNetworkConfig, index: number): Promise<{ netns: string; ip: string }> {
  const ns = nodeName(cfg.name, index);
  const veth = hostVethName(index);
  const ip = nodeAddress(cfg, index);
  const nsRef = { kind: 'named', name: ns } as const;
  if (!(await netlink.netnsExists(nsRef))) {
    await netlink.ipBatch(CURRENT_NETNS, [`netns add ${ns}`]);
  }
  await nsSysctl(ns, ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  const hostSide = await netlink.link(CURRENT_NETNS, veth);
  const nodeSide = await netlink.link(nsRef, 'eth0');
  const root: string[] = [];
  if (hostSide && !nodeSide) root.push(`link del ${veth}`); // a leftover from another netns
  if (!hostSide || !nodeSide) root.push(`link add ${veth} type veth peer name eth0 netns ${ns}`);
  root.push(`link set ${veth} master ${cfg.underlayBridge}`, `link set ${veth} up`);
  await netlink.ipBatch(CURRENT_NETNS, root);
  const prefix = underlayPrefix(cfg);
  const haveAddr = (await netlink.addresses(nsRef, 'eth0')).some((a) => a.local === ip && a.prefixLen === prefix);
  await netlink.ipBatch(nsRef, ['link set lo up', ...(haveAddr ? [] : [`addr add ${ip}/${prefix} dev eth0`]), 'link set eth0 up']);
  return { netns: ns, ip };
}

/**
 * Host routes on the underlay bridge: each node's podCIDR via that node, the service CIDR via the
 * lowest-numbered node (every node holds all service rules). Routes on the bridge into the cluster or
 * service CIDR that no longer match (a removed node, a changed podCIDR) are deleted.
 */
export async function ensureHostRoutes(
  netlink: Netlink, cfg: HostNetworkConfig, podRoutes: readonly { podCIDR: string; via: string }[], serviceVia: string | undefined,
): Promise<void> {
  const bridge = cfg.underlayBridge;
  const want = new Map<string, string>(podRoutes.map((r) => [r.podCIDR, r.via]));
  if (serviceVia) want.set(cfg.serviceCidr, serviceVia);
  const have = (await netlink.routes(CURRENT_NETNS, bridge)).filter((r) => r.gateway !== undefined);
  const lines: string[] = [];
  for (const r of have) {
    if (want.get(r.dst) === r.gateway) want.delete(r.dst);
    else if (r.dst === cfg.serviceCidr || inCidr(r.dst, cfg.clusterCidr)) lines.push(`route del ${r.dst} dev ${bridge}`);
  }
  for (const [dst, via] of want) lines.push(`route replace ${dst} via ${via} dev ${bridge}`);
  await netlink.ipBatch(CURRENT_NETNS, lines, { force: true });
}

function inCidr(dst: string, cidr: string): boolean {
  const toInt = (ip: string) => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const [net, len] = cidr.split('/');
  const [ip, dlen] = dst.split('/');
  if (!net || !ip || Number(dlen ?? 32) < Number(len)) return false;
  const mask = Number(len) === 0 ? 0 : (0xffffffff << (32 - Number(len))) >>> 0;
  return ((toInt(ip) & mask) >>> 0) === toInt(net);
}

/** SIGKILLs whatever still runs in a node netns (an agent whose supervisor died with a crash). */
export async function killNetnsProcesses(ns: string): Promise<number> {
  const pids = netnsPids(ns).filter((p) => p !== process.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (let i = 0; i < 50 && netnsPids(ns).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  return pids.length;
}

/**
 * Deletes in the root netns, where "already gone" is success: a host veth disappears by itself,
 * asynchronously, once its peer's netns is deleted, so a check-then-delete can race with it.
 */
async function deleteIgnoringMissing(netlink: Netlink, lines: string[]): Promise<void> {
  if (!lines.length) return;
  try {
    await netlink.ipBatch(CURRENT_NETNS, lines, { force: true });
  } catch (err) {
    if (!(err instanceof NetlinkError)) throw err;
    const problems = err.stderr.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('Command failed'));
    if (problems.some((l) => !classifyStderr(l).missing)) throw err;
  }
}

/** Removes node i's netns, its veth and every host route through it. */
export async function removeNodeNetwork(netlink: Netlink, cfg: HostNetworkConfig, index: number): Promise<void> {
  const ns = nodeName(cfg.name, index);
  const ip = nodeAddress(cfg, index);
  await killNetnsProcesses(ns);
  if (await netlink.netnsExists({ kind: 'named', name: ns })) await netlink.ipBatch(CURRENT_NETNS, [`netns del ${ns}`]);
  const veth = hostVethName(index);
  if (await netlink.link(CURRENT_NETNS, veth)) await deleteIgnoringMissing(netlink, [`link del ${veth}`]);
  if (await netlink.link(CURRENT_NETNS, cfg.underlayBridge)) {
    const via = (await netlink.routes(CURRENT_NETNS, cfg.underlayBridge)).filter((r) => r.gateway === ip);
    await deleteIgnoringMissing(netlink, via.map((r) => `route del ${r.dst} via ${ip} dev ${cfg.underlayBridge}`));
  }
}

/** Deletes the underlay bridge (its routes go with it) and any stray host veth of ours. */
export async function removeUnderlay(netlink: Netlink, cfg: HostNetworkConfig): Promise<void> {
  const names = await netlink.linkNames(CURRENT_NETNS);
  const lines = names.filter((n) => /^tugu\d+$/.test(n)).map((n) => `link del ${n}`);
  if (names.includes(cfg.underlayBridge)) lines.push(`link del ${cfg.underlayBridge}`);
  await deleteIgnoringMissing(netlink, lines);
}
