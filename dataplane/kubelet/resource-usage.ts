/**
 * Resource usage for `kubectl top` (served as JSON at GET /metrics/resource/v1beta1 by
 * kubelet-server.ts, read by control/apiserver/metrics-api.ts).
 *
 * Every 10 s the sampler reads, without asking Docker (`docker stats` takes ~1-2 s per container):
 * - per running app container, its cgroup: cumulative CPU time and the memory working set
 *   (usage minus inactive file cache, as cAdvisor/metrics-server define it). Docker's cgroupfs
 *   driver puts a container at <controller>/docker/<id> (cgroup v1) or docker/<id> (v2); the
 *   systemd driver at system.slice/docker-<id>.scope; all four are tried.
 * - for the node, /proc/stat and /proc/meminfo. Local nodes share the host kernel, so a local
 *   node reports the host's usage.
 * A local node's agent runs under `ip netns exec`, which remounts /sys in a private mount namespace
 * without the cgroup mounts: there the host's hierarchy is read through dockerd's mount namespace,
 * /proc/<pid in /run/docker.pid>/root/sys/fs/cgroup (resolveCgroupRoot).
 * CPU is a rate, so it needs two samples: a container (or the node) appears in the report from
 * its second sample on, with the rate over the window between the two. The first two samples are
 * 1 s apart so usage is available soon after the kubelet starts.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LABELS } from './labels.js';
import { kindOf, type PodRuntime } from './runtime-state.js';

/** The kubelet's JSON answer (our own shape, not the kubelet summary API). */
export interface UsageReport {
  node: UsageSample;
  pods: PodUsage[];
}

export interface UsageSample {
  /** RFC 3339 time of the sample */
  timestamp: string;
  /** the window the CPU rate was measured over, a duration like "10.004s" */
  window: string;
  cpuNanoCores: number;
  memoryWorkingSetBytes: number;
}

export interface PodUsage {
  namespace: string;
  name: string;
  containers: Array<{ name: string; cpuNanoCores: number; memoryWorkingSetBytes: number }>;
}

/** A running app container the sampler should measure. */
export interface MeasuredContainer {
  id: string;
  namespace: string;
  pod: string;
  container: string;
}

/** The running app containers (not sandboxes, not init containers) of the node's pods. */
export function measuredContainers(pods: readonly PodRuntime[]): MeasuredContainer[] {
  const out: MeasuredContainer[] = [];
  for (const p of pods) {
    for (const c of p.containers) {
      if (kindOf(c) !== 'app' || !c.state.running) continue;
      out.push({ id: c.id, namespace: p.namespace, pod: p.name, container: c.labels[LABELS.containerName] ?? c.name });
    }
  }
  return out;
}

/** Linux USER_HZ: /proc/stat counts in 1/100 s on every architecture Node runs on here. */
const USER_HZ = 100;

/** `key value` lines (memory.stat, cpu.stat) → numbers. */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

/** Working set = usage minus the inactive file cache (reclaimable), never negative. */
export function workingSet(usageBytes: number, memoryStat: Map<string, number>): number {
  // v1 reports the hierarchy total as total_inactive_file; v2 (and v1 leaves) as inactive_file.
  const inactive = memoryStat.get('total_inactive_file') ?? memoryStat.get('inactive_file') ?? 0;
  return Math.max(0, usageBytes - inactive);
}

/** The aggregate "cpu" line of /proc/stat → busy time in ns (everything but idle and iowait). */
export function parseProcStatCpu(text: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest times are already inside user/nice)
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return (busy * 1e9) / USER_HZ;
}

/** /proc/meminfo → the node's working set: MemTotal − MemAvailable, in bytes. */
export function parseMeminfoWorkingSet(text: string): number | undefined {
  const kb = parseKeyValues(text.replace(/:/g, '').replace(/ kB/g, ''));
  const total = kb.get('MemTotal');
  const available = kb.get('MemAvailable');
  if (total === undefined || available === undefined) return undefined;
  return Math.max(0, total - available) * 1024;
}

/** CPU time (ns) consumed between two samples over the wall time between them → nanocores. */
export function cpuRate(prev: { cpuNs: number; atMs: number }, cur: { cpuNs: number; atMs: number }): number | undefined {
  const dtMs = cur.atMs - prev.atMs;
  // A restarted cgroup counts from zero again; no rate until the next sample.
  if (dtMs <= 0 || cur.cpuNs < prev.cpuNs) return undefined;
  return Math.round(((cur.cpuNs - prev.cpuNs) * 1000) / dtMs);
}

export function formatWindow(ms: number): string {
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
}

/** Cumulative CPU time and memory working set of one container's cgroup. */
export interface CgroupSample {
  cpuNs: number;
  memoryWorkingSetBytes: number;
}

const readText = (path: string): Promise<string | undefined> => readFile(path, 'utf8').catch(() => undefined);

/** Reads a container's cgroup under `root` (normally /sys/fs/cgroup); undefined when it is gone. */
export async function readContainerCgroup(id: string, root = '/sys/fs/cgroup'): Promise<CgroupSample | undefined> {
  for (const dir of [`docker/${id}`, `system.slice/docker-${id}.scope`]) {
    const usage = await readText(join(root, 'cpuacct', dir, 'cpuacct.usage'));
    if (usage !== undefined) {
      const mem = await readText(join(root, 'memory', dir, 'memory.usage_in_bytes'));
      const stat = await readText(join(root, 'memory', dir, 'memory.stat'));
      if (mem === undefined) return undefined;
      return { cpuNs: Number(usage.trim()), memoryWorkingSetBytes: workingSet(Number(mem.trim()), parseKeyValues(stat ?? '')) };
    }
  }
  for (const dir of [`system.slice/docker-${id}.scope`, `docker/${id}`]) {
    const cpuStat = await readText(join(root, dir, 'cpu.stat'));
    if (cpuStat === undefined) continue;
    const usec = parseKeyValues(cpuStat).get('usage_usec');
    const current = await readText(join(root, dir, 'memory.current'));
    const stat = await readText(join(root, dir, 'memory.stat'));
    if (usec === undefined || current === undefined) return undefined;
    return { cpuNs: usec * 1000, memoryWorkingSetBytes: workingSet(Number(current.trim()), parseKeyValues(stat ?? '')) };
  }
  return undefined;
}

/** True when `dir` holds a mounted cgroup hierarchy (v1 controllers or the v2 root). */
async function isCgroupRoot(dir: string): Promise<boolean> {
  const found = await Promise.all(['cpuacct/cpuacct.usage', 'cgroup.controllers'].map((f) => readText(join(dir, f))));
  return found.some((t) => t !== undefined);
}

/**
 * The cgroup hierarchy as the host sees it: /sys/fs/cgroup when mounted here, else dockerd's view
 * (see the header); undefined when neither is readable.
 */
export async function resolveCgroupRoot(procRoot = '/proc', sysRoot = '/sys/fs/cgroup', pidFiles = ['/run/docker.pid', '/var/run/docker.pid']): Promise<string | undefined> {
  if (await isCgroupRoot(sysRoot)) return sysRoot;
  for (const f of pidFiles) {
    const pid = (await readText(f))?.trim();
    if (!pid || !/^\d+$/.test(pid)) continue;
    const dir = join(procRoot, pid, 'root', sysRoot);
    if (await isCgroupRoot(dir)) return dir;
  }
  return undefined;
}

export interface SamplerDeps {
  /** the running app containers of this node's pods, asked at every sample */
  containers: () => MeasuredContainer[];
  /** default: resolveCgroupRoot() at every sample (dockerd may have restarted) */
  cgroupRoot?: string;
  procRoot?: string;
  intervalMs?: number;
  now?: () => number;
}

interface Point {
  cpuNs: number;
  atMs: number;
}

export class ResourceUsageSampler {
  private readonly prevContainers = new Map<string, Point>();
  private prevNode: Point | undefined;
  private report: UsageReport | undefined;
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly deps: SamplerDeps) {}

  start(): void {
    if (this.timer) return;
    const tick = (): void => void this.sample().catch(() => undefined);
    tick();
    this.first = setTimeout(tick, 1000).unref();
    this.timer = setInterval(tick, this.deps.intervalMs ?? 10_000).unref();
  }

  stop(): void {
    clearTimeout(this.first);
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The latest report; undefined until two samples were taken. */
  snapshot(): UsageReport | undefined {
    return this.report;
  }

  /** Takes one sample and, from the second on, replaces the report. */
  async sample(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.sampleOnce();
    } finally {
      this.running = false;
    }
  }

  private async sampleOnce(): Promise<void> {
    const now = this.deps.now ?? Date.now;
    const proc = this.deps.procRoot ?? '/proc';
    const root = this.deps.cgroupRoot ?? (await resolveCgroupRoot(proc));
    const containers = this.deps.containers();
    const samples = await Promise.all(containers.map((c) => (root ? readContainerCgroup(c.id, root) : undefined)));
    const [statText, meminfoText] = await Promise.all([readText(join(proc, 'stat')), readText(join(proc, 'meminfo'))]);
    const atMs = now();

    const pods = new Map<string, PodUsage>();
    const seen = new Set<string>();
    containers.forEach((c, i) => {
      const s = samples[i];
      if (!s) return;
      seen.add(c.id);
      const cur = { cpuNs: s.cpuNs, atMs };
      const prev = this.prevContainers.get(c.id);
      this.prevContainers.set(c.id, cur);
      const rate = prev ? cpuRate(prev, cur) : undefined;
      if (rate === undefined) return;
      const key = `${c.namespace}/${c.pod}`;
      let pod = pods.get(key);
      if (!pod) pods.set(key, (pod = { namespace: c.namespace, name: c.pod, containers: [] }));
      pod.containers.push({ name: c.container, cpuNanoCores: rate, memoryWorkingSetBytes: s.memoryWorkingSetBytes });
    });
    for (const id of this.prevContainers.keys()) if (!seen.has(id)) this.prevContainers.delete(id);

    const nodeCpu = statText === undefined ? undefined : parseProcStatCpu(statText);
    const nodeMem = meminfoText === undefined ? undefined : parseMeminfoWorkingSet(meminfoText);
    if (nodeCpu === undefined || nodeMem === undefined) return;
    const prevNode = this.prevNode;
    this.prevNode = { cpuNs: nodeCpu, atMs };
    const nodeRate = prevNode ? cpuRate(prevNode, this.prevNode) : undefined;
    if (!prevNode || nodeRate === undefined) return;
    this.report = {
      node: {
        timestamp: new Date(atMs).toISOString(),
        window: formatWindow(atMs - prevNode.atMs),
        cpuNanoCores: nodeRate,
        memoryWorkingSetBytes: nodeMem,
      },
      pods: [...pods.values()],
    };
  }
}
