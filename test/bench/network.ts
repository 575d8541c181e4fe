/**
 * `npm run bench -- network`: the pod network's cost, as ratios against baselines measured in the same run.
 *
 * Lab (names start with `tugb`, underlay 10.202.0.0/24, removed at the end even on failure): two node
 * netns on a bridge, flannel.1 and the overlay entries programmed exactly as the overlay daemon does (its
 * pure planOverlay/diffOverlay + vtep setup + masquerade, no API server needed), pods wired by executing
 * the built tug-cni plugin inside the node netns.
 *  - CNI ADD latency (p50/p99 over N ADDs, each followed by a DEL) vs the same wiring done with two raw
 *    `ip -batch` processes (the recipe's minimum).
 *  - TCP throughput (iperf3, one stream) pod→pod across nodes (VXLAN) and on one node (bridge) vs a plain
 *    veth pair between two namespaces. Medians of ≥3 rounds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IpRoute2Netlink } from '../../cni/netlink/iproute2.js';
import { diffOverlay } from '../../cni/overlay/diff.js';
import { ensureMasquerade } from '../../cni/overlay/masquerade.js';
import { CommandNodeSystem } from '../../cni/overlay/node-system.js';
import { EMPTY_PLAN, planOverlay, vtepMacFor } from '../../cni/overlay/plan.js';
import { ensureVtep, ensureVtepAddress } from '../../cni/overlay/vtep.js';
import { median, percentile, type BenchResult } from './report.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const PLUGIN = join(REPO, 'dist', 'cni', 'plugin', 'main.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ADDS = Number(process.env.BENCH_CNI_ADDS ?? 40);
const IPERF_SECS = Number(process.env.BENCH_IPERF_SECS ?? 3);
const NET = '10.202.0';
const BRIDGE = 'tugbbr0';

function sh(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const nodeNs = (i: number) => `tugb-n${i}`;
const nodeIP = (i: number) => `${NET}.${10 + i}`;
const podCidr = (i: number) => `10.244.${i}.0/24`;

function cleanup(): void {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (name.startsWith('tugb-')) spawnSync('ip', ['netns', 'del', name]);
  }
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of links.split('\n')) {
    const name = (line.split(': ')[1] ?? '').split('@')[0] ?? '';
    if (name.startsWith('tugb')) spawnSync('ip', ['link', 'del', name]);
  }
}

async function buildLab(): Promise<void> {
  cleanup();
  sh('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  sh('sysctl', ['-q', '-w', `net.ipv6.conf.${BRIDGE}.disable_ipv6=1`]);
  sh('ip', ['addr', 'add', `${NET}.1/24`, 'dev', BRIDGE]);
  sh('ip', ['link', 'set', BRIDGE, 'up']);
  const netlink = new IpRoute2Netlink();
  const nodes = [1, 2].map((i) => ({ name: nodeNs(i), podCIDR: podCidr(i), publicIP: nodeIP(i), vtepMac: vtepMacFor(nodeIP(i)) }));
  for (const i of [1, 2]) {
    const ns = nodeNs(i);
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['link', 'add', `tugbu${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    sh('ip', ['link', 'set', `tugbu${i}`, 'master', BRIDGE, 'up']);
    sh('ip', ['-n', ns, '-batch', '-'], `link set lo up\naddr add ${nodeIP(i)}/24 dev eth0\nlink set eth0 up\n`);
    const ref = { kind: 'named', name: ns } as const;
    const system = new CommandNodeSystem(ns);
    await system.sysctl({ 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.rp_filter': '0', 'net.bridge.bridge-nf-call-iptables': '1', 'net.ipv6.conf.all.disable_ipv6': '1' });
    await ensureVtep(netlink, ref, nodeIP(i), 'eth0');
    await ensureVtepAddress(netlink, ref, podCidr(i));
    await ensureMasquerade(system, '10.244.0.0/16');
    const d = diffOverlay(EMPTY_PLAN, planOverlay(nodes, ns));
    await netlink.bridgeBatch(ref, d.bridge);
    await netlink.ipBatch(ref, d.ip);
  }
}

interface Pod {
  ns: string;
  ip: string;
}

function cniExec(node: number, command: 'ADD' | 'DEL', podNs: string, dataDir: string): { ms: number; stdout: string } {
  const conf = JSON.stringify({ cniVersion: '1.0.0', name: 'tugb', type: 'tug-cni', subnet: podCidr(node), mtu: 1450, dataDir });
  const t = performance.now();
  const r = spawnSync('nsenter', [`--net=/var/run/netns/${nodeNs(node)}`, process.execPath, PLUGIN], {
    encoding: 'utf8', input: conf,
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: command, CNI_CONTAINERID: podNs, CNI_NETNS: `/var/run/netns/${podNs}`, CNI_IFNAME: 'eth0', CNI_PATH: '/nonexistent' },
  });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`tug-cni ${command} failed: ${r.stdout}${r.stderr}`);
  return { ms, stdout: r.stdout };
}

function addPod(node: number, name: string, dataDir: string): Pod {
  const ns = `tugb-${name}`;
  sh('ip', ['netns', 'add', ns]);
  const { stdout } = cniExec(node, 'ADD', ns, dataDir);
  const ip = (JSON.parse(stdout) as { ips: { address: string }[] }).ips[0]!.address.split('/')[0]!;
  return { ns, ip };
}

/** ADD then DEL, ADDS times, on node 1; plus the raw 2×`ip -batch` wiring of the same veth as baseline. */
function cniLatency(dataDir: string): { add: number[]; raw: number[]; nodeStart: number[] } {
  const add: number[] = [];
  const raw: number[] = [];
  const nodeStart: number[] = [];
  const ns = 'tugb-lat';
  sh('ip', ['netns', 'add', ns]);
  try {
    for (let i = 0; i < ADDS; i++) {
      add.push(cniExec(1, 'ADD', ns, dataDir).ms);
      cniExec(1, 'DEL', ns, dataDir);
      const t = performance.now();
      sh('ip', ['-n', nodeNs(1), '-batch', '-'],
        `link add tugbraw mtu 1450 type veth peer name eth0 mtu 1450 netns ${ns}\nlink set tugbraw master cni0\nlink set tugbraw type bridge_slave hairpin on\nlink set tugbraw up\n`);
      sh('ip', ['-n', ns, '-batch', '-'], 'addr add 10.244.1.250/24 dev eth0\nlink set eth0 up\nroute add default via 10.244.1.1\n');
      raw.push(performance.now() - t);
      sh('ip', ['-n', nodeNs(1), 'link', 'del', 'tugbraw']);
      const n = performance.now();
      sh(process.execPath, ['-e', '0']);
      nodeStart.push(performance.now() - n);
    }
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
  return { add, raw, nodeStart };
}

/** One iperf3 run (single stream) from `from` to a server on `to` at `ip`: Gbit/s received. */
async function iperf(from: string, to: string, ip: string): Promise<number> {
  const server = spawn('ip', ['netns', 'exec', to, 'iperf3', '-s', '-1', '-B', ip, '-p', '5201'], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 50; i++) {
      const probe = spawnSync('ip', ['netns', 'exec', to, 'ss', '-ltn', `sport = :5201`], { encoding: 'utf8' });
      if (probe.stdout.includes('5201')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const out = sh('ip', ['netns', 'exec', from, 'iperf3', '-c', ip, '-p', '5201', '-t', String(IPERF_SECS), '-J']);
    const bps = (JSON.parse(out) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second;
    return bps / 1e9;
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL');
  }
}

export async function run(): Promise<BenchResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tugb-ipam-'));
  try {
    await buildLab();
    const lat = cniLatency(join(dataDir, 'lat'));
    const a = addPod(1, 'p1a', join(dataDir, 'n1'));
    const b = addPod(1, 'p1b', join(dataDir, 'n1'));
    const c = addPod(2, 'p2a', join(dataDir, 'n2'));
    // Baseline: two namespaces joined by one plain veth pair (no bridge, no VXLAN, no netfilter hooks of a node).
    sh('ip', ['netns', 'add', 'tugb-va']);
    sh('ip', ['netns', 'add', 'tugb-vb']);
    sh('ip', ['-n', 'tugb-va', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', 'tugb-vb']);
    sh('ip', ['-n', 'tugb-va', '-batch', '-'], 'addr add 10.203.0.1/24 dev eth0\nlink set eth0 up\nlink set lo up\n');
    sh('ip', ['-n', 'tugb-vb', '-batch', '-'], 'addr add 10.203.0.2/24 dev eth0\nlink set eth0 up\nlink set lo up\n');

    const paths: [string, () => Promise<number>][] = [
      ['plain veth pair (baseline)', () => iperf('tugb-va', 'tugb-vb', '10.203.0.2')],
      ['pod→pod, same node (cni0 bridge)', () => iperf(a.ns, b.ns, b.ip)],
      ['pod→pod, across nodes (VXLAN)', () => iperf(a.ns, c.ns, c.ip)],
    ];
    const samples = new Map<string, number[]>(paths.map(([n]) => [n, []]));
    // Interleave rounds so slow phases of this noisy VM hit every path alike.
    for (let r = 0; r < ROUNDS; r++) for (const [name, fn] of paths) samples.get(name)!.push(await fn());
    const base = median(samples.get(paths[0]![0])!);
    const rawP50 = median(lat.raw);
    return {
      name: 'network',
      tables: [
        {
          title: `CNI ADD latency (${ADDS} ADD+DEL cycles, tug-cni executed as a process)`,
          columns: ['what', 'p50 ms', 'p99 ms', 'ratio p50 vs raw'],
          rows: [
            ['raw wiring: 2× ip -batch (baseline)', rawP50, percentile(lat.raw, 99), 1],
            ['an empty Node.js process (`node -e 0`)', median(lat.nodeStart), percentile(lat.nodeStart, 99), median(lat.nodeStart) / rawP50],
            ['tug-cni ADD (node + IPAM + 2 batches)', median(lat.add), percentile(lat.add, 99), median(lat.add) / rawP50],
          ],
          notes: ['tug-cni is a Node.js executable: its start-up is most of the figure; it also takes a file lock and reserves the IP on disk.'],
        },
        {
          title: `TCP throughput (iperf3, 1 stream, ${IPERF_SECS}s, median of ${ROUNDS} rounds)`,
          columns: ['path', 'Gbit/s median', 'min', 'max', 'ratio vs veth'],
          rows: paths.map(([name]) => {
            const s = samples.get(name)!;
            return [name, median(s), Math.min(...s), Math.max(...s), median(s) / base];
          }),
          notes: ['Client and server share the same CPUs; figures are CPU-bound and noisy on small VMs.'],
        },
      ],
    };
  } finally {
    cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
