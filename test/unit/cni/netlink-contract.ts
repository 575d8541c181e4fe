// One behaviour suite for every Netlink implementation: the fake runs it in unit tests
// (test/unit/cni/netlink.test.ts), the real iproute2 wrapper in a real netns in integration tests
// (test/integration/cni/netlink.test.ts). It covers what the CNI plugin and the overlay daemon rely on:
// batch semantics, EEXIST/missing classification, veth/bridge/vxlan links, onlink routes, permanent
// neighbours and FDB entries.
import { expect, it } from 'vitest';
import type { Netlink, NetnsRef } from '../../../cni/netlink/netlink.js';

export function netlinkContract(make: () => { netlink: Netlink; ns: NetnsRef }): void {
  it('creates links from a batch and reads them back typed', async () => {
    const { netlink: nl, ns } = make();
    await nl.ipBatch(ns, [
      'link add cni0 address 0a:58:0a:f4:01:01 mtu 1450 type bridge',
      'addr add 10.244.1.1/24 dev cni0',
      'link set cni0 up',
      'link add tugcontract1 mtu 1450 type veth peer name tugcontract2 mtu 1450',
      'link set tugcontract1 master cni0',
      'link set tugcontract1 type bridge_slave hairpin on',
      'link set tugcontract1 up',
    ]);
    expect(await nl.link(ns, 'cni0')).toMatchObject({ kind: 'bridge', mac: '0a:58:0a:f4:01:01', mtu: 1450, up: true });
    expect(await nl.link(ns, 'tugcontract1')).toMatchObject({ kind: 'veth', master: 'cni0', hairpin: true, mtu: 1450, up: true });
    expect(await nl.link(ns, 'nonexistent0')).toBeUndefined();
    expect(await nl.linkNames(ns)).toEqual(expect.arrayContaining(['cni0', 'tugcontract1', 'tugcontract2']));
    expect((await nl.links(ns, { kind: 'veth' })).map((l) => l.name).sort()).toEqual(['tugcontract1', 'tugcontract2']);
    expect((await nl.addresses(ns, 'cni0')).filter((a) => a.family === 'inet')).toEqual([{ dev: 'cni0', family: 'inet', local: '10.244.1.1', prefixLen: 24 }]);
    // deleting one end of a veth pair deletes both
    await nl.ipBatch(ns, ['link del tugcontract1']);
    expect(await nl.link(ns, 'tugcontract2')).toBeUndefined();
  });

  it('classifies EEXIST and missing devices, and names the failing batch line', async () => {
    const { netlink: nl, ns } = make();
    await nl.ipBatch(ns, ['link add br9 type bridge']);
    const exists = await nl.ipBatch(ns, ['link set br9 up', 'link add br9 type bridge']).catch((e: unknown) => e);
    expect(exists).toMatchObject({ exists: true, missing: false });
    expect(String((exists as Error).message)).toContain('"link add br9 type bridge"');
    await expect(nl.ipBatch(ns, ['link del nothere0'])).rejects.toMatchObject({ missing: true, exists: false });
    // without force the batch stops at the first failure; with force the remaining lines still run
    await nl.ipBatch(ns, ['link del nothere0', 'link set br9 down'], { force: true }).catch(() => undefined);
    expect((await nl.link(ns, 'br9'))?.up).toBe(false);
    await nl.ipBatch(ns, ['link del nothere0', 'link set br9 up']).catch(() => undefined);
    expect((await nl.link(ns, 'br9'))?.up).toBe(false);
  });

  it('programs a flannel-style peer: onlink route, permanent neighbour, FDB entry', async () => {
    const { netlink: nl, ns } = make();
    await nl.ipBatch(ns, [
      'link add ul0 type veth peer name ul1',
      'addr add 10.200.0.11/24 dev ul0',
      'link set ul0 up',
      'link add flannel.1 address 0e:00:0a:f4:01:00 mtu 1450 type vxlan id 1 local 10.200.0.11 dev ul0 dstport 8472 nolearning',
      'addr add 10.244.1.0/32 dev flannel.1',
      'link set flannel.1 up',
      'route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink',
      'neigh add 10.244.2.0 lladdr 0e:00:0a:f4:02:00 dev flannel.1 nud permanent',
    ]);
    await nl.bridgeBatch(ns, ['fdb add 0e:00:0a:f4:02:00 dev flannel.1 dst 10.200.0.12 self permanent']);
    expect(await nl.link(ns, 'flannel.1')).toMatchObject({ kind: 'vxlan', mac: '0e:00:0a:f4:01:00', mtu: 1450 });
    expect(await nl.routes(ns, 'flannel.1')).toEqual([{ dst: '10.244.2.0/24', gateway: '10.244.2.0', dev: 'flannel.1', flags: ['onlink'] }]);
    expect(await nl.neighbours(ns, 'flannel.1')).toEqual([{ dst: '10.244.2.0', dev: 'flannel.1', lladdr: '0e:00:0a:f4:02:00', state: ['PERMANENT'] }]);
    expect(await nl.fdb(ns, 'flannel.1')).toEqual([{ mac: '0e:00:0a:f4:02:00', dev: 'flannel.1', dst: '10.200.0.12', flags: ['self', 'permanent'] }]);
    await expect(nl.ipBatch(ns, ['route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink'])).rejects.toMatchObject({ exists: true });
    await nl.ipBatch(ns, ['route replace 10.244.2.0/24 via 10.244.2.9 dev flannel.1 onlink', 'neigh replace 10.244.2.0 lladdr 0e:00:0a:f4:02:01 dev flannel.1 nud permanent']);
    expect((await nl.routes(ns, 'flannel.1'))[0]?.gateway).toBe('10.244.2.9');
    expect((await nl.neighbours(ns, 'flannel.1'))[0]?.lladdr).toBe('0e:00:0a:f4:02:01');
    await nl.bridgeBatch(ns, ['fdb del 0e:00:0a:f4:02:00 dev flannel.1 dst 10.200.0.12 self']);
    expect(await nl.fdb(ns, 'flannel.1')).toEqual([]);
    // a gateway that is not on any connected network is refused, as the kernel does
    await expect(nl.ipBatch(ns, ['route add 10.9.0.0/16 via 192.168.7.1'])).rejects.toThrow('Nexthop has invalid gateway');
    // removing the device takes its routes and neighbours with it
    await nl.ipBatch(ns, ['link del flannel.1']);
    expect(await nl.routes(ns, 'flannel.1')).toEqual([]);
    expect(await nl.neighbours(ns)).toEqual([]);
  });
}
