// `tug up --nodes N` end to end, as a user runs it: netns nodes with real agents (kubelet, overlay, proxy,
// DNS) against a real control plane, pods as Docker containers, the real kubectl. State lives in a temp
// TUG_STATE_ROOT and the user kubeconfig in a temp file, so nothing outside this test is touched; the last
// test checks that `tug down` leaves no trace, and afterAll runs `tug down --purge` again in any case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { localCluster } from '../../support/local-cluster.js';

const NAME = 'e2enodes';
const cluster = localCluster(NAME);
const root = cluster.root;
const ns = (i: number) => cluster.node(i);
const tug = cluster.tug;
const k = (...args: string[]): Promise<string> => cluster.k(args);
const kIn = (input: string, ...args: string[]): Promise<string> => cluster.k(args, input);

function httpGet(ip: string, port = 8080): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port, path: '/', timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve(JSON.parse(body) as Record<string, string>));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${ip}:${port} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** `kubectl exec POD -- wget` (busybox `wget -T` segfaults here, so `timeout` bounds it): the testapp JSON. */
async function getFrom(pod: string, ip: string): Promise<Record<string, string>> {
  return JSON.parse(await k('exec', pod, '--', 'timeout', '5', 'wget', '-qO-', `http://${ip}:8080/`)) as Record<string, string>;
}

function podManifest(name: string, node: string): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'e2enodes' } },
    spec: { nodeName: node, containers: [{ name: 'app', image: 'tugboat/testapp:latest', imagePullPolicy: 'Never' }] },
  });
}

async function podIP(name: string): Promise<string> {
  return (await k('get', 'pod', name, '-o', 'jsonpath={.status.podIP}')).trim();
}

interface NodeJson { metadata: { name: string }; spec: { podCIDR?: string }; status: { conditions?: { type: string; status: string }[] } }

async function nodes(): Promise<NodeJson[]> {
  return (JSON.parse(await k('get', 'nodes', '-o', 'json')) as { items: NodeJson[] }).items;
}

const netnsList = () => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.split(' ')[0]).filter((n) => n?.startsWith(`tug-${NAME}-`));
const ipJson = <T>(...args: string[]) => JSON.parse(spawnSync('ip', ['-json', ...args], { encoding: 'utf8' }).stdout || '[]') as T;
const agentPid = (node: string) => readFileSync(join(root, NAME, 'run', `agent-${node}.pid.child`), 'utf8').trim();

beforeAll(async () => {
  const r = await tug('up', '--name', NAME, '--nodes', '2');
  if (r.code !== 0) throw new Error(`tug up failed (${r.code}): ${r.stdout}${r.stderr}`);
}, 300_000);

afterAll(async () => {
  await cluster.kubectl(['delete', 'pods', '--all', '--wait=false']).catch(() => undefined);
  await cluster.stop();
}, 300_000);

describe('tug up --nodes', () => {
  it('brings up 2 Ready nodes with podCIDRs, host routes to them and a route to the service CIDR', async () => {
    const list = await nodes();
    expect(list.map((n) => n.metadata.name).sort()).toEqual([ns(1), ns(2)]);
    for (const n of list) {
      expect(n.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(n.spec.podCIDR).toMatch(/^10\.244\.\d+\.0\/24$/);
    }
    const routes = ipJson<{ dst: string; gateway?: string }[]>('route', 'show', 'dev', 'tug0');
    for (const [i, n] of [ns(1), ns(2)].entries()) {
      const cidr = list.find((x) => x.metadata.name === n)!.spec.podCIDR!;
      expect(routes).toContainEqual(expect.objectContaining({ dst: cidr, gateway: `10.200.0.${11 + i}` }));
    }
    expect(routes).toContainEqual(expect.objectContaining({ dst: '10.96.0.0/12', gateway: '10.200.0.11' }));
    expect(netnsList().sort()).toEqual([ns(1), ns(2)]);
  });

  it('tug status lists each node with its IP, readiness and agent PID', async () => {
    const r = await tug('status', '--name', NAME);
    expect(r.code).toBe(0);
    for (const i of [1, 2]) {
      const line = r.stdout.split('\n').find((l) => l.startsWith(`node/${ns(i)}`));
      expect(line).toBeDefined();
      expect(line).toMatch(new RegExp(`Ready\\s+${agentPid(ns(i))}\\s+10\\.200\\.0\\.${10 + i} podCIDR 10\\.244\\.`));
    }
  });

  it('a pod on node 1 reaches pods on node 2 and node 1 with its real IP; the host reaches every pod', async () => {
    await kIn(podManifest('n1a', ns(1)), 'apply', '-f', '-');
    await kIn(podManifest('n1b', ns(1)), 'apply', '-f', '-');
    await kIn(podManifest('n2a', ns(2)), 'apply', '-f', '-');
    await k('wait', '--for=condition=Ready', 'pod/n1a', 'pod/n1b', 'pod/n2a', '--timeout=90s');
    const [a, b, c] = [await podIP('n1a'), await podIP('n1b'), await podIP('n2a')];
    const cross = await getFrom('n1a', c);
    expect(cross).toMatchObject({ pod: 'n2a', ip: c, client: a });
    const same = await getFrom('n1a', b);
    expect(same).toMatchObject({ pod: 'n1b', ip: b, client: a });
    for (const [ip, pod] of [[a, 'n1a'], [b, 'n1b'], [c, 'n2a']] as const) expect((await httpGet(ip)).pod).toBe(pod);
  });

  it('tug up --nodes 3 adds node 3 without touching the others; its pods are reachable from existing pods', async () => {
    const before = { 1: agentPid(ns(1)), 2: agentPid(ns(2)) };
    const r = await tug('up', '--name', NAME, '--nodes', '3');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(agentPid(ns(1))).toBe(before[1]);
    expect(agentPid(ns(2))).toBe(before[2]);
    const list = await nodes();
    expect(list.map((n) => n.metadata.name).sort()).toEqual([ns(1), ns(2), ns(3)]);
    const restarts = (await k('get', 'pod', 'n1a', '-o', 'jsonpath={.status.containerStatuses[0].restartCount}')).trim();
    expect(restarts).toBe('0');

    await kIn(podManifest('n3a', ns(3)), 'apply', '-f', '-');
    await k('wait', '--for=condition=Ready', 'pod/n3a', '--timeout=90s');
    const ip3 = await podIP('n3a');
    expect(await getFrom('n1a', ip3)).toMatchObject({ pod: 'n3a', client: await podIP('n1a') });
    expect((await httpGet(ip3)).pod).toBe('n3a');
  });

  it('tug up --nodes 2 removes node 3: Node, agent, containers, netns and every overlay entry on the others', async () => {
    const cidr3 = (await nodes()).find((n) => n.metadata.name === ns(3))!.spec.podCIDR!;
    const r = await tug('up', '--name', NAME, '--nodes', '2');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await nodes()).map((n) => n.metadata.name).sort()).toEqual([ns(1), ns(2)]);
    expect(netnsList()).not.toContain(ns(3));
    const left = spawnSync('docker', ['ps', '-aq', '--filter', `label=tugboat.node=${ns(3)}`], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('');
    expect(ipJson<{ dst: string }[]>('route', 'show', 'dev', 'tug0').map((x) => x.dst)).not.toContain(cidr3);
    const gw3 = cidr3.split('/')[0]!;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const leftovers = [1, 2].flatMap((i) => [
        ...ipJson<{ dst: string }[]>('-n', ns(i), 'route', 'show', 'dev', 'flannel.1').filter((x) => x.dst === cidr3),
        ...ipJson<{ dst: string }[]>('-n', ns(i), 'neigh', 'show', 'dev', 'flannel.1').filter((x) => x.dst === gw3),
        ...(JSON.parse(spawnSync('bridge', ['-n', ns(i), '-json', 'fdb', 'show', 'dev', 'flannel.1'], { encoding: 'utf8' }).stdout || '[]') as { dst?: string }[])
          .filter((x) => x.dst === '10.200.0.13'),
      ]);
      if (leftovers.length === 0) break;
      if (Date.now() > deadline) throw new Error(`overlay entries for node 3 left behind: ${JSON.stringify(leftovers)}`);
      await new Promise((res) => setTimeout(res, 200));
    }
    // The remaining nodes still talk to each other.
    expect(await getFrom('n1a', await podIP('n2a'))).toMatchObject({ pod: 'n2a' });
  });

  it('tug down leaves no netns, link, route or container behind', async () => {
    const r = await tug('down', '--name', NAME);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(netnsList()).toEqual([]);
    const links = ipJson<{ ifname: string }[]>('link', 'show').map((l) => l.ifname);
    expect(links.filter((l) => l === 'tug0' || /^tugu\d+$/.test(l))).toEqual([]);
    const routes = ipJson<{ dst: string }[]>('route', 'show').map((x) => x.dst);
    expect(routes.filter((d) => d.startsWith('10.244.') || d === '10.96.0.0/12' || d.startsWith('10.200.0.'))).toEqual([]);
    const containers = spawnSync('docker', ['ps', '-aq', '--filter', `label=tugboat.cluster=${NAME}`], { encoding: 'utf8' }).stdout.trim();
    expect(containers).toBe('');
    expect(existsSync(join(root, NAME, 'nodes', ns(1)))).toBe(true); // node state is kept for the next `tug up`
  });
});
