/**
 * The local-cluster node provider behind `tug up --nodes N`, `tug down` and `tug status`: nodes are
 * network namespaces on the underlay bridge, each running one supervised `tug agent` (DESIGN §4, recipe §1).
 *
 * Guarantees:
 * - ensureNodes is idempotent and converges to exactly nodes 1..N: missing ones are created, running
 *   ones are left untouched, higher-numbered ones are drained and removed (Node object deleted, agent
 *   stopped, its containers, netns, veth and host routes removed).
 * - It returns once every node is Ready with a podCIDR and the host can reach pods and ClusterIPs.
 * - removeNodes removes every trace of the nodes (agents, containers, netns, links, bridge, routes), and
 *   works after a crash: it finds leftovers by name, label and netns membership, never by broad pattern.
 * - Node state (kubeconfig, agent state) lives in <state dir>/nodes/<node>/, so `tug down` then `tug up`
 *   brings the same number of nodes back.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { findResource } from '../api/resources.js';
import type { ApiClient } from '../client/index.js';
import { IpRoute2Netlink } from '../../cni/netlink/iproute2.js';
import type { Netlink } from '../../cni/netlink/netlink.js';
import { adminClient } from './cluster-client.js';
import { clusterPaths, type ClusterConfig } from './cluster-config.js';
import { buildImages } from './images/index.js';
import { ensureDockerd } from './docker-daemon.js';
import { alive, readPid, startSupervised, stopByPidFile, tugEntry } from './processes.js';
import type { Progress } from './progress.js';
import { listContainers, removeContainers } from './local-nodes/containers.js';
import {
  ensureHostRoutes, ensureNodeNetwork, ensureUnderlay, existingNodeNetns, removeNodeNetwork, removeUnderlay,
} from './local-nodes/host-network.js';
import { nodeAddress, nodeIndex, nodeName, scalePlan } from './local-nodes/naming.js';

export { nodeAddress, nodeName, hostVethName, scalePlan } from './local-nodes/naming.js';

const NODES = findResource('', 'v1', 'nodes')!;
export const DEFAULT_LOCAL_NODES = 2;
const READY_TIMEOUT_MS = 180_000;

function nodesDir(cfg: ClusterConfig): string {
  return join(cfg.stateDir, 'nodes');
}

function agentProc(node: string): string {
  return `agent-${node}`;
}

/** Node indexes this cluster has: state dirs (kept across `tug down`) and any netns left running. */
export function knownNodeIndexes(cfg: ClusterConfig): number[] {
  const dirs = existsSync(nodesDir(cfg)) ? readdirSync(nodesDir(cfg)) : [];
  const fromDirs = dirs.map((d) => nodeIndex(cfg.name, d)).filter((i): i is number => i !== undefined);
  return [...new Set([...fromDirs, ...existingNodeNetns(cfg.name)])].sort((a, b) => a - b);
}

/** The node bootstrap token: the tokens.csv line whose groups include system:nodes. */
export function nodeToken(tokensCsv: string): string {
  for (const line of tokensCsv.split('\n')) {
    const m = /^([^,#]+),([^,]+),([^,]*),"?([^"]*)"?\s*$/.exec(line.trim());
    if (m && m[4]!.split(',').map((g) => g.trim()).includes('system:nodes')) return m[1]!;
  }
  throw new Error('no token for group system:nodes in tokens.csv');
}

export function renderNodeKubeconfig(cluster: string, node: string, server: string, caPem: string, token: string): string {
  const name = `tug-${cluster}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: node, user: { token } }],
    contexts: [{ name: node, context: { cluster: name, user: node } }],
    'current-context': node,
  });
}

/** The `tug agent` command line for node i, run inside its netns. */
export function agentCommand(cfg: ClusterConfig, index: number, kubeconfig: string, stateDir: string): string[] {
  const node = nodeName(cfg.name, index);
  return [
    'ip', 'netns', 'exec', node, process.execPath, tugEntry(), 'agent',
    '--node', node, '--kubeconfig', kubeconfig, '--node-ip', nodeAddress(cfg, index),
    '--cluster-cidr', cfg.clusterCidr, '--service-cidr', cfg.serviceCidr, '--state-dir', stateDir,
    '--node-mode', 'netns', '--underlay-device', 'eth0', '--cluster-name', cfg.name,
    ...(cfg.dnsUpstreams.length > 0 ? ['--dns-upstream', cfg.dnsUpstreams.join(',')] : []),
  ];
}

async function startNode(cfg: ClusterConfig, netlink: Netlink, index: number, progress: Progress): Promise<void> {
  const paths = clusterPaths(cfg);
  const node = nodeName(cfg.name, index);
  const { ip } = await ensureNodeNetwork(netlink, cfg, index);
  const dir = join(nodesDir(cfg), node);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const kubeconfig = join(dir, 'kubeconfig');
  const token = nodeToken(readFileSync(join(paths.pkiDir, 'tokens.csv'), 'utf8'));
  writeFileSync(kubeconfig, renderNodeKubeconfig(cfg.name, node, `https://${cfg.hostAddress}:${cfg.securePort}`,
    readFileSync(join(paths.pkiDir, 'ca.crt'), 'utf8'), token), { mode: 0o600 });
  const pidFile = paths.pidFile(agentProc(node));
  if (alive(readPid(pidFile))) {
    progress.info(`${node}: ${ip}, agent already running`);
    return;
  }
  const pid = await startSupervised(pidFile, paths.logFile(agentProc(node)), agentCommand(cfg, index, kubeconfig, dir));
  progress.info(`${node}: ${ip}, agent supervisor pid ${pid}, log ${paths.logFile(agentProc(node))}`);
}

async function deleteNodeObject(client: ApiClient, node: string): Promise<void> {
  try {
    await client.delete(NODES, undefined, node);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) throw err;
  }
}

/** Drains and removes node i: Node object, agent, containers, netns, veth, routes, state. */
async function removeNode(cfg: ClusterConfig, netlink: Netlink, client: ApiClient | undefined, index: number, progress: Progress): Promise<void> {
  const node = nodeName(cfg.name, index);
  if (client) {
    try {
      await deleteNodeObject(client, node);
    } catch (err) {
      progress.info(`${node}: Node object not deleted (${(err as Error).message})`);
    }
  }
  await stopByPidFile(clusterPaths(cfg).pidFile(agentProc(node)));
  try {
    const n = await removeContainers({ cluster: cfg.name, node });
    if (n) progress.info(`${node}: removed ${n} containers`);
  } catch (err) {
    progress.info(`${node}: containers not removed (${(err as Error).message})`);
  }
  await removeNodeNetwork(netlink, cfg, index);
  rmSync(join(nodesDir(cfg), node), { recursive: true, force: true });
}

interface NodeView {
  name: string;
  ready: 'True' | 'False' | 'Unknown';
  podCIDR?: string;
}

function viewOf(node: KubeObject): NodeView {
  const spec = (node.spec ?? {}) as { podCIDR?: string };
  const status = (node.status ?? {}) as { conditions?: { type: string; status: string }[] };
  const ready = status.conditions?.find((c) => c.type === 'Ready')?.status;
  return { name: node.metadata.name!, ready: ready === 'True' ? 'True' : ready === 'False' ? 'False' : 'Unknown', podCIDR: spec.podCIDR || undefined };
}

/** Waits until nodes 1..n are Ready with podCIDRs, keeping the host routes to their pods up to date. */
async function waitReadyAndRoute(cfg: ClusterConfig, netlink: Netlink, client: ApiClient, n: number, progress: Progress): Promise<void> {
  const want = Array.from({ length: n }, (_, i) => nodeName(cfg.name, i + 1));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let routed = '';
  let last = '';
  const reported = new Set<string>();
  for (;;) {
    let views: NodeView[] = [];
    try {
      views = (await client.list(NODES)).items.map(viewOf).filter((v) => want.includes(v.name));
    } catch (err) {
      last = (err as Error).message;
    }
    const routes = views.filter((v) => v.podCIDR).map((v) => ({ podCIDR: v.podCIDR!, via: nodeAddress(cfg, nodeIndex(cfg.name, v.name)!) }));
    const key = JSON.stringify(routes);
    if (key !== routed) {
      await ensureHostRoutes(netlink, cfg, routes, nodeAddress(cfg, 1));
      routed = key;
    }
    for (const v of views) {
      if (v.ready === 'True' && v.podCIDR && !reported.has(v.name)) {
        reported.add(v.name);
        progress.info(`${v.name}: Ready, podCIDR ${v.podCIDR}`);
      }
    }
    if (want.every((w) => reported.has(w))) return;
    const missing = want.filter((w) => !reported.has(w));
    last = missing.map((m) => {
      const v = views.find((x) => x.name === m);
      return !v ? `${m}: not registered` : !v.podCIDR ? `${m}: no podCIDR yet` : `${m}: Ready=${v.ready}`;
    }).join('; ');
    if (Date.now() > deadline) {
      const logs = missing.map((m) => clusterPaths(cfg).logFile(agentProc(m))).join(', ');
      throw new Error(`nodes not Ready after ${READY_TIMEOUT_MS / 1000}s (${last}); agent logs: ${logs}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** `tug up --nodes N`: converges the cluster to exactly nodes 1..N and waits for them to be Ready. */
export async function ensureNodes(cfg: ClusterConfig, n: number, progress: Progress, netlink: Netlink = new IpRoute2Netlink()): Promise<void> {
  const plan = scalePlan(knownNodeIndexes(cfg), n);
  const client = adminClient(cfg);
  try {
    for (const i of plan.remove) {
      await progress.step(`remove node ${nodeName(cfg.name, i)}`, () => removeNode(cfg, netlink, client, i, progress));
    }
    if (n === 0) {
      await ensureHostRoutes(netlink, cfg, [], undefined).catch(() => undefined);
      return;
    }
    await progress.step('Docker engine', async () => {
      if (await ensureDockerd()) progress.info('dockerd was not running: started it (log /var/log/tugboat/dockerd.log)');
    });
    await progress.step('images (tugboat/pause, tugboat/testapp)', async () => {
      await buildImages({ log: (line) => progress.info(line) });
    });
    await progress.step(`underlay bridge ${cfg.underlayBridge} (${cfg.hostAddress})`, () => ensureUnderlay(netlink, cfg));
    const running = new Set(existingNodeNetns(cfg.name));
    for (let i = 1; i <= n; i++) {
      const verb = running.has(i) ? 'check' : 'add';
      await progress.step(`${verb} node ${nodeName(cfg.name, i)} (${nodeAddress(cfg, i)})`, () => startNode(cfg, netlink, i, progress));
    }
    await progress.step(`${n} node${n === 1 ? '' : 's'} Ready, host routes to pods and services`, () => waitReadyAndRoute(cfg, netlink, client, n, progress));
  } finally {
    client.close();
  }
}

/** `tug down`: every agent, container, netns, link and route of the cluster's nodes (node state is kept). */
export async function removeNodes(cfg: ClusterConfig, progress: Progress, netlink: Netlink = new IpRoute2Netlink()): Promise<void> {
  const paths = clusterPaths(cfg);
  await progress.step('node agents', async () => {
    const pidFiles = existsSync(paths.runDir) ? readdirSync(paths.runDir).filter((f) => /^agent-.*\.pid$/.test(f)) : [];
    let stopped = 0;
    for (const f of pidFiles) if (await stopByPidFile(join(paths.runDir, f))) stopped++;
    progress.info(stopped ? `stopped ${stopped}` : 'none running');
  });
  await progress.step('pod containers', async () => {
    try {
      const n = await removeContainers({ cluster: cfg.name });
      progress.info(n ? `removed ${n}` : 'none');
    } catch (err) {
      progress.info(`not checked: ${(err as Error).message}`);
    }
  });
  await progress.step('node namespaces, links and routes', async () => {
    const indexes = existingNodeNetns(cfg.name);
    for (const i of indexes) await removeNodeNetwork(netlink, cfg, i);
    await removeUnderlay(netlink, cfg);
    progress.info(indexes.length ? `removed ${indexes.map((i) => nodeName(cfg.name, i)).join(', ')}` : 'no node namespaces');
  });
}

/** Rows for `tug status` (COMPONENT, STATUS, PID, DETAIL): one per node. */
export async function nodeStatusRows(cfg: ClusterConfig): Promise<string[][]> {
  const indexes = knownNodeIndexes(cfg);
  if (indexes.length === 0) return [];
  const paths = clusterPaths(cfg);
  let views = new Map<string, NodeView>();
  let apiError: string | undefined;
  const client = adminClient(cfg, 3_000);
  try {
    views = new Map((await client.list(NODES)).items.map((n) => [n.metadata.name!, viewOf(n)]));
  } catch (err) {
    apiError = (err as Error).message;
  } finally {
    client.close();
  }
  const netns = new Set(existingNodeNetns(cfg.name));
  return Promise.all(indexes.map(async (i) => {
    const node = nodeName(cfg.name, i);
    const pidFile = paths.pidFile(agentProc(node));
    const supervisor = readPid(pidFile);
    const agentPid = readPid(`${pidFile}.child`) ?? supervisor;
    const v = views.get(node);
    const status = !netns.has(i) ? 'Stopped' : apiError ? 'Unknown' : !v ? 'NotRegistered' : v.ready === 'True' ? 'Ready' : v.ready === 'False' ? 'NotReady' : 'Unknown';
    let pods = '';
    try {
      pods = `, ${(await listContainers({ cluster: cfg.name, node })).length} containers`;
    } catch {
      /* docker not reachable: leave it out */
    }
    const detail = `${nodeAddress(cfg, i)}${v?.podCIDR ? ` podCIDR ${v.podCIDR}` : ''}${pods}`;
    return [`node/${node}`, status, alive(supervisor) && agentPid ? String(agentPid) : '-', detail];
  }));
}
