import { describe, expect, it } from 'vitest';
import {
  overlayAnnotations, overlayNodeFrom, planOverlay, vtepMacFor, type OverlayNode,
} from '../../../cni/overlay/plan.js';
import { diffOverlay, observedPlan } from '../../../cni/overlay/diff.js';
import type { KubeObject } from '../../../control/api/object.js';

const node = (i: number, over: Partial<OverlayNode> = {}): OverlayNode => ({
  name: `tug-c-${i}`, podCIDR: `10.244.${i}.0/24`, publicIP: `10.200.0.${10 + i}`, vtepMac: vtepMacFor(`10.200.0.${10 + i}`), ...over,
});

const nodeObject = (i: number, extra: { annotations?: Record<string, string>; podCIDR?: string } = {}): KubeObject => ({
  metadata: { name: `tug-c-${i}`, annotations: extra.annotations ?? overlayAnnotations(`10.200.0.${10 + i}`, vtepMacFor(`10.200.0.${10 + i}`)) },
  spec: extra.podCIDR === '' ? {} : { podCIDR: extra.podCIDR ?? `10.244.${i}.0/24`, podCIDRs: [extra.podCIDR ?? `10.244.${i}.0/24`] },
});

describe('vtepMacFor', () => {
  it('is 0e:00 + the node IP in hex: locally administered unicast, stable across restarts', () => {
    expect(vtepMacFor('10.200.0.11')).toBe('0e:00:0a:c8:00:0b');
    expect(vtepMacFor('192.168.1.254')).toBe('0e:00:c0:a8:01:fe');
    expect(vtepMacFor('10.200.0.11')).toBe(vtepMacFor('10.200.0.11'));
  });
});

describe('overlayNodeFrom', () => {
  it('reads podCIDR and the flannel annotations', () => {
    expect(overlayNodeFrom(nodeObject(2))).toEqual(node(2));
  });
  it('publishes flannel kube-subnet-manager annotations', () => {
    expect(overlayAnnotations('10.200.0.12', '0e:00:0a:c8:00:0c')).toEqual({
      'flannel.alpha.coreos.com/backend-type': 'vxlan',
      'flannel.alpha.coreos.com/backend-data': '{"VNI":1,"VtepMAC":"0e:00:0a:c8:00:0c"}',
      'flannel.alpha.coreos.com/public-ip': '10.200.0.12',
    });
  });
  it.each([
    ['no podCIDR yet', nodeObject(2, { podCIDR: '' })],
    ['no annotations yet', nodeObject(2, { annotations: {} })],
    ['another backend', nodeObject(2, { annotations: { ...overlayAnnotations('10.200.0.12', '0e:00:0a:c8:00:0c'), 'flannel.alpha.coreos.com/backend-type': 'host-gw' } })],
    ['another VNI', nodeObject(2, { annotations: { ...overlayAnnotations('10.200.0.12', '0e:00:0a:c8:00:0c'), 'flannel.alpha.coreos.com/backend-data': '{"VNI":2,"VtepMAC":"0e:00:0a:c8:00:0c"}' } })],
    ['malformed backend-data', nodeObject(2, { annotations: { ...overlayAnnotations('10.200.0.12', '0e:00:0a:c8:00:0c'), 'flannel.alpha.coreos.com/backend-data': '{nope' } })],
    ['a bad MAC', nodeObject(2, { annotations: overlayAnnotations('10.200.0.12', 'zz:00:0a:c8:00:0c') })],
    ['a bad public IP', nodeObject(2, { annotations: overlayAnnotations('10.200.0.300', '0e:00:0a:c8:00:0c') })],
  ])('is not a peer with %s', (_what, obj) => {
    expect(overlayNodeFrom(obj)).toBeUndefined();
  });
});

describe('planOverlay (golden)', () => {
  it('one route, one permanent neighbour, one FDB entry per OTHER node, sorted by podCIDR', () => {
    const plan = planOverlay([node(3), node(1), node(2)], 'tug-c-1');
    expect(plan).toEqual({
      routes: [{ dst: '10.244.2.0/24', via: '10.244.2.0' }, { dst: '10.244.3.0/24', via: '10.244.3.0' }],
      neighbours: [{ ip: '10.244.2.0', mac: '0e:00:0a:c8:00:0c' }, { ip: '10.244.3.0', mac: '0e:00:0a:c8:00:0d' }],
      fdb: [{ mac: '0e:00:0a:c8:00:0c', dst: '10.200.0.12' }, { mac: '0e:00:0a:c8:00:0d', dst: '10.200.0.13' }],
    });
  });
  it('sorts by address, not by text (10.244.10 after 10.244.9)', () => {
    const plan = planOverlay([node(10), node(9), node(1)], 'tug-c-1');
    expect(plan.routes.map((r) => r.dst)).toEqual(['10.244.9.0/24', '10.244.10.0/24']);
  });
  it('a lone node has nothing to program', () => {
    expect(planOverlay([node(1)], 'tug-c-1')).toEqual({ routes: [], neighbours: [], fdb: [] });
  });
  it('skips a peer that claims our podCIDR, IP or MAC, and the later of two peers that collide', () => {
    const plan = planOverlay([
      node(1), node(2),
      node(4, { name: 'tug-c-4', podCIDR: '10.244.1.0/24' }),
      node(5, { name: 'tug-c-5', podCIDR: '10.244.2.0/24' }),
      node(6, { name: 'tug-c-6', publicIP: '10.200.0.11' }),
    ], 'tug-c-1');
    expect(plan.routes.map((r) => r.dst)).toEqual(['10.244.2.0/24']);
    expect(plan.fdb.map((f) => f.dst)).toEqual(['10.200.0.12']);
  });
  it('is the same for the same input in any order', () => {
    const a = planOverlay([node(1), node(2), node(3), node(4)], 'tug-c-2');
    const b = planOverlay([node(4), node(3), node(1), node(2)], 'tug-c-2');
    expect(a).toEqual(b);
  });
});

describe('diffOverlay (exact batch lines)', () => {
  const two = planOverlay([node(1), node(2)], 'tug-c-1');
  const three = planOverlay([node(1), node(2), node(3)], 'tug-c-1');

  it('first sync from an empty kernel installs every entry; FDB lines go to bridge', () => {
    expect(diffOverlay({ routes: [], neighbours: [], fdb: [] }, two)).toEqual({
      ip: [
        'neigh replace 10.244.2.0 lladdr 0e:00:0a:c8:00:0c dev flannel.1 nud permanent',
        'route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink',
      ],
      bridge: ['fdb replace 0e:00:0a:c8:00:0c dev flannel.1 dst 10.200.0.12 self permanent'],
    });
  });
  it('a node added → only its three entries', () => {
    expect(diffOverlay(two, three)).toEqual({
      ip: [
        'neigh replace 10.244.3.0 lladdr 0e:00:0a:c8:00:0d dev flannel.1 nud permanent',
        'route replace 10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink',
      ],
      bridge: ['fdb replace 0e:00:0a:c8:00:0d dev flannel.1 dst 10.200.0.13 self permanent'],
    });
  });
  it('a node removed → only its three deletions', () => {
    expect(diffOverlay(three, two)).toEqual({
      ip: ['route del 10.244.3.0/24 dev flannel.1', 'neigh del 10.244.3.0 dev flannel.1'],
      bridge: ['fdb del 0e:00:0a:c8:00:0d dev flannel.1 dst 10.200.0.13 self'],
    });
  });
  it('a node that moved to another underlay IP (new MAC) → neighbour replaced, old FDB entry gone, new one added, route untouched', () => {
    const moved = planOverlay([node(1), node(2, { publicIP: '10.200.0.42', vtepMac: vtepMacFor('10.200.0.42') })], 'tug-c-1');
    expect(diffOverlay(two, moved)).toEqual({
      ip: ['neigh replace 10.244.2.0 lladdr 0e:00:0a:c8:00:2a dev flannel.1 nud permanent'],
      bridge: [
        'fdb del 0e:00:0a:c8:00:0c dev flannel.1 dst 10.200.0.12 self',
        'fdb replace 0e:00:0a:c8:00:2a dev flannel.1 dst 10.200.0.42 self permanent',
      ],
    });
  });
  it('no change → no lines (a restart finding the kernel right touches nothing)', () => {
    expect(diffOverlay(three, planOverlay([node(3), node(2), node(1)], 'tug-c-1'))).toEqual({ ip: [], bridge: [] });
  });
});

describe('observedPlan', () => {
  it('reads back what iproute2 reports for entries we made, ignoring others', () => {
    const observed = observedPlan(
      [
        { dst: '10.244.2.0/24', gateway: '10.244.2.0', dev: 'flannel.1', flags: ['onlink'] },
        { dst: '10.244.9.0/24', dev: 'flannel.1', flags: [] },
      ],
      [
        { dst: '10.244.2.0', dev: 'flannel.1', lladdr: '0E:00:0A:C8:00:0C', state: ['PERMANENT'] },
        { dst: '10.244.7.0', dev: 'flannel.1', lladdr: '0e:00:0a:c8:00:99', state: ['STALE'] },
      ],
      [
        { mac: '0e:00:0a:c8:00:0c', dev: 'flannel.1', dst: '10.200.0.12', flags: ['self', 'permanent'] },
        { mac: '00:00:00:00:00:00', dev: 'flannel.1', dst: '10.200.0.99', flags: ['self', 'permanent'] },
        { mac: '0e:00:0a:c8:00:77', dev: 'flannel.1', flags: ['self'] },
      ],
    );
    expect(observed).toEqual(planOverlay([node(1), node(2)], 'tug-c-1'));
  });
  it('a stale entry left by a crash is deleted on the first diff', () => {
    const kernel = observedPlan(
      [{ dst: '10.244.5.0/24', gateway: '10.244.5.0', dev: 'flannel.1', flags: ['onlink'] }],
      [{ dst: '10.244.5.0', dev: 'flannel.1', lladdr: '0e:00:0a:c8:00:0f', state: ['PERMANENT'] }],
      [{ mac: '0e:00:0a:c8:00:0f', dev: 'flannel.1', dst: '10.200.0.15', flags: ['self', 'permanent'] }],
    );
    const d = diffOverlay(kernel, planOverlay([node(1)], 'tug-c-1'));
    expect(d).toEqual({
      ip: ['route del 10.244.5.0/24 dev flannel.1', 'neigh del 10.244.5.0 dev flannel.1'],
      bridge: ['fdb del 0e:00:0a:c8:00:0f dev flannel.1 dst 10.200.0.15 self'],
    });
  });
});
