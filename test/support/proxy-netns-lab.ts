/**
 * A one-node lab in network namespaces, built by hand (recipe: shared/notes/netns-cluster-recipe.md):
 *
 *   root ns: bridge tpxbr0 10.213.0.1/24 (the API server is reached here; nothing else runs here)
 *   tpx-node: eth0 10.213.0.11, cni0 10.214.1.1/24, route 10.96.0.0/12 dev eth0; the proxy runs here
 *   tpx-a 10.214.1.10, tpx-b 10.214.1.11 (servers), tpx-c 10.214.1.12 (client): veths on cni0, hairpin on
 *   tpx-ext 10.213.0.50: "the host", another machine on the underlay, routes services via the node
 *
 * Every process is started with `ip netns exec` (which execs node, so the PID is node's) and killed
 * by PID; destroy() deletes the namespaces and the bridge even after failures.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { REPO_ROOT } from './control-plane.js';

export const NODE_NAME = 'node-1';
export const NODE_IP = '10.213.0.11';
export const BRIDGE_IP = '10.213.0.1';
export const CLUSTER_CIDR = '10.214.0.0/16';
export const POD_IPS = { a: '10.214.1.10', b: '10.214.1.11', c: '10.214.1.12' } as const;
const BRIDGE = 'tpxbr0';
const NAMESPACES = ['tpx-node', 'tpx-a', 'tpx-b', 'tpx-c', 'tpx-ext'];
const PEER_ENTRY = join(REPO_ROOT, 'dist', 'test', 'support', 'netns-peer.js');
const PROXY_ENTRY = join(REPO_ROOT, 'dist', 'test', 'support', 'proxy-node.js');
const BENCH_ENTRY = join(REPO_ROOT, 'dist', 'test', 'support', 'proxy-bench-node.js');

function sh(file: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = execFile(file, args, (err, stdout, stderr) => (err ? reject(new Error(`${file} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
    if (input !== undefined) p.stdin!.end(input);
  });
}

const ipBatch = (ns: string | undefined, lines: string[]) => sh('ip', [...(ns ? ['-n', ns] : []), '-batch', '-'], lines.join('\n') + '\n');

export interface PeerResult {
  body?: string;
  error?: string;
  ms: number;
}

/** A netns-peer process: a server and a client inside one namespace. */
export class Peer {
  private nextId = 1;
  private readonly pending = new Map<number, (v: Record<string, unknown>) => void>();
  readonly ready: Promise<void>;

  constructor(readonly ns: string, private readonly child: ChildProcess) {
    let markReady!: () => void;
    this.ready = new Promise((r) => (markReady = r));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as { id?: number; ready?: boolean };
      if (msg.ready) markReady();
      else if (msg.id !== undefined) this.pending.get(msg.id)?.(msg);
    });
  }

  request(op: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.stdin!.write(JSON.stringify({ id, ...op }) + '\n');
    });
  }

  async http(host: string, port: number, count = 1, timeoutMs = 2000): Promise<PeerResult[]> {
    return (await this.request({ op: 'http', host, port, count, timeoutMs })).results as PeerResult[];
  }

  async udp(host: string, port: number, msg: string, localPort: number, timeoutMs = 1000): Promise<PeerResult> {
    return ((await this.request({ op: 'udp', host, port, msg, localPort, timeoutMs })).results as PeerResult[])[0]!;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

export class NetnsLab {
  private readonly children: ChildProcess[] = [];
  private proxy: ChildProcess | undefined;
  peers: Record<'node' | 'a' | 'b' | 'c' | 'ext', Peer> = {} as never;

  static async create(): Promise<NetnsLab> {
    const lab = new NetnsLab();
    try {
      await lab.build();
    } catch (err) {
      await lab.destroy();
      throw err;
    }
    return lab;
  }

  private async build(): Promise<void> {
    await NetnsLab.removeLeftovers();
    await ipBatch(undefined, [`link add ${BRIDGE} type bridge`, `addr add ${BRIDGE_IP}/24 dev ${BRIDGE}`, `link set ${BRIDGE} up`]);
    for (const ns of NAMESPACES) await sh('ip', ['netns', 'add', ns]);
    await sh('ip', ['netns', 'exec', 'tpx-node', 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0',
      'net.ipv4.conf.default.rp_filter=0', 'net.bridge.bridge-nf-call-iptables=1']);
    await ipBatch(undefined, [
      'link add tpxn0 type veth peer name eth0 netns tpx-node', `link set tpxn0 master ${BRIDGE} up`,
      'link add tpxe0 type veth peer name eth0 netns tpx-ext', `link set tpxe0 master ${BRIDGE} up`,
    ]);
    await ipBatch('tpx-node', [
      'link set lo up', `addr add ${NODE_IP}/24 dev eth0`, 'link set eth0 up',
      'link add cni0 type bridge', 'addr add 10.214.1.1/24 dev cni0', 'link set cni0 up',
      'route add 10.96.0.0/12 dev eth0',
    ]);
    for (const [name, ip] of Object.entries(POD_IPS)) {
      const ns = `tpx-${name}`;
      const hex = ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(':');
      await ipBatch('tpx-node', [
        `link add tpxv${name} type veth peer name eth0 address 0a:58:${hex} netns ${ns}`,
        `link set tpxv${name} master cni0`, `link set tpxv${name} type bridge_slave hairpin on`, `link set tpxv${name} up`,
      ]);
      await ipBatch(ns, ['link set lo up', `addr add ${ip}/24 dev eth0`, 'link set eth0 up', 'route add default via 10.214.1.1']);
    }
    await ipBatch('tpx-ext', [
      'link set lo up', 'addr add 10.213.0.50/24 dev eth0', 'link set eth0 up',
      `route add 10.96.0.0/12 via ${NODE_IP}`, `route add 10.213.0.100/32 via ${NODE_IP}`, `route add 10.213.0.101/32 via ${NODE_IP}`,
    ]);
    for (const name of ['node', 'a', 'b', 'c', 'ext'] as const) {
      const child = spawn('ip', ['netns', 'exec', `tpx-${name}`, process.execPath, PEER_ENTRY], { stdio: ['pipe', 'pipe', 'inherit'] });
      this.children.push(child);
      const peer = new Peer(`tpx-${name}`, child);
      this.peers[name] = peer;
      await peer.ready;
    }
    await this.peers.a.request({ op: 'serve', name: 'a', tcp: 8080, udp: 5353, echo: 9000, sink: 9001 });
    await this.peers.b.request({ op: 'serve', name: 'b', tcp: 8080, udp: 5353 });
  }

  /** Starts the proxy in the node namespace and resolves after its first sync. */
  async startProxy(mode: 'iptables' | 'userspace', server: string, pkiDir: string): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', 'tpx-node', process.execPath, PROXY_ENTRY, '--server', server, '--pki', pkiDir,
      '--node', NODE_NAME, '--node-ip', NODE_IP, '--mode', mode, '--cluster-cidr', CLUSTER_CIDR], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proxy = child;
    this.children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`proxy did not sync within 30 s: ${stderr}`)), 30_000);
      createInterface({ input: child.stdout! }).on('line', (l) => {
        if (l === 'synced') {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`proxy exited (${code}): ${stderr}`));
      });
    });
  }

  /** A proxy-bench-node process in the node namespace (see test/support/proxy-bench-node.ts). */
  async startBenchNode(): Promise<Peer> {
    const child = spawn('ip', ['netns', 'exec', 'tpx-node', process.execPath, BENCH_ENTRY, NODE_IP, CLUSTER_CIDR], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.children.push(child);
    const peer = new Peer('tpx-node', child);
    await peer.ready;
    return peer;
  }

  async stopProxy(): Promise<void> {
    const p = this.proxy;
    this.proxy = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  }

  /** Rules in the node namespace (diagnostics only; the proxy itself never reads them). */
  iptablesSave(): Promise<string> {
    return sh('ip', ['netns', 'exec', 'tpx-node', 'iptables-save', '-c']);
  }

  async destroy(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGKILL');
    await NetnsLab.removeLeftovers();
  }

  static async removeLeftovers(): Promise<void> {
    // Root-side veth ends go with their namespace, but asynchronously: delete them explicitly.
    for (const link of ['tpxn0', 'tpxe0', BRIDGE]) await sh('ip', ['link', 'del', link]).catch(() => undefined);
    for (const ns of NAMESPACES) await sh('ip', ['netns', 'del', ns]).catch(() => undefined);
  }
}
