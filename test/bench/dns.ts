/**
 * `npm run bench -- dns [--rounds N] [--seconds S]`: our cluster DNS against dnsmasq serving the
 * same names on the same machine in the same run (issue 6 §2 and §3).
 *
 * - cluster names: 300 `svc-N.ns-(N mod 10).svc.cluster.local` A records (ours from a
 *   ClusterIndex of 300 Services; dnsmasq from a hosts file, `--local=/cluster.local/`);
 * - forwarded names: 300 `ext-N.example.test` names that both servers forward to the same upstream
 *   (a third dnsmasq, TTL 300) and cache — after the warm-up this measures the cache-hit path.
 * Throughput: `dnsperf -c 4 -Q 1000000 -l S` (as shared/notes/peer-baselines.md §1.5). Latency:
 * a separate `dnsperf -v` pass at the same offered load for both (20k qps), p50/p99 from the
 * per-query latencies (dnsperf prints no percentiles). CPU µs/query from /proc. Rounds interleave
 * the servers (order rotated each round); figures are medians, ratios are per round then median.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ClusterIndex } from '../../dataplane/dns/cluster-index.js';
import { createDnsServer, type DnsServer } from '../../dataplane/dns/server.js';
import { median, percentile, type BenchResult, type BenchTable, type Cell } from './report.js';

const OURS = '127.0.0.71';
const DNSMASQ = '127.0.0.72';
const UPSTREAM = '127.0.0.73';
const NAMES = 300;
const LATENCY_QPS = 20_000;

interface Target { label: string; address: string; port: number; cpuSeconds(): number }

async function freePort(address: string): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, address, () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function procCpuSeconds(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, clock ticks
}

function sh(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function startDnsmasq(args: string[]): ChildProcess & { log: () => string } {
  const child = spawn('dnsmasq', ['-k', '--conf-file=/dev/null', '--bind-interfaces', '--no-resolv', '--no-hosts', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.on('error', (err) => { stderr += String(err); });
  return Object.assign(child, { log: () => `exit=${child.exitCode} ${stderr.trim()}` });
}

async function waitAnswering(address: string, port: number, file: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last = '';
  for (;;) {
    try {
      const out = await sh('dnsperf', ['-s', address, '-p', String(port), '-d', file, '-n', '1', '-t', '1'], 10_000);
      if (/Response codes:\s+NOERROR \d+ \(100\.00%\)/.test(out)) return;
      last = /Response codes:.*/.exec(out)?.[0] ?? out;
    } catch (err) {
      last = String(err);
    }
    if (Date.now() > deadline) throw new Error(`DNS server on ${address}:${port} does not answer every query with NOERROR: ${last}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Throughput { qps: number; lost: number; cpuUsPerQuery: number }

async function throughput(t: Target, file: string, seconds: number): Promise<Throughput> {
  const cpu0 = t.cpuSeconds();
  const out = await sh('dnsperf', ['-s', t.address, '-p', String(t.port), '-d', file, '-l', String(seconds), '-c', '4', '-Q', '1000000'], (seconds + 30) * 1000);
  const cpu = t.cpuSeconds() - cpu0;
  const qps = Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const completed = Number(/Queries completed:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  const lost = Number(/Queries lost:\s+(\d+)/.exec(out)?.[1] ?? NaN);
  return { qps, lost, cpuUsPerQuery: (cpu / completed) * 1e6 };
}

async function latency(t: Target, file: string): Promise<{ p50: number; p99: number }> {
  const out = await sh('dnsperf', ['-s', t.address, '-p', String(t.port), '-d', file, '-l', '3', '-c', '4', '-Q', String(LATENCY_QPS), '-v'], 60_000);
  const ms: number[] = [];
  for (const m of out.matchAll(/^> \S+ \S+ \S+ ([\d.]+)$/gm)) ms.push(Number(m[1]) * 1000);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}

function shuffledQueries(names: string[], repeat: number): string {
  const lines: string[] = [];
  for (let r = 0; r < repeat; r++) {
    const s = [...names];
    for (let i = s.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [s[i], s[j]] = [s[j]!, s[i]!];
    }
    for (const n of s) lines.push(`${n} A`);
  }
  return lines.join('\n') + '\n';
}

function range(values: number[]): string {
  const f = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(2));
  return `${f(median(values))} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
}

export async function run(args: string[]): Promise<BenchResult> {
  const opt = (name: string, dflt: number): number => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const rounds = opt('rounds', 3);
  const seconds = opt('seconds', 10);
  const dir = mkdtempSync(join(tmpdir(), 'tug-bench-dns-'));
  chmodSync(dir, 0o755); // dnsmasq drops privileges to nobody and must read the hosts files
  const children: ChildProcess[] = [];
  let ours: DnsServer | undefined;
  try {
    const clusterNames = Array.from({ length: NAMES }, (_, i) => `svc-${i}.ns-${i % 10}.svc.cluster.local`);
    const clusterIp = (i: number): string => `10.96.${1 + (i >> 8)}.${i & 255}`;
    const extNames = Array.from({ length: NAMES }, (_, i) => `ext-${i}.example.test`);
    writeFileSync(join(dir, 'cluster.hosts'), clusterNames.map((n, i) => `${clusterIp(i)} ${n}`).join('\n') + '\n');
    writeFileSync(join(dir, 'ext.hosts'), extNames.map((n, i) => `198.18.${i >> 8}.${i & 255} ${n}`).join('\n') + '\n');
    const clusterFile = join(dir, 'cluster.txt');
    const extFile = join(dir, 'ext.txt');
    writeFileSync(clusterFile, shuffledQueries(clusterNames, 10));
    writeFileSync(extFile, shuffledQueries(extNames, 10));
    // One-query files for readiness checks (a whole file against a server not yet up takes 30 s).
    const clusterProbe = join(dir, 'cluster-probe.txt');
    const extProbe = join(dir, 'ext-probe.txt');
    writeFileSync(clusterProbe, `${clusterNames[0]} A\n`);
    writeFileSync(extProbe, `${extNames[0]} A\n`);

    const [upPort, dmPort, ourPort] = [await freePort(UPSTREAM), await freePort(DNSMASQ), await freePort(OURS)];
    const upstream = startDnsmasq([`--port=${upPort}`, `--listen-address=${UPSTREAM}`, `--addn-hosts=${join(dir, 'ext.hosts')}`, '--local-ttl=300', '--local=/example.test/', '--cache-size=10000']);
    const dnsmasq = startDnsmasq([`--port=${dmPort}`, `--listen-address=${DNSMASQ}`, `--addn-hosts=${join(dir, 'cluster.hosts')}`, '--local-ttl=5', '--local=/cluster.local/', `--server=${UPSTREAM}#${upPort}`, '--cache-size=10000']);
    children.push(upstream, dnsmasq);

    const index = new ClusterIndex(() => true);
    clusterNames.forEach((_, i) => index.upsertService({
      metadata: { namespace: `ns-${i % 10}`, name: `svc-${i}` }, spec: { clusterIP: clusterIp(i), ports: [{ port: 80 }] },
    }));
    ours = createDnsServer({
      view: index, clusterDomain: 'cluster.local', upstreams: [`${UPSTREAM}:${upPort}`], listenAddresses: [OURS], port: ourPort,
      metrics: new Registry(), log: pino({ level: 'silent' }),
    });
    await ours.start();

    const targets: Target[] = [
      { label: 'dnsmasq 1 process', address: DNSMASQ, port: dmPort, cpuSeconds: () => procCpuSeconds(dnsmasq.pid!) },
      { label: 'tugboat dns (fast path)', address: OURS, port: ourPort, cpuSeconds: () => procCpuSeconds('self') },
    ];
    await waitAnswering(UPSTREAM, upPort, extProbe).catch((err: Error) => { throw new Error(`${err.message}; upstream dnsmasq: ${upstream.log()}`); });
    await waitAnswering(DNSMASQ, dmPort, clusterProbe).catch((err: Error) => { throw new Error(`${err.message}; dnsmasq: ${dnsmasq.log()}`); });
    await waitAnswering(OURS, ourPort, clusterProbe);
    // Warm-up: JIT, and both caches filled with the forwarded names.
    for (const t of targets) for (const f of [clusterFile, extFile]) await throughput(t, f, 2);

    const workloads = [{ name: 'cluster names (A)', file: clusterFile }, { name: 'forwarded names (A, cached)', file: extFile }];
    type Sample = Throughput & { p50: number; p99: number };
    const samples = new Map<string, Sample[]>();
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? targets : [...targets].reverse();
      for (const w of workloads) {
        for (const t of order) {
          const tp = await throughput(t, w.file, seconds);
          await new Promise((res) => setTimeout(res, 500));
          const lat = await latency(t, w.file);
          const k = `${w.name}|${t.label}`;
          samples.set(k, [...(samples.get(k) ?? []), { ...tp, ...lat }]);
          await new Promise((res) => setTimeout(res, 500));
        }
      }
    }

    const rows: Cell[][] = [];
    for (const w of workloads) {
      const base = samples.get(`${w.name}|${targets[0]!.label}`)!;
      for (const t of targets) {
        const s = samples.get(`${w.name}|${t.label}`)!;
        const ratios = s.map((x, i) => x.qps / base[i]!.qps);
        const cpuRatios = s.map((x, i) => base[i]!.cpuUsPerQuery / x.cpuUsPerQuery);
        rows.push([
          w.name, t.label, range(s.map((x) => x.qps)), range(ratios),
          median(s.map((x) => x.p50)), median(s.map((x) => x.p99)),
          median(s.map((x) => x.cpuUsPerQuery)), range(cpuRatios), s.reduce((a, x) => a + x.lost, 0),
        ]);
      }
    }
    const table: BenchTable = {
      title: `DNS: tugboat vs dnsmasq (UDP, dnsperf -c 4, ${seconds} s × ${rounds} rounds, ${NAMES} names)`,
      columns: ['workload', 'server', 'queries/s median (min–max)', 'ratio to dnsmasq', `p50 ms @${LATENCY_QPS / 1000}k qps`, `p99 ms @${LATENCY_QPS / 1000}k qps`, 'CPU µs/query', 'CPU efficiency ratio', 'lost'],
      rows,
      notes: [
        'ratio = our queries/s ÷ dnsmasq queries/s in the same round, median over rounds (goal ≥ 0.5 for cluster names, issue 6 §3)',
        'CPU efficiency ratio = dnsmasq CPU µs/query ÷ ours (1 = as efficient as dnsmasq)',
        'forwarded names: both forward to the same upstream dnsmasq (TTL 300) and answer from their caches after the warm-up',
      ],
    };
    return { name: 'dns', tables: [table] };
  } finally {
    await ours?.stop();
    for (const c of children) if (c.pid && c.exitCode === null) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
