// CNI conformance for tug-cni, derived from the spec's MUSTs (notes/dataplane-anchors.md §3(a')), run against
// the built executable in real network namespaces. Needs root. The "node" is a netns (tugt-cni-node) so the
// root netns is never touched; pods are netns too (named, or anonymous via /proc/PID/ns/net like Docker's).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpRoute2Netlink } from '../../../cni/netlink/iproute2.js';
import type { NetnsRef } from '../../../cni/netlink/netlink.js';
import { buildPlugin, execPlugin, percentile, sh, type CniRun } from './cni-exec.js';

const REPO = resolve(import.meta.dirname, '../../..');
const NODE = 'tugt-cni-node';
const PREFIX = 'tugt-cni-';
const nl = new IpRoute2Netlink();
const node: NetnsRef = { kind: 'named', name: NODE };

let cniPath = '';
let buildDir = '';
let dataDir = '';
const children: ChildProcess[] = [];
const netnsCreated = new Set<string>();

const conf = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ cniVersion: '1.1.0', name: 'tugnet', type: 'tug-cni', subnet: '10.244.1.0/24', bridge: 'cni0', mtu: 1450, dataDir, ...over });

function addNetns(name: string): string {
  sh('ip', ['netns', 'add', name]);
  netnsCreated.add(name);
  return `/var/run/netns/${name}`;
}

function delNetns(name: string): void {
  spawnSync('ip', ['netns', 'del', name]);
  netnsCreated.delete(name);
}

const cni = (command: string, env: Record<string, string>, stdin = conf(), killAfterMs?: number): Promise<CniRun> =>
  execPlugin(cniPath, NODE, { CNI_COMMAND: command, ...env }, stdin, killAfterMs === undefined ? {} : { killAfterMs });

const podEnv = (id: string, netns: string) => ({ CNI_CONTAINERID: id, CNI_NETNS: netns, CNI_IFNAME: 'eth0' });

function expectError(run: CniRun, code: number, mention: string): void {
  expect(run.code, run.stdout + run.stderr).not.toBe(0);
  expect(run.json?.['code'], run.stdout).toBe(code);
  expect(String(run.json?.['msg']) + String(run.json?.['details'] ?? '')).toContain(mention);
}

const storeFiles = () => readdirSync(join(dataDir, 'tugnet')).sort();
const reservations = () => storeFiles().filter((n) => /^\d+\.\d+\.\d+\.\d+$/.test(n));
const ourVeths = async () => (await nl.links(node, { kind: 'veth' })).map((l) => l.name).filter((n) => n.startsWith('tug')).sort();
const ipOf = (run: CniRun) => String((run.json?.['ips'] as { address: string }[])[0]?.address).split('/')[0] as string;
const hostVethOf = (run: CniRun) => (run.json?.['interfaces'] as { name: string }[])[1]?.name as string;

beforeAll(() => {
  for (const ns of sh('ip', ['netns', 'list']).split('\n')) {
    const name = ns.split(' ')[0] ?? '';
    if (name.startsWith(PREFIX)) delNetns(name); // leftovers of an earlier killed run
  }
  ({ cniPath, dir: buildDir } = buildPlugin(REPO));
  dataDir = mkdtempSync(join(tmpdir(), 'tugt-cni-data-'));
  addNetns(NODE);
}, 60_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const ns of [...netnsCreated]) delNetns(ns);
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('tug-cni conformance (built executable, real netns)', () => {
  const pa = `${PREFIX}pa`;
  const pb = `${PREFIX}pb`;
  let addA: CniRun;
  let addB: CniRun;

  it('VERSION lists the supported versions', async () => {
    const run = await cni('VERSION', {}, '{"cniVersion":"1.1.0"}');
    expect(run.code).toBe(0);
    expect(run.json).toEqual({ cniVersion: '1.1.0', supportedVersions: ['1.0.0', '1.1.0'] });
    // Baseline for the ADD latency below: a call that does no work is the cost of starting node + nsenter.
    const times: number[] = [];
    for (let i = 0; i < 10; i++) times.push((await cni('VERSION', {}, '')).ms);
    console.log(`tug-cni VERSION (process start baseline): p50 ${percentile(times.sort((a, b) => a - b), 50).toFixed(1)} ms`);
  });

  it('STATUS is 0 when ready and 50 without a subnet', async () => {
    expect((await cni('STATUS', {})).code).toBe(0);
    expectError(await cni('STATUS', {}, conf({ subnet: undefined })), 50, 'subnet');
  });

  it('every input error gets its spec code and names the problem', async () => {
    const env = podEnv('errs', addNetns(`${PREFIX}errs`));
    expectError(await execPlugin(cniPath, NODE, {}, conf()), 4, 'CNI_COMMAND');
    expectError(await cni('ADD', { CNI_CONTAINERID: 'x', CNI_IFNAME: 'eth0' }), 4, 'CNI_NETNS');
    expectError(await cni('ADD', { ...env, CNI_CONTAINERID: '../evil' }), 4, 'CNI_CONTAINERID');
    expectError(await cni('ADD', env, '{"cniVersion":'), 6, 'not valid JSON');
    expectError(await cni('ADD', env, conf({ cniVersion: '0.0.1' })), 1, '0.0.1');
    expectError(await cni('ADD', env, conf({ subnet: undefined })), 7, 'subnet');
    expectError(await cni('ADD', env, conf({ subnet: '10.244.1.300/24' })), 7, 'subnet');
    expectError(await cni('ADD', env, conf({ mtu: 'big' })), 7, 'mtu');
    expectError(await cni('ADD', podEnv('nons', '/var/run/netns/tugt-cni-missing')), 105, 'tugt-cni-missing');
    expect(reservations()).toEqual([]);
  });

  it('ADD wires two pods: interface, IP, MAC, MTU and routes in the pod; bridge and hairpin on the node', async () => {
    addA = await cni('ADD', podEnv('ctr-a', addNetns(pa)));
    addB = await cni('ADD', podEnv('ctr-b', addNetns(pb)));
    expect(addA.code, addA.stdout + addA.stderr).toBe(0);
    expect(addB.code, addB.stdout + addB.stderr).toBe(0);
    expect(addA.json).toMatchObject({
      cniVersion: '1.1.0',
      interfaces: [{ name: 'cni0', mac: '0a:58:0a:f4:01:01' }, {}, { name: 'eth0', sandbox: `/var/run/netns/${pa}`, mac: '0a:58:0a:f4:01:02', mtu: 1450 }],
      ips: [{ address: '10.244.1.2/24', gateway: '10.244.1.1', interface: 2 }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.244.1.1' }],
    });
    const pod: NetnsRef = { kind: 'named', name: pa };
    expect(await nl.link(pod, 'eth0')).toMatchObject({ mac: '0a:58:0a:f4:01:02', mtu: 1450, up: true, kind: 'veth' });
    expect((await nl.addresses(pod, 'eth0')).filter((a) => a.family === 'inet')).toEqual([{ dev: 'eth0', family: 'inet', local: '10.244.1.2', prefixLen: 24 }]);
    expect((await nl.routes(pod)).find((r) => r.dst === 'default')).toMatchObject({ gateway: '10.244.1.1', dev: 'eth0' });
    expect(await nl.link(node, 'cni0')).toMatchObject({ kind: 'bridge', mac: '0a:58:0a:f4:01:01', mtu: 1450, up: true });
    expect((await nl.addresses(node, 'cni0')).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixLen}`)).toEqual(['10.244.1.1/24']);
    expect(await nl.link(node, hostVethOf(addA))).toMatchObject({ master: 'cni0', hairpin: true, mtu: 1450, up: true });
    expect(reservations()).toEqual(['10.244.1.2', '10.244.1.3']);
  });

  it('pods on the bridge reach each other: ping and HTTP', async () => {
    const www = mkdtempSync(join(tmpdir(), 'tugt-cni-www-'));
    writeFileSync(join(www, 'index.html'), 'hello from pod b\n');
    const httpd = spawn('ip', ['netns', 'exec', pb, 'busybox', 'httpd', '-f', '-p', '8080', '-h', www], { stdio: 'ignore' });
    children.push(httpd);
    try {
      sh('ip', ['netns', 'exec', pa, 'busybox', 'ping', '-c', '1', '-W', '2', ipOf(addB)]);
      let body = '';
      for (let i = 0; i < 20 && body === ''; i++) {
        const r = spawnSync('ip', ['netns', 'exec', pa, 'timeout', '3', 'busybox', 'wget', '-qO-', `http://${ipOf(addB)}:8080/`], { encoding: 'utf8' });
        body = r.status === 0 ? r.stdout : '';
        if (!body) await new Promise((r2) => setTimeout(r2, 100)); // httpd still starting
      }
      expect(body).toBe('hello from pod b\n');
    } finally {
      httpd.kill('SIGKILL');
      rmSync(www, { recursive: true, force: true });
    }
  });

  it('a second ADD for the same container+ifname fails and leaves the first intact', async () => {
    expectError(await cni('ADD', podEnv('ctr-a', `/var/run/netns/${pa}`)), 101, 'ctr-a');
    sh('ip', ['netns', 'exec', pa, 'busybox', 'ping', '-c', '1', '-W', '2', '10.244.1.1']);
  });

  it('CHECK passes, then fails with a clear message once the pod is tampered with', async () => {
    const withPrev = conf({ prevResult: addA.json });
    const env = podEnv('ctr-a', `/var/run/netns/${pa}`);
    const ok = await cni('CHECK', env, withPrev);
    expect(ok.code, ok.stdout).toBe(0);
    sh('ip', ['-n', pa, 'route', 'del', 'default']);
    expectError(await cni('CHECK', env, withPrev), 103, 'route 0.0.0.0/0 via 10.244.1.1 is missing');
    sh('ip', ['-n', pa, 'route', 'add', 'default', 'via', '10.244.1.1']);
    sh('ip', ['-n', NODE, 'link', 'set', hostVethOf(addA), 'type', 'bridge_slave', 'hairpin', 'off']);
    expectError(await cni('CHECK', env, withPrev), 103, 'hairpin off');
    sh('ip', ['-n', NODE, 'link', 'set', hostVethOf(addA), 'type', 'bridge_slave', 'hairpin', 'on']);
    expect((await cni('CHECK', env, withPrev)).code).toBe(0);
  });

  it('DEL removes everything and succeeds when repeated', async () => {
    const env = podEnv('ctr-a', `/var/run/netns/${pa}`);
    for (let i = 0; i < 2; i++) {
      const run = await cni('DEL', env, conf({ prevResult: addA.json }));
      expect(run.code, run.stdout + run.stderr).toBe(0);
    }
    expect(await nl.link({ kind: 'named', name: pa }, 'eth0')).toBeUndefined();
    expect(await nl.link(node, hostVethOf(addA))).toBeUndefined();
    expect(reservations()).toEqual(['10.244.1.3']);
  });

  it('DEL after the netns was deleted succeeds and frees the IP', async () => {
    const pc = `${PREFIX}pc`;
    const add = await cni('ADD', podEnv('ctr-c', addNetns(pc)));
    expect(add.code, add.stdout).toBe(0);
    delNetns(pc);
    const del = await cni('DEL', podEnv('ctr-c', `/var/run/netns/${pc}`));
    expect(del.code, del.stdout + del.stderr).toBe(0);
    expect(reservations()).not.toContain(ipOf(add));
    expect(await ourVeths()).toEqual([hostVethOf(addB)]);
  });

  it('works with an anonymous netns given as /proc/PID/ns/net (how Docker pods appear)', async () => {
    const holder = spawn('unshare', ['--net', 'sleep', '600'], { stdio: 'ignore' });
    children.push(holder);
    await new Promise((r) => setTimeout(r, 100));
    const path = `/proc/${holder.pid}/ns/net`;
    const add = await cni('ADD', podEnv('ctr-d', path));
    expect(add.code, add.stdout + add.stderr).toBe(0);
    const mac = '0a:58:' + ipOf(add).split('.').map((o) => Number(o).toString(16).padStart(2, '0')).join(':');
    expect(await nl.link({ kind: 'path', path }, 'eth0')).toMatchObject({ mtu: 1450, mac, up: true });
    expect((await cni('CHECK', podEnv('ctr-d', path), conf({ prevResult: add.json }))).code).toBe(0);
    holder.kill('SIGKILL'); // the pod dies: its netns and veth pair go away
    await new Promise((r) => setTimeout(r, 100));
    expect((await cni('DEL', podEnv('ctr-d', path))).code).toBe(0);
    expect(reservations()).not.toContain(ipOf(add));
  });

  it('50 parallel ADDs get 50 distinct IPs', { timeout: 60_000 }, async () => {
    const netns = Array.from({ length: 50 }, (_, i) => addNetns(`${PREFIX}par${i}`));
    const started = Date.now();
    const runs = await Promise.all(netns.map((path, i) => cni('ADD', podEnv(`par-${i}`, path))));
    console.log(`50 parallel ADDs took ${Date.now() - started} ms wall`);
    for (const r of runs) expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(new Set(runs.map(ipOf)).size).toBe(50);
    expect(reservations()).toHaveLength(51); // + pod b
    const gc = await cni('GC', {}, conf({ 'cni.dev/valid-attachments': [{ containerID: 'ctr-b', ifname: 'eth0' }] }));
    expect(gc.code, gc.stdout + gc.stderr).toBe(0);
    expect(reservations()).toEqual([ipOf(addB)]);
    expect(await ourVeths()).toEqual([hostVethOf(addB)]);
    for (let i = 0; i < 50; i++) delNetns(`${PREFIX}par${i}`);
  });

  it('kill -9 in the middle of ADD leaks nothing that GC does not reclaim (100 ADD/DEL cycles)', { timeout: 90_000 }, async () => {
    const latencies: number[] = [];
    const valid = [{ containerID: 'ctr-b', ifname: 'eth0' }];
    const keptVeths = [hostVethOf(addB)];
    const keptIps = [ipOf(addB)];
    let killed = 0;
    for (let i = 0; i < 100; i++) {
      const id = `cyc-${i}`;
      const env = podEnv(id, addNetns(`${PREFIX}k${i}`));
      if (i % 3 === 0) {
        // SIGKILL somewhere between process start and the end of the pod-side batch
        const run = await cni('ADD', env, conf(), 30 + ((i * 13) % 90));
        if (run.signal === 'SIGKILL') killed++;
        if (i % 2 === 0) expect((await cni('DEL', env)).code).toBe(0); // the runtime survived and cleans up
        continue; // otherwise the runtime died too: only GC can reclaim
      }
      const add = await cni('ADD', env);
      expect(add.code, add.stdout + add.stderr).toBe(0);
      latencies.push(add.ms);
      if (i % 10 === 1) {
        valid.push({ containerID: id, ifname: 'eth0' });
        keptVeths.push(hostVethOf(add));
        keptIps.push(ipOf(add));
      } else {
        expect((await cni('DEL', env)).code).toBe(0);
      }
    }
    // The kills must really have left debris, or this test proves nothing.
    const leakedIps = reservations().length - keptIps.length;
    const leakedVeths = (await ourVeths()).length - keptVeths.length;
    expect(leakedIps).toBeGreaterThan(0);
    expect(leakedVeths).toBeGreaterThan(0);
    const gc = await cni('GC', {}, conf({ 'cni.dev/valid-attachments': valid }));
    expect(gc.code, gc.stdout + gc.stderr).toBe(0);
    expect(reservations()).toEqual([...keptIps].sort());
    expect(await ourVeths()).toEqual([...keptVeths].sort());
    expect(storeFiles().filter((f) => !/^\d/.test(f))).toEqual(['last_reserved_ip.0']); // no lock, no guard
    expect(killed).toBeGreaterThan(10);
    // survivors still work after GC
    for (const v of valid.slice(1)) {
      const ns = `${PREFIX}k${v.containerID.slice(4)}`;
      sh('ip', ['netns', 'exec', ns, 'busybox', 'ping', '-c', '1', '-W', '2', '10.244.1.1']);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(
      `tug-cni ADD latency over ${sorted.length} sequential ADDs (process spawn to exit, incl. nsenter): ` +
        `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms; ` +
        `SIGKILLed ADDs: ${killed}, leaked before GC: ${leakedIps} IPs, ${leakedVeths} veths`,
    );
  });
});
