import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ContainerInfo } from '../../../dataplane/kubelet/docker.js';
import {
  cpuRate, formatWindow, measuredContainers, parseKeyValues, parseMeminfoWorkingSet, parseProcStatCpu, readContainerCgroup,
  resolveCgroupRoot, ResourceUsageSampler, workingSet,
} from '../../../dataplane/kubelet/resource-usage.js';
import type { PodRuntime } from '../../../dataplane/kubelet/runtime-state.js';
import { FakeClock } from './fixtures.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'tug-usage-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function write(root: string, rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

const ID = 'a'.repeat(64);

function cgroupV1(root: string, id: string, cpuNs: number, usage: number, inactive: number): void {
  write(root, `cpuacct/docker/${id}/cpuacct.usage`, `${cpuNs}\n`);
  write(root, `memory/docker/${id}/memory.usage_in_bytes`, `${usage}\n`);
  write(root, `memory/docker/${id}/memory.stat`, `cache 100\ninactive_file 7\ntotal_inactive_file ${inactive}\ntotal_rss 5\n`);
}

function procFiles(root: string, busyJiffies: number, idle: number, totalKb: number, availableKb: number): void {
  // user nice system idle iowait irq softirq steal guest guest_nice
  write(root, 'stat', `cpu  ${busyJiffies - 10} 4 3 ${idle} 99 1 1 1 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2\n`);
  write(root, 'meminfo', `MemTotal:       ${totalKb} kB\nMemFree:         100 kB\nMemAvailable:   ${availableKb} kB\nBuffers: 1 kB\n`);
}

describe('cgroup and /proc parsing', () => {
  it('reads key/value files, ignoring blank and non-numeric lines', () => {
    expect(parseKeyValues('usage_usec 42\nuser_usec 40\n\nweird x\n')).toEqual(new Map([['usage_usec', 42], ['user_usec', 40]]));
  });

  it('working set is usage minus inactive file, hierarchy total first, never negative', () => {
    expect(workingSet(1000, new Map([['total_inactive_file', 300], ['inactive_file', 10]]))).toBe(700);
    expect(workingSet(1000, new Map([['inactive_file', 10]]))).toBe(990);
    expect(workingSet(1000, new Map())).toBe(1000);
    expect(workingSet(100, new Map([['inactive_file', 300]]))).toBe(0);
  });

  it('/proc/stat busy time excludes idle and iowait, in ns at USER_HZ 100', () => {
    // user 10 nice 2 system 3 idle 500 iowait 50 irq 1 softirq 1 steal 1 → busy 18 jiffies
    expect(parseProcStatCpu('cpu  10 2 3 500 50 1 1 1 0 0\ncpu0 10 2 3 500 50 1 1 1 0 0\n')).toBe(18 * 1e7);
    expect(parseProcStatCpu('intr 1\n')).toBeUndefined();
  });

  it('/proc/meminfo working set is MemTotal − MemAvailable in bytes', () => {
    expect(parseMeminfoWorkingSet('MemTotal:  1000 kB\nMemFree: 10 kB\nMemAvailable:  400 kB\n')).toBe(600 * 1024);
    expect(parseMeminfoWorkingSet('MemTotal:  1000 kB\n')).toBeUndefined();
  });

  it('CPU rate is ns of CPU per second of wall time (nanocores); none across a counter reset', () => {
    expect(cpuRate({ cpuNs: 0, atMs: 0 }, { cpuNs: 5e9, atMs: 10_000 })).toBe(5e8);
    expect(cpuRate({ cpuNs: 5e9, atMs: 0 }, { cpuNs: 1e9, atMs: 10_000 })).toBeUndefined();
    expect(cpuRate({ cpuNs: 0, atMs: 5 }, { cpuNs: 1, atMs: 5 })).toBeUndefined();
  });

  it('formats the window as a duration', () => {
    expect(formatWindow(10_000)).toBe('10s');
    expect(formatWindow(10_004)).toBe('10.004s');
    expect(formatWindow(9_500)).toBe('9.5s');
  });
});

describe('readContainerCgroup', () => {
  it('reads cgroup v1 (cgroupfs driver: <controller>/docker/<id>)', async () => {
    const root = tempDir();
    cgroupV1(root, ID, 123_456_789, 10 * 1024 * 1024, 1024 * 1024);
    expect(await readContainerCgroup(ID, root)).toEqual({ cpuNs: 123_456_789, memoryWorkingSetBytes: 9 * 1024 * 1024 });
  });

  it('reads cgroup v1 with the systemd driver (system.slice/docker-<id>.scope)', async () => {
    const root = tempDir();
    write(root, `cpuacct/system.slice/docker-${ID}.scope/cpuacct.usage`, '77\n');
    write(root, `memory/system.slice/docker-${ID}.scope/memory.usage_in_bytes`, '4096\n');
    write(root, `memory/system.slice/docker-${ID}.scope/memory.stat`, 'total_inactive_file 1024\n');
    expect(await readContainerCgroup(ID, root)).toEqual({ cpuNs: 77, memoryWorkingSetBytes: 3072 });
  });

  it('reads cgroup v2 (cpu.stat usage_usec, memory.current minus inactive_file)', async () => {
    const root = tempDir();
    write(root, `system.slice/docker-${ID}.scope/cpu.stat`, 'usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n');
    write(root, `system.slice/docker-${ID}.scope/memory.current`, '8192\n');
    write(root, `system.slice/docker-${ID}.scope/memory.stat`, 'anon 4096\ninactive_file 4096\n');
    expect(await readContainerCgroup(ID, root)).toEqual({ cpuNs: 2_500_000, memoryWorkingSetBytes: 4096 });
  });

  it('answers undefined for a container whose cgroup is gone', async () => {
    expect(await readContainerCgroup(ID, tempDir())).toBeUndefined();
  });
});

describe('resolveCgroupRoot', () => {
  it('prefers a mounted /sys/fs/cgroup', async () => {
    const sys = tempDir();
    write(sys, 'cpuacct/cpuacct.usage', '1\n');
    expect(await resolveCgroupRoot('/nonexistent', sys, [])).toBe(sys);
  });

  it('falls back to dockerd\'s mount namespace when /sys/fs/cgroup is empty (ip netns exec)', async () => {
    const proc = tempDir();
    const emptySys = tempDir();
    const pidFile = join(tempDir(), 'docker.pid');
    writeFileSync(pidFile, '4242\n');
    expect(await resolveCgroupRoot(proc, emptySys, [pidFile])).toBeUndefined();
    // dockerd's root holds the hierarchy at the same path
    write(proc, `4242/root${emptySys}/cgroup.controllers`, 'cpu memory\n');
    expect(await resolveCgroupRoot(proc, emptySys, [join(tempDir(), 'missing.pid'), pidFile])).toBe(join(proc, '4242', 'root', emptySys));
  });

  it('answers undefined when nothing is readable', async () => {
    expect(await resolveCgroupRoot(tempDir(), tempDir(), [join(tempDir(), 'missing.pid')])).toBeUndefined();
  });
});

function container(id: string, name: string, kind: string, running: boolean): ContainerInfo {
  return {
    id, name: `k8s_${name}`, image: 'img', imageId: 'sha256:x', created: '2026-01-01T00:00:00Z',
    labels: { 'io.kubernetes.container.name': name, 'tugboat.container.kind': kind },
    state: { status: running ? 'running' : 'exited', running, pid: 1, exitCode: 0, oomKilled: false, error: '', startedAt: '', finishedAt: '' },
  };
}

describe('measuredContainers', () => {
  it('keeps running app containers only, named by their container label', () => {
    const pods: PodRuntime[] = [{
      uid: 'u1', name: 'web', namespace: 'default',
      sandboxes: [container('s1', 'POD', 'sandbox', true)],
      containers: [container('c1', 'app', 'app', true), container('c0', 'app', 'app', false), container('i1', 'init', 'init', false)],
    }];
    expect(measuredContainers(pods)).toEqual([{ id: 'c1', namespace: 'default', pod: 'web', container: 'app' }]);
  });
});

describe('ResourceUsageSampler', () => {
  it('reports nothing after one sample and rates over the window from the second on', async () => {
    const cg = tempDir();
    const proc = tempDir();
    const clock = new FakeClock();
    const idB = 'b'.repeat(64);
    const containers = [
      { id: ID, namespace: 'default', pod: 'web', container: 'app' },
      { id: idB, namespace: 'default', pod: 'web', container: 'sidecar' },
    ];
    const sampler = new ResourceUsageSampler({ containers: () => containers, cgroupRoot: cg, procRoot: proc, now: () => clock.now() });
    cgroupV1(cg, ID, 1e9, 20 * 1024 * 1024, 0);
    procFiles(proc, 1000, 5000, 4_000_000, 1_000_000);
    await sampler.sample();
    expect(sampler.snapshot()).toBeUndefined();

    clock.advance(10_000);
    cgroupV1(cg, ID, 6e9, 30 * 1024 * 1024, 2 * 1024 * 1024); // 5 s of CPU in 10 s = half a core
    cgroupV1(cg, idB, 1e6, 4096, 0); // new since the last sample: no rate yet
    procFiles(proc, 3000, 5000, 4_000_000, 1_000_000); // 2000 jiffies = 20 s of CPU in 10 s = 2 cores
    await sampler.sample();
    expect(sampler.snapshot()).toEqual({
      node: { timestamp: new Date(clock.now()).toISOString(), window: '10s', cpuNanoCores: 2e9, memoryWorkingSetBytes: 3_000_000 * 1024 },
      pods: [{ namespace: 'default', name: 'web', containers: [{ name: 'app', cpuNanoCores: 5e8, memoryWorkingSetBytes: 28 * 1024 * 1024 }] }],
    });

    clock.advance(5_000);
    cgroupV1(cg, ID, 6e9, 30 * 1024 * 1024, 0); // idle
    cgroupV1(cg, idB, 1e6 + 5e8, 8192, 0); // a tenth of a core over 5 s
    procFiles(proc, 3100, 5000, 4_000_000, 2_000_000);
    await sampler.sample();
    const report = sampler.snapshot()!;
    expect(report.node).toMatchObject({ window: '5s', cpuNanoCores: 2e8, memoryWorkingSetBytes: 2_000_000 * 1024 });
    expect(report.pods[0]!.containers).toEqual([
      { name: 'app', cpuNanoCores: 0, memoryWorkingSetBytes: 30 * 1024 * 1024 },
      { name: 'sidecar', cpuNanoCores: 1e8, memoryWorkingSetBytes: 8192 },
    ]);
  });

  it('drops containers whose cgroup disappeared', async () => {
    const cg = tempDir();
    const proc = tempDir();
    const clock = new FakeClock();
    const sampler = new ResourceUsageSampler({
      containers: () => [{ id: ID, namespace: 'ns', pod: 'p', container: 'c' }], cgroupRoot: cg, procRoot: proc, now: () => clock.now(),
    });
    cgroupV1(cg, ID, 0, 4096, 0);
    procFiles(proc, 100, 100, 1000, 500);
    await sampler.sample();
    rmSync(join(cg, 'cpuacct'), { recursive: true });
    clock.advance(10_000);
    procFiles(proc, 200, 100, 1000, 500);
    await sampler.sample();
    expect(sampler.snapshot()?.pods).toEqual([]);
    expect(sampler.snapshot()?.node.cpuNanoCores).toBe(1e8);
  });
});
