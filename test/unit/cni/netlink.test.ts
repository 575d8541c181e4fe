// The iproute2 JSON mapping (against captured iproute2 6.1 output), the attachment plan's exact batch lines,
// and the netlink fake's overlay-style operations (route onlink, permanent neighbours, FDB) that the overlay
// daemon will rely on.
import { describe, expect, it } from 'vitest';
import { parseSubnet, type Ipv4Subnet } from '../../../cni/ipam/ipv4.js';
import { parseAddresses, parseLinks, parseProcNetDev, parseRoutes } from '../../../cni/netlink/iproute2-json.js';
import { classifyStderr, failingLines, netnsFromPath } from '../../../cni/netlink/netlink.js';
import { bridgeCreateLines, hostLines, hostVethName, isHostVethOf, planAttachment, podLines } from '../../../cni/plugin/attachment-plan.js';
import { FakeNetlink } from '../../fakes/netlink.js';
import { netlinkContract } from './netlink-contract.js';

describe('iproute2 JSON parsing', () => {
  it('maps a bridge port with hairpin, master and kind', () => {
    const text =
      '[{"ifindex":3,"link_index":2,"ifname":"tugv1","flags":["BROADCAST","MULTICAST","UP"],"mtu":1450,"master":"cni0","address":"02:41:34:75:93:99",' +
      '"linkinfo":{"info_kind":"veth","info_slave_kind":"bridge","info_slave_data":{"state":"disabled","hairpin":true}}}]';
    expect(parseLinks(text)).toEqual([{ name: 'tugv1', index: 3, mtu: 1450, mac: '02:41:34:75:93:99', up: true, kind: 'veth', master: 'cni0', hairpin: true }]);
  });

  it('maps addresses and routes; one JSON array per line as `ip -json -batch` prints them', () => {
    const addrs = '[{"ifindex":2,"ifname":"eth0","addr_info":[{"family":"inet","local":"10.244.1.2","prefixlen":24},{"family":"inet6","local":"fe80::1","prefixlen":64}]}]';
    expect(parseAddresses(addrs)).toEqual([
      { dev: 'eth0', family: 'inet', local: '10.244.1.2', prefixLen: 24 },
      { dev: 'eth0', family: 'inet6', local: 'fe80::1', prefixLen: 64 },
    ]);
    const routes = '[{"dst":"default","gateway":"10.244.1.1","dev":"eth0","flags":[]}]\n[{"dst":"10.244.1.0/24","dev":"eth0","protocol":"kernel","flags":[]}]';
    expect(parseRoutes(routes)).toEqual([
      { dst: 'default', gateway: '10.244.1.1', dev: 'eth0', flags: [] },
      { dst: '10.244.1.0/24', dev: 'eth0', flags: [] },
    ]);
  });

  it('reads interface names from /proc/net/dev', () => {
    const text = 'Inter-|   Receive\n face |bytes\n    lo:       0 0\n  cni0: 1 2\ntug12345678abcd: 3\n';
    expect(parseProcNetDev(text)).toEqual(['lo', 'cni0', 'tug12345678abcd']);
  });

  it('classifies iproute2 errors and names the failing batch line', () => {
    expect(classifyStderr('RTNETLINK answers: File exists\nCommand failed -:2')).toEqual({ exists: true, missing: false });
    expect(classifyStderr('Cannot find device "x"')).toEqual({ exists: false, missing: true });
    expect(failingLines(['a', 'b'], 'RTNETLINK answers: File exists\nCommand failed -:2')).toBe(' (failing: "b")');
  });

  it('turns /var/run/netns/X into a named netns and keeps other paths', () => {
    expect(netnsFromPath('/var/run/netns/pod1')).toEqual({ kind: 'named', name: 'pod1' });
    expect(netnsFromPath('/run/netns/pod1')).toEqual({ kind: 'named', name: 'pod1' });
    expect(netnsFromPath('/proc/42/ns/net')).toEqual({ kind: 'path', path: '/proc/42/ns/net' });
  });
});

describe('attachment plan', () => {
  const subnet = parseSubnet('10.244.1.0/24') as Ipv4Subnet;
  const att = { containerId: 'abc', ifname: 'eth0' };
  const plan = planAttachment({ networkName: 'tugnet', subnet, bridge: 'cni0', mtu: 1450, att, ip: '10.244.1.10' });

  it('renders the recipe: fixed bridge MAC, IP-derived pod MAC, hairpin, MTU on both ends', () => {
    const v = plan.hostVeth;
    expect(bridgeCreateLines(plan)).toEqual(['link add cni0 address 0a:58:0a:f4:01:01 mtu 1450 type bridge']);
    expect(hostLines(plan, { kind: 'path', path: '/proc/7/ns/net' })).toEqual([
      'addr replace 10.244.1.1/24 dev cni0',
      'link set cni0 up',
      `link add ${v} address 0a:59:0a:f4:01:0a mtu 1450 type veth peer name eth0 address 0a:58:0a:f4:01:0a mtu 1450 netns /proc/7/ns/net`,
      `link set ${v} master cni0`,
      `link set ${v} type bridge_slave hairpin on`,
      `link set ${v} up`,
    ]);
    expect(podLines(plan)).toEqual(['addr add 10.244.1.10/24 dev eth0', 'link set eth0 up', 'route add default via 10.244.1.1 dev eth0']);
  });

  it('derives host veth names that fit IFNAMSIZ, are stable, and are recognisable per network', () => {
    expect(plan.hostVeth).toMatch(/^tug[0-9a-f]{12}$/);
    expect(hostVethName('tugnet', att)).toBe(plan.hostVeth);
    expect(hostVethName('tugnet', { ...att, ifname: 'net1' })).not.toBe(plan.hostVeth);
    expect(isHostVethOf('tugnet', plan.hostVeth)).toBe(true);
    expect(isHostVethOf('othernet', plan.hostVeth)).toBe(false);
    expect(isHostVethOf('tugnet', 'tug0')).toBe(false);
  });
});

describe('netlink fake', () => {
  netlinkContract(() => ({ netlink: new FakeNetlink(), ns: { kind: 'current' } }));
});
