// The overlay daemon for real: a `tug server` (whose node-ipam controller assigns podCIDRs), three
// hand-made netns nodes, one in-process overlay per node programming that node's netns through real
// iproute2/iptables, and pods wired by the real tug-cni plugin. Asserts what a user would see: pods reach
// each other across nodes over VXLAN with their real source IP, outside traffic is masqueraded, a removed
// node leaves nothing behind, a restarted overlay keeps open connections alive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildOverlay, CommandNodeSystem, type Overlay } from '../../../cni/overlay/index.js';
import { IpRoute2Netlink } from '../../../cni/netlink/iproute2.js';
import type { Netlink } from '../../../cni/netlink/netlink.js';
import type { KubeObject } from '../../../control/api/object.js';
import { findResource } from '../../../control/api/resources.js';
import type { ApiClient } from '../../../control/client/index.js';
import { startControlPlane, type TestControlPlane } from '../../support/control-plane.js';
import { NetnsLab, sh, type LabPod } from './lab.js';

const NODES = findResource('', 'v1', 'nodes')!;
const lab = new NetnsLab('ov');
let cp: TestControlPlane;
let client: ApiClient;
const overlays = new Map<number, Overlay>();
const podCidr = new Map<number, string>();
const pods = new Map<number, LabPod>();

/** Counts the batch lines an overlay sends, to prove a restart sends none. */
class CountingNetlink extends IpRoute2Netlink {
  lines: string[] = [];
  override ipBatch(...args: Parameters<Netlink['ipBatch']>) {
    this.lines.push(...args[1]);
    return super.ipBatch(...args);
  }
  override bridgeBatch(...args: Parameters<Netlink['bridgeBatch']>) {
    this.lines.push(...args[1]);
    return super.bridgeBatch(...args);
  }
}

async function eventually<T>(what: string, fn: () => Promise<T> | T, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${what}: ${(last as Error)?.message}`);
}

function startOverlay(i: number, netlink: Netlink = new IpRoute2Netlink()): Overlay {
  const ns = lab.nodeNs(i);
  const o = buildOverlay({
    client, nodeName: ns, nodeIP: lab.nodeIP(i), log: pino({ level: 'warn' }).child({ node: ns }), metrics: new Registry(),
    clusterCidr: '10.244.0.0/16', underlayDevice: 'eth0', netlink, netns: { kind: 'named', name: ns },
    system: new CommandNodeSystem(ns), nodeMode: 'netns', serviceCidr: '10.96.0.0/12',
  });
  overlays.set(i, o);
  return o;
}

type Route = { dst: string; gateway?: string; flags?: string[] };
type Neigh = { dst: string; lladdr?: string; state?: string[] };
type Fdb = { mac: string; dst?: string };
const overlayRoutes = (i: number) => lab.json<Route[]>(lab.nodeNs(i), ['route', 'show', 'dev', 'flannel.1']);
const overlayNeigh = (i: number) => lab.json<Neigh[]>(lab.nodeNs(i), ['neigh', 'show', 'dev', 'flannel.1']);
const overlayFdb = (i: number) => lab.json<Fdb[]>(lab.nodeNs(i), ['fdb', 'show', 'dev', 'flannel.1'], 'bridge');

beforeAll(async () => {
  lab.setup();
  cp = await startControlPlane();
  client = cp.client();
  for (const i of [1, 2, 3]) {
    lab.addNode(i);
    await client.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: lab.nodeNs(i) } } as KubeObject);
    // Created one at a time so node i gets the i-th range (the controller gives the lowest free /24).
    podCidr.set(i, await eventually(`podCIDR of node ${i}`, async () => {
      const n = await client.get<KubeObject & { spec?: { podCIDR?: string; podCIDRs?: string[] } }>(NODES, undefined, lab.nodeNs(i));
      if (!n.spec?.podCIDR) throw new Error('not assigned yet');
      expect(n.spec.podCIDRs).toEqual([n.spec.podCIDR]);
      return n.spec.podCIDR;
    }));
  }
  for (const i of [1, 2, 3]) await startOverlay(i).start();
  for (const i of [1, 2, 3]) {
    pods.set(i, lab.addPod(i, `p${i}`, podCidr.get(i)!));
    await lab.serve(pods.get(i)!.netns, pods.get(i)!.ip);
  }
}, 180_000);

afterAll(async () => {
  for (const o of overlays.values()) await o.stop().catch(() => undefined);
  await lab.cleanup();
  await cp?.stop();
});

describe('overlay between netns nodes', () => {
  it('node-ipam gives each node the lowest free /24, never twice', () => {
    expect([...podCidr.values()]).toEqual(['10.244.1.0/24', '10.244.2.0/24', '10.244.3.0/24']);
  });

  it('publishes the flannel annotations and installs one route, neighbour and FDB entry per peer', async () => {
    await eventually('programmed', () => {
      for (const i of [1, 2, 3]) expect(overlayRoutes(i)).toHaveLength(2);
    });
    const n2 = await client.get(NODES, undefined, lab.nodeNs(2));
    expect(n2.metadata.annotations).toMatchObject({
      'flannel.alpha.coreos.com/backend-type': 'vxlan',
      'flannel.alpha.coreos.com/backend-data': '{"VNI":1,"VtepMAC":"0e:00:0a:c9:00:0c"}',
      'flannel.alpha.coreos.com/public-ip': '10.201.0.12',
    });
    expect(overlayRoutes(1).sort((x, y) => x.dst.localeCompare(y.dst))).toEqual([
      { dst: '10.244.2.0/24', gateway: '10.244.2.0', flags: ['onlink'] },
      { dst: '10.244.3.0/24', gateway: '10.244.3.0', flags: ['onlink'] },
    ]);
    expect(overlayNeigh(1).map((n) => [n.dst, n.lladdr, n.state]).sort()).toEqual([
      ['10.244.2.0', '0e:00:0a:c9:00:0c', ['PERMANENT']], ['10.244.3.0', '0e:00:0a:c9:00:0d', ['PERMANENT']],
    ]);
    expect(overlayFdb(1).map((f) => [f.mac, f.dst]).sort()).toEqual([
      ['0e:00:0a:c9:00:0c', '10.201.0.12'], ['0e:00:0a:c9:00:0d', '10.201.0.13'],
    ]);
    const link = lab.json<{ mtu: number; linkinfo: { info_data: { id: number; port: number; local: string; learning: boolean } } }[]>(lab.nodeNs(1), ['-d', 'link', 'show', 'flannel.1'])[0]!;
    expect(link.mtu).toBe(1450);
    expect(link.linkinfo.info_data).toMatchObject({ id: 1, port: 8472, local: '10.201.0.11', learning: false });
    expect(sh('ip', ['-n', lab.nodeNs(1), 'route', 'show', '10.96.0.0/12'])).toContain('dev eth0');
    expect(sh('ip', ['netns', 'exec', lab.nodeNs(1), 'sysctl', '-n', 'net.ipv4.ip_forward']).trim()).toBe('1');
  });

  it('pod to pod across nodes over VXLAN and on the same node: the server sees the real pod IP', async () => {
    const p1 = pods.get(1)!;
    for (const target of [2, 3]) {
      const reply = await eventually(`pod1 → pod${target}`, () => lab.get(p1.netns, pods.get(target)!.ip));
      expect(reply.client).toBe(p1.ip);
    }
    const local = lab.addPod(1, 'p1b', podCidr.get(1)!);
    const reply = await lab.get(local.netns, p1.ip);
    expect(reply.client).toBe(local.ip);
    const stats = lab.json<{ stats64?: { tx: { packets: number } } }[]>(lab.nodeNs(1), ['-s', 'link', 'show', 'flannel.1'])[0]!;
    expect(stats.stats64!.tx.packets).toBeGreaterThan(0);
  });

  it('pod traffic to outside the cluster CIDR is masqueraded to the node IP', async () => {
    const outside = lab.addUnderlayHost('x', '10.201.0.100');
    await lab.serve(outside, '10.201.0.100');
    const reply = await lab.get(pods.get(1)!.netns, '10.201.0.100');
    expect(reply.client).toBe(lab.nodeIP(1));
  });

  it('a restarted overlay applies nothing and an open TCP connection across nodes keeps working', async () => {
    const conn = lab.connectEcho(pods.get(1)!.netns, pods.get(2)!.ip, 8081);
    expect(await conn.send('before')).toBe('before');
    const kernelBefore = [overlayRoutes(1), overlayNeigh(1), overlayFdb(1)];
    await overlays.get(1)!.stop();
    const counting = new CountingNetlink();
    const restarted = startOverlay(1, counting);
    const synced = restarted.whenSynced();
    await restarted.start();
    await synced;
    expect(counting.lines).toEqual([]);
    expect([overlayRoutes(1), overlayNeigh(1), overlayFdb(1)]).toEqual(kernelBefore);
    expect(await conn.send('after')).toBe('after');
    conn.close();
  });

  it('a removed node leaves no route, neighbour or FDB entry behind on the others', async () => {
    await overlays.get(3)!.stop();
    overlays.delete(3);
    await client.delete(NODES, undefined, lab.nodeNs(3));
    await eventually('node 3 forgotten', () => {
      for (const i of [1, 2]) {
        expect(overlayRoutes(i).map((r) => r.dst)).toEqual([podCidr.get(i === 1 ? 2 : 1)]);
        expect(overlayNeigh(i).map((n) => n.dst)).not.toContain('10.244.3.0');
        expect(overlayFdb(i).map((f) => f.dst)).not.toContain(lab.nodeIP(3));
        expect(overlayFdb(i)).toHaveLength(1);
      }
    });
    // The others still reach each other.
    expect((await lab.get(pods.get(2)!.netns, pods.get(1)!.ip)).client).toBe(pods.get(2)!.ip);
  });

  it('a re-added node gets the freed range back and becomes reachable without touching the others', async () => {
    const counting = new CountingNetlink();
    const before1 = overlayRoutes(1);
    await client.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: lab.nodeNs(3) } } as KubeObject);
    const cidr = await eventually('podCIDR of node 3 again', async () => {
      const n = await client.get<KubeObject & { spec?: { podCIDR?: string } }>(NODES, undefined, lab.nodeNs(3));
      if (!n.spec?.podCIDR) throw new Error('not yet');
      return n.spec.podCIDR;
    });
    expect(cidr).toBe('10.244.3.0/24');
    await startOverlay(3, counting).start();
    await eventually('node 1 learns node 3', () => expect(overlayRoutes(1)).toHaveLength(2));
    expect(overlayRoutes(1)).toEqual(expect.arrayContaining(before1));
    const reply = await eventually('pod1 → pod3', () => lab.get(pods.get(1)!.netns, pods.get(3)!.ip));
    expect(reply.client).toBe(pods.get(1)!.ip);
  });
});
