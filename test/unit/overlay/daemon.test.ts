// The overlay daemon against the behaving netlink fake, an in-memory Node API and a recording NodeSystem:
// what ends up in the (fake) kernel, and exactly which batch lines each change costs.
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildOverlay, overlayAnnotations, vtepMacFor, type Overlay } from '../../../cni/overlay/index.js';
import type { NodeSystem } from '../../../cni/overlay/node-system.js';
import type { KubeObject } from '../../../control/api/object.js';
import { FakeNetlink } from '../../fakes/netlink.js';
import { FakeNodeApi } from './fake-node-api.js';

const NS = { kind: 'named', name: 'node1' } as const;

class RecordingSystem implements NodeSystem {
  sysctls: Record<string, string> = {};
  restores: string[] = [];
  rules = new Set<string>();
  async sysctl(s: Readonly<Record<string, string>>) {
    Object.assign(this.sysctls, s);
    return [];
  }
  async iptablesRestore(payload: string) {
    this.restores.push(payload);
  }
  async iptables(args: readonly string[]) {
    const [, , verb, ...rule] = args;
    const key = rule.join(' ');
    if (verb === '-C') return this.rules.has(key) ? 0 : 1;
    this.rules.add(key);
    return 0;
  }
}

const ip = (i: number) => `10.200.0.${10 + i}`;
const nodeObj = (i: number, withAnnotations = true): KubeObject => ({
  metadata: { name: `n${i}`, ...(withAnnotations ? { annotations: overlayAnnotations(ip(i), vtepMacFor(ip(i))) } : {}) },
  spec: { podCIDR: `10.244.${i}.0/24`, podCIDRs: [`10.244.${i}.0/24`] },
});

async function eventually(check: () => void, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

function setup() {
  const netlink = new FakeNetlink();
  netlink.addNetns('node1');
  void netlink.ipBatch(NS, ['link add eth0 mtu 1500 type veth peer name peer0', 'addr add 10.200.0.11/24 dev eth0', 'link set eth0 up']);
  const api = new FakeNodeApi();
  const system = new RecordingSystem();
  const overlays: Overlay[] = [];
  const make = () => {
    const o = buildOverlay({
      client: api, nodeName: 'n1', nodeIP: ip(1), log: pino({ level: 'silent' }), metrics: new Registry(),
      clusterCidr: '10.244.0.0/16', underlayDevice: 'eth0', netlink, netns: NS, system,
      nodeMode: 'netns', serviceCidr: '10.96.0.0/12', minSyncIntervalMs: 0,
    });
    overlays.push(o);
    return o;
  };
  const lines = () => netlink.applied.filter((a) => a.ns === 'node1').map((a) => a.line);
  return { netlink, api, system, make, overlays, lines };
}

let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops) await s();
  stops = [];
});

describe('overlay daemon', () => {
  it('creates flannel.1, sets the node up, publishes annotations and programs one route/neigh/fdb per peer', async () => {
    const t = setup();
    t.api.set(nodeObj(1, false));
    t.api.set(nodeObj(2));
    t.api.set(nodeObj(3));
    const o = t.make();
    stops.push(() => o.stop());
    await o.start();
    await eventually(() => expect(o.status().peers).toBe(2));

    const link = await t.netlink.link(NS, 'flannel.1');
    expect(link).toMatchObject({ kind: 'vxlan', mac: '0e:00:0a:c8:00:0b', mtu: 1450, up: true });
    expect(await t.netlink.addresses(NS, 'flannel.1')).toEqual([{ dev: 'flannel.1', family: 'inet', local: '10.244.1.0', prefixLen: 32 }]);
    expect((await t.netlink.routes(NS, 'eth0')).map((r) => r.dst)).toContain('10.96.0.0/12');
    expect((await t.netlink.routes(NS, 'flannel.1')).map((r) => [r.dst, r.gateway, r.flags])).toEqual([
      ['10.244.2.0/24', '10.244.2.0', ['onlink']], ['10.244.3.0/24', '10.244.3.0', ['onlink']],
    ]);
    expect((await t.netlink.neighbours(NS, 'flannel.1')).map((n) => [n.dst, n.lladdr, n.state])).toEqual([
      ['10.244.2.0', '0e:00:0a:c8:00:0c', ['PERMANENT']], ['10.244.3.0', '0e:00:0a:c8:00:0d', ['PERMANENT']],
    ]);
    expect((await t.netlink.fdb(NS, 'flannel.1')).map((f) => [f.mac, f.dst])).toEqual([
      ['0e:00:0a:c8:00:0c', '10.200.0.12'], ['0e:00:0a:c8:00:0d', '10.200.0.13'],
    ]);
    expect(t.system.sysctls).toMatchObject({
      'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.rp_filter': '0', 'net.bridge.bridge-nf-call-iptables': '1', 'net.ipv6.conf.all.disable_ipv6': '1',
    });
    expect(t.system.restores[0]).toContain('-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.0.0/16');
    expect(t.system.restores[0]).not.toMatch(/KUBE-/);
    expect([...t.system.rules]).toEqual(['POSTROUTING -m comment --comment tugboat overlay masquerade -j FLANNEL-POSTRTG']);
    await eventually(() => expect(t.api.get('n1')!.metadata.annotations).toEqual(overlayAnnotations(ip(1), vtepMacFor(ip(1)))));
  });

  it('node added / removed / moved → only the difference is applied', async () => {
    const t = setup();
    t.api.set(nodeObj(1));
    t.api.set(nodeObj(2));
    const o = t.make();
    stops.push(() => o.stop());
    await o.start();
    await eventually(() => expect(o.status().peers).toBe(1));

    let mark = t.lines().length;
    t.api.set(nodeObj(3));
    await eventually(() => expect(o.status().peers).toBe(2));
    expect(t.lines().slice(mark)).toEqual([
      'fdb replace 0e:00:0a:c8:00:0d dev flannel.1 dst 10.200.0.13 self permanent',
      'neigh replace 10.244.3.0 lladdr 0e:00:0a:c8:00:0d dev flannel.1 nud permanent',
      'route replace 10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink',
    ]);

    mark = t.lines().length;
    t.api.delete('n2');
    await eventually(() => expect(o.status().peers).toBe(1));
    expect(t.lines().slice(mark)).toEqual([
      'fdb del 0e:00:0a:c8:00:0c dev flannel.1 dst 10.200.0.12 self',
      'route del 10.244.2.0/24 dev flannel.1',
      'neigh del 10.244.2.0 dev flannel.1',
    ]);
    expect((await t.netlink.routes(NS, 'flannel.1')).map((r) => r.dst)).toEqual(['10.244.3.0/24']);

    // An unrelated change to a node (a label) costs nothing.
    mark = t.lines().length;
    t.api.set({ ...nodeObj(3), metadata: { ...nodeObj(3).metadata, labels: { a: 'b' } } });
    await new Promise((r) => setTimeout(r, 100));
    expect(t.lines().slice(mark)).toEqual([]);
  });

  it('a restarted daemon finds the kernel right and applies nothing', async () => {
    const t = setup();
    for (const i of [1, 2, 3]) t.api.set(nodeObj(i));
    const first = t.make();
    await first.start();
    await eventually(() => expect(first.status().peers).toBe(2));
    await first.stop();

    const mark = t.lines().length;
    const second = t.make();
    stops.push(() => second.stop());
    await second.start();
    await eventually(() => expect(second.status().synced).toBe(true));
    expect(t.lines().slice(mark)).toEqual([]);
  });

  it('a restart after a node vanished while it was down removes exactly that node', async () => {
    const t = setup();
    for (const i of [1, 2, 3]) t.api.set(nodeObj(i));
    const first = t.make();
    await first.start();
    await eventually(() => expect(first.status().peers).toBe(2));
    await first.stop();
    t.api.delete('n3');

    const mark = t.lines().length;
    const second = t.make();
    stops.push(() => second.stop());
    await second.start();
    await eventually(() => expect(second.status().peers).toBe(1));
    expect(t.lines().slice(mark)).toEqual([
      'fdb del 0e:00:0a:c8:00:0d dev flannel.1 dst 10.200.0.13 self',
      'route del 10.244.3.0/24 dev flannel.1',
      'neigh del 10.244.3.0 dev flannel.1',
    ]);
  });

  it('does nothing before the node cache has synced (an empty cache never removes peers)', async () => {
    const t = setup();
    for (const i of [1, 2]) t.api.set(nodeObj(i));
    const first = t.make();
    await first.start();
    await eventually(() => expect(first.status().peers).toBe(1));
    await first.stop();

    t.api.holdLists();
    const mark = t.lines().length;
    const second = t.make();
    stops.push(() => second.stop());
    await second.start();
    await new Promise((r) => setTimeout(r, 150));
    expect(t.lines().slice(mark)).toEqual([]);
    expect(second.status().synced).toBe(false);
    t.api.releaseLists();
    await eventually(() => expect(second.status().synced).toBe(true));
    expect((await t.netlink.routes(NS, 'flannel.1')).map((r) => r.dst)).toEqual(['10.244.2.0/24']);
  });

  it('a failed apply is retried from the kernel state and converges', async () => {
    const t = setup();
    for (const i of [1, 2]) t.api.set(nodeObj(i));
    t.netlink.failWhen((ns, line) => ns === 'node1' && line.startsWith('route replace 10.244.2.0/24'), 'RTNETLINK answers: Network is unreachable');
    const o = t.make();
    stops.push(() => o.stop());
    await o.start();
    await eventually(() => expect(o.status().lastError).toMatch(/unreachable/));
    await eventually(() => expect(o.status().synced && o.status().lastError === undefined).toBe(true), 5000);
    expect((await t.netlink.routes(NS, 'flannel.1')).map((r) => r.dst)).toEqual(['10.244.2.0/24']);
  });

  it('recreates flannel.1 made for another node IP (wrong MAC) and reprograms it', async () => {
    const t = setup();
    for (const i of [1, 2]) t.api.set(nodeObj(i));
    await t.netlink.ipBatch(NS, ['link add flannel.1 address 0e:00:0a:c8:00:63 mtu 1450 type vxlan id 1 local 10.200.0.99 dev eth0 dstport 8472 nolearning']);
    const o = t.make();
    stops.push(() => o.stop());
    await o.start();
    await eventually(() => expect(o.status().peers).toBe(1));
    expect((await t.netlink.link(NS, 'flannel.1'))!.mac).toBe('0e:00:0a:c8:00:0b');
    expect((await t.netlink.fdb(NS, 'flannel.1')).map((f) => f.dst)).toEqual(['10.200.0.12']);
  });
});
