// Cluster DNS end to end on `tug up --nodes 2`, as issue 6's "Done when" states it: busybox
// `nslookup` from pods (through 10.96.0.10, answered by each node's own DNS) for short and
// qualified names, headless services, SRV, PTR, ExternalName, dns-version, NXDOMAIN, a Service
// appearing and disappearing, and a name outside the cluster forwarded to an upstream we start on
// the host bridge (10.200.0.1, named by `tug up --dns-upstream`) and cached.
//
// busybox nslookup exits 1 whenever any search suffix fails, so the assertions read its output
// (recipe gotcha 1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TUG_ENTRY } from '../../support/control-plane.js';
import { TYPE } from '../../../dataplane/dns/wire.js';
import { startUpstream, type TestUpstream } from '../../unit/dns/upstream.js';
import { findFreePort } from '../../../control/store/free-port.js';

const NAME = 'e2edns';
const root = mkdtempSync(join(tmpdir(), 'tug-e2e-dns-'));
const env = { ...process.env, TUG_STATE_ROOT: root, KUBECONFIG: join(root, 'user-kubeconfig') };
const kubeconfig = join(root, NAME, 'kubeconfig');
const node = (i: number): string => `tug-${NAME}-${i}`;
const HOST_BRIDGE_IP = '10.200.0.1';
let up: TestUpstream | undefined;

interface Run { code: number; stdout: string; stderr: string }

function run(cmd: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const p = execFile(cmd, args, { env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    p.stdin!.end(opts.input ?? '');
  });
}

const tug = (...args: string[]): Promise<Run> => run(process.execPath, [TUG_ENTRY, ...args], { timeoutMs: 300_000 });

async function k(args: string[], input?: string): Promise<string> {
  const r = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { input, timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** busybox nslookup inside a pod; stdout and stderr together (it prints failures on stderr). */
async function nslookup(pod: string, ns: string, ...args: string[]): Promise<string> {
  const r = await run('kubectl', ['--kubeconfig', kubeconfig, 'exec', '-n', ns, pod, '--', 'nslookup', ...args], { timeoutMs: 60_000 });
  return r.stdout + r.stderr;
}

const podManifest = (name: string, ns: string, nodeIndex: number, labels: Record<string, string>, extra: Record<string, unknown> = {}): object => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels },
  spec: { nodeName: node(nodeIndex), containers: [{ name: 'app', image: 'tugboat/testapp:latest', imagePullPolicy: 'Never', env: [{ name: 'POD_NAME', value: name }] }], ...extra },
});

let clusterIP = '';
const podIPs: Record<string, string> = {};

beforeAll(async () => {
  const upstreamPort = await findFreePort();
  const r = await tug('up', '--name', NAME, '--nodes', '2', '--dns-upstream', `${HOST_BRIDGE_IP}:${upstreamPort}`);
  if (r.code !== 0) throw new Error(`tug up failed: ${r.stdout}${r.stderr}`);
  // The bridge exists once the cluster is up; the nodes' DNS only asks it when a test does.
  up = await startUpstream({ 'example.test': [{ type: TYPE.A, ttl: 300, address: '198.51.100.7' }] }, HOST_BRIDGE_IP, upstreamPort);
  await k(['create', 'namespace', 'other']);
  const items = [
    podManifest('getip-1', 'default', 1, { app: 'getip' }),
    podManifest('web-a', 'default', 1, { app: 'web' }, { hostname: 'a', subdomain: 'web' }),
    podManifest('web-b', 'default', 2, { app: 'web' }, { hostname: 'b', subdomain: 'web' }),
    podManifest('client', 'default', 1, { app: 'client' }),
    podManifest('client', 'other', 2, { app: 'client' }),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'getip', namespace: 'default' }, spec: { selector: { app: 'getip' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 8080 }] } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: 'default' }, spec: { type: 'ExternalName', externalName: 'example.test' } },
  ];
  await k(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  await k(['wait', '--for=condition=Ready', 'pod', '--all', '-n', 'default', '--timeout=180s']);
  await k(['wait', '--for=condition=Ready', 'pod', '--all', '-n', 'other', '--timeout=180s']);
  clusterIP = (await k(['get', 'svc', 'getip', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  for (const p of ['web-a', 'web-b']) podIPs[p] = (await k(['get', 'pod', p, '-o', 'jsonpath={.status.podIP}'])).trim();
}, 600_000);

afterAll(async () => {
  await up?.close();
  await tug('down', '--name', NAME, '--purge');
  rmSync(root, { recursive: true, force: true });
}, 300_000);

describe('cluster DNS from pods (busybox nslookup via 10.96.0.10)', () => {
  it('getip, getip.default and getip.default.svc.cluster.local resolve to the ClusterIP from default', async () => {
    for (const name of ['getip', 'getip.default', 'getip.default.svc.cluster.local']) {
      expect(await nslookup('client', 'default', name), name).toContain(`Address: ${clusterIP}`);
    }
  });

  it('from another namespace (on the other node) the short name fails and getip.default works', async () => {
    expect(await nslookup('client', 'other', 'getip')).not.toContain(`Address: ${clusterIP}`);
    expect(await nslookup('client', 'other', 'getip.default')).toContain(`Address: ${clusterIP}`);
  });

  it('headless: the ready pod IPs, and hostname.subdomain records', async () => {
    const out = await nslookup('client', 'default', 'web.default.svc.cluster.local');
    expect(out).toContain(`Address: ${podIPs['web-a']}`);
    expect(out).toContain(`Address: ${podIPs['web-b']}`);
    expect(await nslookup('client', 'default', 'a.web.default.svc.cluster.local')).toContain(`Address: ${podIPs['web-a']}`);
  });

  it('SRV, PTR, ExternalName and dns-version answer as the spec says; unknown names get NXDOMAIN', async () => {
    const srv = await nslookup('client', 'default', '-type=srv', '_http._tcp.getip.default.svc.cluster.local');
    expect(srv).toMatch(/0 100 80 getip\.default\.svc\.cluster\.local/);
    expect(await nslookup('client', 'default', clusterIP)).toContain('getip.default.svc.cluster.local');
    const ext = await nslookup('client', 'default', 'ext.default.svc.cluster.local');
    expect(ext).toContain('canonical name = example.test');
    expect(ext).toContain('Address: 198.51.100.7');
    expect(await nslookup('client', 'default', '-type=txt', 'dns-version.cluster.local')).toContain('"1.1.0"');
    expect(await nslookup('client', 'default', 'nope.default.svc.cluster.local.')).toContain('NXDOMAIN');
  });

  it('a new Service resolves within a second; a deleted one stops resolving', async () => {
    const loop = (cond: string): string => `i=0; while ${cond}; do i=$((i+1)); [ $i -gt 100 ] && break; sleep 0.1; done; echo $i`;
    await k(['create', 'service', 'clusterip', 'fresh', '--tcp=80:8080']);
    const made = await run('kubectl', ['--kubeconfig', kubeconfig, 'exec', 'client', '--', 'sh', '-c',
      loop("! nslookup fresh.default.svc.cluster.local. 2>&1 | grep -q 'Address: 10\\.'")]);
    expect(Number(made.stdout.trim())).toBeLessThanOrEqual(10);
    await k(['delete', 'service', 'fresh']);
    const gone = await run('kubectl', ['--kubeconfig', kubeconfig, 'exec', 'client', '--', 'sh', '-c',
      loop("nslookup fresh.default.svc.cluster.local. 2>&1 | grep -q 'Address: 10\\.'")]);
    expect(Number(gone.stdout.trim())).toBeLessThanOrEqual(10);
  });

  it('a name outside the cluster is forwarded to the upstream and cached', async () => {
    const before = up!.asked.get('example.test 1') ?? 0;
    for (let i = 0; i < 3; i++) expect(await nslookup('client', 'default', 'example.test.')).toContain('Address: 198.51.100.7');
    // each node has its own cache: at most one upstream query per node
    expect((up!.asked.get('example.test 1') ?? 0) - before).toBeLessThanOrEqual(1);
    // autopath: without the trailing dot the first search-path query already carries the answer
    expect(await nslookup('client', 'default', 'example.test')).toContain('Address: 198.51.100.7');
  });

  it('every node publishes its own kube-dns endpoint', async () => {
    const out = await k(['get', 'endpointslices', '-n', 'kube-system', '-l', 'kubernetes.io/service-name=kube-dns', '-o', 'jsonpath={.items[*].metadata.name}']);
    expect(out.split(/\s+/).sort()).toEqual([`kube-dns-${node(1)}`, `kube-dns-${node(2)}`]);
  });
});
