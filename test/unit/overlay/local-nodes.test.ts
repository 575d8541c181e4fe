// Names, addresses and scaling decisions of local netns nodes (control/cli/local-nodes*), all pure.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hostVethName, nodeAddress, nodeIndex, nodeName, scalePlan } from '../../../control/cli/local-nodes/naming.js';
import { agentCommand, nodeToken, renderNodeKubeconfig } from '../../../control/cli/local-nodes.js';
import { defaultConfig } from '../../../control/cli/cluster-config.js';
import { parseKubeconfig } from '../../../control/client/index.js';

const cfg = defaultConfig('demo', '/tmp/tug-state');

describe('local node naming and addressing', () => {
  it('node i is netns and Node tug-<cluster>-<i>, veth tugu<i>, 10.200.0.(10+i)', () => {
    expect(nodeName('demo', 1)).toBe('tug-demo-1');
    expect(hostVethName(3)).toBe('tugu3');
    expect(nodeAddress(cfg, 1)).toBe('10.200.0.11');
    expect(nodeAddress(cfg, 50)).toBe('10.200.0.60');
    expect(hostVethName(50).length).toBeLessThanOrEqual(15);
  });
  it('parses only this cluster\'s node names back to indexes', () => {
    expect(nodeIndex('demo', 'tug-demo-7')).toBe(7);
    expect(nodeIndex('demo', 'tug-demo-07')).toBeUndefined();
    expect(nodeIndex('demo', 'tug-demo-0')).toBeUndefined();
    expect(nodeIndex('demo', 'tug-demo-51')).toBeUndefined();
    expect(nodeIndex('demo', 'tug-demox-1')).toBeUndefined();
    // a cluster whose name extends another's does not capture its nodes
    expect(nodeIndex('demo', 'tug-demo-2-1')).toBeUndefined();
    expect(nodeIndex('de', 'tug-demo-1')).toBeUndefined();
  });
  it('refuses indexes outside 1..50 and underlays too small', () => {
    expect(() => nodeAddress(cfg, 0)).toThrow();
    expect(() => nodeAddress(cfg, 51)).toThrow();
    expect(() => nodeAddress({ underlayCidr: '10.200.0.0/26' }, 25)).not.toThrow();
    expect(() => nodeAddress({ underlayCidr: '10.200.0.0/27' }, 25)).toThrow(/no room/);
    expect(() => nodeAddress({ underlayCidr: '10.200.0.0/29' }, 1)).toThrow(/expected/);
  });
});

describe('scalePlan', () => {
  it('2 → 3 adds node 3 and keeps the others', () => {
    expect(scalePlan([1, 2], 3)).toEqual({ add: [3], keep: [1, 2], remove: [] });
  });
  it('2 → 1 removes node 2', () => {
    expect(scalePlan([1, 2], 1)).toEqual({ add: [], keep: [1], remove: [2] });
  });
  it('fills holes and removes from the top', () => {
    expect(scalePlan([1, 3, 4, 5], 3)).toEqual({ add: [2], keep: [1, 3], remove: [5, 4] });
    expect(scalePlan([], 2)).toEqual({ add: [1, 2], keep: [], remove: [] });
    expect(scalePlan([1, 2], 0)).toEqual({ add: [], keep: [], remove: [2, 1] });
  });
});

describe('node credentials', () => {
  it('takes the system:nodes token from tokens.csv', () => {
    const csv = 'aaa,admin,admin-uid,"system:masters"\nbbb,system:node:bootstrap,node-uid,"system:nodes"\n';
    expect(nodeToken(csv)).toBe('bbb');
    expect(() => nodeToken('aaa,admin,admin-uid,"system:masters"\n')).toThrow(/system:nodes/);
  });
  it('writes a kubeconfig the shared client reads back (server on the underlay, CA, bearer token)', () => {
    const text = renderNodeKubeconfig('demo', 'tug-demo-1', 'https://10.200.0.1:6443', '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n', 'tok');
    expect(parse(text)['current-context']).toBe('tug-demo-1');
    const c = parseKubeconfig(text, '/tmp');
    expect(c.server).toBe('https://10.200.0.1:6443');
    expect(c.token).toBe('tok');
    expect(String(c.ca)).toContain('BEGIN CERTIFICATE');
  });
  it('runs the agent inside the node netns with its name, IP and ranges', () => {
    const argv = agentCommand(cfg, 2, '/k', '/s');
    expect(argv.slice(0, 4)).toEqual(['ip', 'netns', 'exec', 'tug-demo-2']);
    const flags = argv.slice(argv.indexOf('agent') + 1);
    expect(flags).toEqual([
      '--node', 'tug-demo-2', '--kubeconfig', '/k', '--node-ip', '10.200.0.12', '--cluster-cidr', '10.244.0.0/16',
      '--service-cidr', '10.96.0.0/12', '--state-dir', '/s', '--node-mode', 'netns', '--underlay-device', 'eth0',
      '--cluster-name', 'demo',
    ]);
    const withUpstreams = agentCommand({ ...cfg, dnsUpstreams: ['10.200.0.1:5353', '10.200.0.2'] }, 2, '/k', '/s');
    expect(withUpstreams.slice(-2)).toEqual(['--dns-upstream', '10.200.0.1:5353,10.200.0.2']);
  });
});
