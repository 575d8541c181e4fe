import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../control/api/object.js';
import type { ApiError } from '../../../control/api/errors.js';
import {
  formatCpu, formatMemory, nodeMetricsList, parseMetricsPath, podMetricsList, serveMetrics, type KubeletUsage, type MetricsApiDeps,
} from '../../../control/apiserver/metrics-api.js';
import type { RestStorage } from '../../../control/apiserver/registry/rest.js';
import type { ResourceInfo } from '../../../control/api/resources.js';

// `any`: answers are plain JSON documents, inspected loosely.
type Doc = any;

const NOW = new Date('2026-01-01T00:00:10Z');

const node = (name: string): KubeObject => ({
  apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  status: { addresses: [{ type: 'InternalIP', address: '10.200.0.11' }] },
});
const pod = (namespace: string, name: string, nodeName: string | undefined, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name, labels }, spec: { nodeName, containers: [{ name: 'app' }] },
});

function report(nodeCpu: number, pods: KubeletUsage['pods']): KubeletUsage {
  return { node: { timestamp: '2026-01-01T00:00:05.000Z', window: '10.002s', cpuNanoCores: nodeCpu, memoryWorkingSetBytes: 512 * 1024 * 1024 }, pods };
}

const REPORTS = new Map<string, KubeletUsage>([
  ['n1', report(250_000_000, [
    { namespace: 'default', name: 'web', containers: [{ name: 'side', cpuNanoCores: 1, memoryWorkingSetBytes: 1024 }, { name: 'app', cpuNanoCores: 1234567.4, memoryWorkingSetBytes: 10 * 1024 * 1024 }] },
    { namespace: 'default', name: 'gone', containers: [] },
  ])],
  ['n2', report(1e9, [{ namespace: 'kube-system', name: 'dns', containers: [{ name: 'dns', cpuNanoCores: 5, memoryWorkingSetBytes: 4096 }] }])],
]);

describe('parseMetricsPath', () => {
  it.each([
    ['/apis/metrics.k8s.io/v1beta1/nodes', { resource: 'nodes' }],
    ['/apis/metrics.k8s.io/v1beta1/nodes/n1', { resource: 'nodes', name: 'n1' }],
    ['/apis/metrics.k8s.io/v1beta1/pods', { resource: 'pods' }],
    ['/apis/metrics.k8s.io/v1beta1/namespaces/default/pods', { resource: 'pods', namespace: 'default' }],
    ['/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web', { resource: 'pods', namespace: 'default', name: 'web' }],
  ])('%s', (path, expected) => {
    expect(parseMetricsPath(path)).toEqual({ namespace: undefined, name: undefined, ...expected });
  });

  it.each([
    '/apis/metrics.k8s.io/v1beta1', '/apis/metrics.k8s.io/v1beta1/services', '/apis/metrics.k8s.io/v1beta1/namespaces/x/nodes',
    '/apis/metrics.k8s.io/v1beta1/pods/a/b', '/api/v1/pods', '/apis/metrics.k8s.io/v1/nodes',
  ])('not a metrics resource: %s', (path) => {
    expect(parseMetricsPath(path)).toBeUndefined();
  });
});

describe('quantities', () => {
  it('CPU in whole nanocores', () => {
    expect(formatCpu(1234567.4)).toBe('1234567n');
    expect(formatCpu(0)).toBe('0n');
    expect(formatCpu(-3)).toBe('0n');
  });

  it('memory in Ki when whole KiB, else plain bytes', () => {
    expect(formatMemory(10 * 1024 * 1024)).toBe('10240Ki');
    expect(formatMemory(1000)).toBe('1000');
    expect(formatMemory(0)).toBe('0Ki');
  });
});

describe('list assembly', () => {
  it('NodeMetricsList has the nodes whose kubelet answered, sorted, with the report\'s time and window', () => {
    const list: Doc = nodeMetricsList([node('n3'), node('n2'), node('n1')], REPORTS, NOW);
    expect(list).toMatchObject({ kind: 'NodeMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {} });
    expect(list.items.map((i: Doc) => i.metadata.name)).toEqual(['n1', 'n2']);
    expect(list.items[0]).toEqual({
      kind: 'NodeMetrics', apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'n1', creationTimestamp: NOW.toISOString(), labels: { 'kubernetes.io/hostname': 'n1' } },
      timestamp: '2026-01-01T00:00:05.000Z', window: '10.002s', usage: { cpu: '250000000n', memory: '524288Ki' },
    });
  });

  it('PodMetricsList joins pods to their node\'s report; pods without usage are left out', () => {
    const pods = [pod('default', 'web', 'n1', { app: 'web' }), pod('default', 'gone', 'n1'), pod('default', 'elsewhere', 'n9'), pod('kube-system', 'dns', 'n2')];
    const list: Doc = podMetricsList(pods, REPORTS, NOW);
    expect(list.kind).toBe('PodMetricsList');
    expect(list.items.map((i: Doc) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual(['default/web', 'kube-system/dns']);
    expect(list.items[0]).toEqual({
      kind: 'PodMetrics', apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: NOW.toISOString(), labels: { app: 'web' } },
      timestamp: '2026-01-01T00:00:05.000Z', window: '10.002s',
      containers: [
        { name: 'app', usage: { cpu: '1234567n', memory: '10240Ki' } },
        { name: 'side', usage: { cpu: '1n', memory: '1Ki' } },
      ],
    });
  });
});

/** A RestStorage stand-in holding nodes and pods. */
function fakeRest(nodes: KubeObject[], pods: KubeObject[]): RestStorage {
  const of = (info: ResourceInfo) => (info.resource === 'nodes' ? nodes : pods);
  return {
    async list(info: ResourceInfo, namespace: string | undefined) {
      return { items: of(info).filter((o) => !namespace || o.metadata.namespace === namespace), revision: 1 };
    },
    async read(info: ResourceInfo, namespace: string | undefined, name: string) {
      return of(info).find((o) => o.metadata.name === name && (!namespace || o.metadata.namespace === namespace));
    },
  } as unknown as RestStorage;
}

describe('serveMetrics', () => {
  const asked: string[] = [];
  const deps: MetricsApiDeps = {
    rest: fakeRest(
      [node('n1'), node('n2'), node('n3')],
      [pod('default', 'web', 'n1', { app: 'web' }), pod('default', 'pending', undefined), pod('kube-system', 'dns', 'n2', { app: 'dns' })],
    ),
    kubeletClient: { cert: '', key: '', ca: '' },
    now: NOW,
    fetchUsage: async (n) => {
      asked.push(n.metadata.name ?? '');
      return REPORTS.get(n.metadata.name ?? ''); // n3's kubelet does not answer
    },
  };
  const q = (s = '') => new URLSearchParams(s);

  it('lists node metrics, leaving out a node that does not answer', async () => {
    const list: Doc = await serveMetrics(deps, 'GET', { resource: 'nodes' }, q());
    expect(list.items.map((i: Doc) => i.metadata.name)).toEqual(['n1', 'n2']);
  });

  it('gets one node, and 404s for a node without metrics', async () => {
    expect(await serveMetrics(deps, 'GET', { resource: 'nodes', name: 'n2' }, q())).toMatchObject({ kind: 'NodeMetrics', usage: { cpu: '1000000000n' } });
    await expect(serveMetrics(deps, 'GET', { resource: 'nodes', name: 'n3' }, q())).rejects.toMatchObject({
      code: 404, message: 'nodemetrics.metrics.k8s.io "n3" not found',
    } satisfies Partial<ApiError>);
  });

  it('asks only the nodes of the selected pods and honours labelSelector and namespace', async () => {
    asked.length = 0;
    const ns: Doc = await serveMetrics(deps, 'GET', { resource: 'pods', namespace: 'default' }, q());
    expect(ns.items.map((i: Doc) => i.metadata.name)).toEqual(['web']);
    expect(asked).toEqual(['n1']);
    const all: Doc = await serveMetrics(deps, 'GET', { resource: 'pods' }, q('labelSelector=app%3Ddns'));
    expect(all.items.map((i: Doc) => i.metadata.name)).toEqual(['dns']);
    const none: Doc = await serveMetrics(deps, 'GET', { resource: 'pods' }, q('labelSelector=app%3Dnothing'));
    expect(none.items).toEqual([]);
  });

  it('gets one pod, and 404s for an unknown or unscheduled pod', async () => {
    expect(await serveMetrics(deps, 'GET', { resource: 'pods', namespace: 'default', name: 'web' }, q())).toMatchObject({ kind: 'PodMetrics', metadata: { name: 'web' } });
    await expect(serveMetrics(deps, 'GET', { resource: 'pods', namespace: 'default', name: 'pending' }, q())).rejects.toMatchObject({ code: 404 });
    await expect(serveMetrics(deps, 'GET', { resource: 'pods', namespace: 'default', name: 'nope' }, q())).rejects.toMatchObject({
      code: 404, message: 'podmetrics.metrics.k8s.io "nope" not found',
    });
  });

  it('is read-only and rejects bad selectors with 400', async () => {
    await expect(serveMetrics(deps, 'DELETE', { resource: 'nodes' }, q())).rejects.toMatchObject({ code: 405 });
    await expect(serveMetrics(deps, 'GET', { resource: 'pods' }, q('labelSelector=a%20in'))).rejects.toMatchObject({ code: 400 });
  });
});
