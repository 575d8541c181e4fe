import { describe, expect, it } from 'vitest';
import { runFilters } from '../../../control/scheduler/filters.js';
import { matchesRequirement } from '../../../control/scheduler/node-affinity.js';
import { podRequests } from '../../../control/scheduler/pod-resources.js';
import { buildSnapshot, type NodeInfo } from '../../../control/scheduler/snapshot.js';
import { toleratesTaint } from '../../../control/scheduler/tolerations.js';
import type { Node, Pod } from '../../../control/scheduler/types.js';
import { node, pod } from './fixtures.js';

function infoOf(n: Node, pods: Pod[] = []): NodeInfo {
  return buildSnapshot([n], pods).nodes[0]!;
}

describe('resource fit', () => {
  it('subtracts what assigned pods request from allocatable', () => {
    const n = node('n1', { cpu: '1', memory: '1Gi' });
    expect(runFilters(pod('p', { cpu: '600m' }), infoOf(n, [pod('a', { cpu: '500m', nodeName: 'n1' })]))).toEqual(['Insufficient cpu']);
    expect(runFilters(pod('p', { cpu: '500m' }), infoOf(n, [pod('a', { cpu: '500m', nodeName: 'n1' })]))).toEqual([]);
    expect(runFilters(pod('p', { memory: '2Gi', cpu: '2' }), infoOf(n))).toEqual(['Insufficient cpu', 'Insufficient memory']);
  });

  it('ignores finished pods and pods on other nodes', () => {
    const n = node('n1', { cpu: '1' });
    const others = [pod('done', { cpu: '1', nodeName: 'n1', phase: 'Succeeded' }), pod('far', { cpu: '1', nodeName: 'n2' })];
    expect(runFilters(pod('p', { cpu: '1' }), infoOf(n, others))).toEqual([]);
  });

  it('counts pods against allocatable pods', () => {
    const n = node('n1', { pods: 1 });
    expect(runFilters(pod('p'), infoOf(n, [pod('a', { nodeName: 'n1' })]))).toEqual(['Too many pods']);
  });

  it('takes the larger of the init container peak and the app sum, plus overhead', () => {
    const p = pod('p', {
      containers: [{ name: 'a', resources: { requests: { cpu: '100m' } } }, { name: 'b', resources: { requests: { cpu: '200m' } } }],
      spec: { initContainers: [{ name: 'init', resources: { requests: { cpu: '500m', memory: '64Mi' } } }], overhead: { cpu: '10m' } },
    });
    expect(podRequests(p)).toMatchObject({ milliCpu: 510, memory: 64 * 1024 * 1024 });
  });

  it('checks extended resources the node does not have', () => {
    const p = pod('p', { containers: [{ name: 'a', resources: { requests: { 'example.com/gpu': '1' } } }] });
    expect(runFilters(p, infoOf(node('n1')))).toEqual(['Insufficient example.com/gpu']);
  });
});

describe('node state', () => {
  it('rejects unschedulable nodes unless the pod tolerates the unschedulable taint', () => {
    const n = node('n1', { unschedulable: true });
    expect(runFilters(pod('p'), infoOf(n))).toEqual(['node(s) were unschedulable']);
    const tolerant = pod('p', { spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } });
    expect(runFilters(tolerant, infoOf(n))).toEqual([]);
  });

  it('rejects nodes that are not Ready', () => {
    for (const ready of ['False', 'Unknown', 'none'] as const) {
      expect(runFilters(pod('p'), infoOf(node('n1', { ready })))).toEqual(['node(s) were not ready']);
    }
    const tolerant = pod('p', { spec: { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }] } });
    expect(runFilters(tolerant, infoOf(node('n1', { ready: 'Unknown' })))).toEqual([]);
  });
});

describe('taints and tolerations', () => {
  const tainted = node('n1', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });

  it('rejects untolerated NoSchedule/NoExecute taints with upstream wording', () => {
    expect(runFilters(pod('p'), infoOf(tainted))).toEqual(['node(s) had untolerated taint {dedicated: gpu}']);
    const noExec = node('n2', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] });
    expect(runFilters(pod('p'), infoOf(noExec))).toEqual(['node(s) had untolerated taint {node.kubernetes.io/unreachable: }']);
  });

  it('PreferNoSchedule does not filter', () => {
    expect(runFilters(pod('p'), infoOf(node('n1', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] })))).toEqual([]);
  });

  it('accepts matching tolerations', () => {
    const ok = [
      { key: 'dedicated', operator: 'Equal' as const, value: 'gpu', effect: 'NoSchedule' as const },
      { key: 'dedicated', operator: 'Exists' as const },
      { operator: 'Exists' as const },
    ];
    for (const t of ok) expect(runFilters(pod('p', { spec: { tolerations: [t] } }), infoOf(tainted))).toEqual([]);
    const bad = [
      { key: 'dedicated', operator: 'Equal' as const, value: 'cpu' },
      { key: 'dedicated', operator: 'Exists' as const, effect: 'NoExecute' as const },
      { key: 'other', operator: 'Exists' as const },
    ];
    for (const t of bad) expect(runFilters(pod('p', { spec: { tolerations: [t] } }), infoOf(tainted))).toHaveLength(1);
  });

  it('an empty key without Exists tolerates nothing', () => {
    expect(toleratesTaint({ value: 'gpu' }, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' })).toBe(false);
  });
});

describe('node selector and affinity', () => {
  const n = node('n1', { labels: { disk: 'ssd', cores: '8' } });
  const affinity = (terms: unknown[]): Pod => pod('p', { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms as never } } } } });
  const miss = ["node(s) didn't match Pod's node affinity/selector"];

  it('nodeSelector must match every label', () => {
    expect(runFilters(pod('p', { spec: { nodeSelector: { disk: 'ssd' } } }), infoOf(n))).toEqual([]);
    expect(runFilters(pod('p', { spec: { nodeSelector: { disk: 'ssd', zone: 'a' } } }), infoOf(n))).toEqual(miss);
  });

  it('terms are ORed, expressions ANDed, empty terms match nothing', () => {
    expect(runFilters(affinity([{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['hdd'] }] }, { matchExpressions: [{ key: 'disk', operator: 'Exists' }] }]), infoOf(n))).toEqual([]);
    expect(runFilters(affinity([{ matchExpressions: [{ key: 'disk', operator: 'Exists' }, { key: 'gpu', operator: 'Exists' }] }]), infoOf(n))).toEqual(miss);
    expect(runFilters(affinity([{}]), infoOf(n))).toEqual(miss);
  });

  it('supports matchFields metadata.name', () => {
    expect(runFilters(affinity([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]), infoOf(n))).toEqual([]);
    expect(runFilters(affinity([{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }]), infoOf(n))).toEqual(miss);
  });

  it('evaluates every operator', () => {
    expect(matchesRequirement({ key: 'k', operator: 'In', values: ['a', 'b'] }, 'b')).toBe(true);
    expect(matchesRequirement({ key: 'k', operator: 'In', values: ['a'] }, undefined)).toBe(false);
    expect(matchesRequirement({ key: 'k', operator: 'NotIn', values: ['a'] }, undefined)).toBe(true);
    expect(matchesRequirement({ key: 'k', operator: 'NotIn', values: ['a'] }, 'a')).toBe(false);
    expect(matchesRequirement({ key: 'k', operator: 'Exists' }, '')).toBe(true);
    expect(matchesRequirement({ key: 'k', operator: 'DoesNotExist' }, '')).toBe(false);
    expect(matchesRequirement({ key: 'k', operator: 'Gt', values: ['4'] }, '8')).toBe(true);
    expect(matchesRequirement({ key: 'k', operator: 'Gt', values: ['8'] }, '8')).toBe(false);
    expect(matchesRequirement({ key: 'k', operator: 'Lt', values: ['10'] }, '8')).toBe(true);
    expect(matchesRequirement({ key: 'k', operator: 'Lt', values: ['x'] }, '8')).toBe(false);
    expect(matchesRequirement({ key: 'k', operator: 'Gt', values: ['1'] }, 'abc')).toBe(false);
  });
});

describe('host ports', () => {
  it('conflicts on the same port and protocol, with 0.0.0.0 as a wildcard', () => {
    const n = node('n1');
    const busy = [pod('a', { hostPort: 8080, nodeName: 'n1' })];
    expect(runFilters(pod('p', { hostPort: 8080 }), infoOf(n, busy))).toEqual(["node(s) didn't have free ports for the requested pod ports"]);
    expect(runFilters(pod('p', { hostPort: 8081 }), infoOf(n, busy))).toEqual([]);
    const udp = pod('p', { containers: [{ name: 'a', ports: [{ containerPort: 80, hostPort: 8080, protocol: 'UDP' }] }] });
    expect(runFilters(udp, infoOf(n, busy))).toEqual([]);
    const specific = pod('p', { containers: [{ name: 'a', ports: [{ containerPort: 80, hostPort: 8080, hostIP: '10.0.0.1' }] }] });
    expect(runFilters(specific, infoOf(n, busy))).toHaveLength(1);
  });

  it('host-network pods occupy their container ports', () => {
    const hostNet = pod('a', { nodeName: 'n1', spec: { hostNetwork: true }, containers: [{ name: 'a', ports: [{ containerPort: 53, protocol: 'UDP' }] }] });
    const want = pod('p', { containers: [{ name: 'a', ports: [{ containerPort: 1, hostPort: 53, protocol: 'UDP' }] }] });
    expect(runFilters(want, infoOf(node('n1'), [hostNet]))).toHaveLength(1);
  });
});

describe('filter order', () => {
  it('reports the first failing plugin only, as upstream does', () => {
    const n = node('n1', { cpu: '100m', taints: [{ key: 'x', effect: 'NoSchedule' }] });
    expect(runFilters(pod('p', { cpu: '1' }), infoOf(n))).toEqual(['node(s) had untolerated taint {x: }']);
  });
});
