/**
 * The resource metrics API, metrics.k8s.io/v1beta1 (`kubectl top`, notes/kubectl-api-surface.md §5.16):
 *   GET /apis/metrics.k8s.io/v1beta1/nodes[/NAME]                       NodeMetricsList | NodeMetrics
 *   GET /apis/metrics.k8s.io/v1beta1/[namespaces/NS/]pods[/NAME]        PodMetricsList | PodMetrics
 * Nothing is stored: each request asks the kubelets concerned (GET /metrics/resource/v1beta1 with the
 * API server's kubelet client certificate, in parallel, METRICS_TIMEOUT_MS each). A node whose kubelet
 * does not answer in time is left out of lists, as metrics-server leaves out nodes it cannot scrape.
 * Pods are the stored pods (labelSelector and fieldSelector honoured) that their kubelet reported.
 * The group is not in the RESOURCES registry (that is for stored kinds); discovery adds
 * METRICS_RESOURCES to what it serves.
 */
import https from 'node:https';
import type { KubeObject } from '../api/object.js';
import { ApiError, errors } from '../api/errors.js';
import { findResource, type ResourceInfo } from '../api/resources.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from '../api/selectors.js';
import type { RestStorage } from './registry/rest.js';
import { nodeEndpoint, type KubeletClientCert } from './kubelet-proxy.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;
const METRICS_TIMEOUT_MS = 3000;
/** The kubelet's endpoint; see dataplane/kubelet/resource-usage.ts for the JSON shape. */
const KUBELET_USAGE_PATH = '/metrics/resource/v1beta1';

function metricsResource(resource: 'nodes' | 'pods', kind: string, namespaced: boolean): ResourceInfo {
  return {
    group: METRICS_GROUP, version: METRICS_VERSION, resource, singular: '', kind, listKind: `${kind}List`, namespaced,
    shortNames: [], categories: [], verbs: ['get', 'list'], subresources: [],
  };
}

/** What discovery announces for the group (as metrics-server registers it). */
export const METRICS_RESOURCES: readonly ResourceInfo[] = [
  metricsResource('nodes', 'NodeMetrics', false),
  metricsResource('pods', 'PodMetrics', true),
];

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;

/** The kubelet's answer (mirrors UsageReport in dataplane/kubelet/resource-usage.ts). */
export interface KubeletUsage {
  node: { timestamp: string; window: string; cpuNanoCores: number; memoryWorkingSetBytes: number };
  pods: Array<{ namespace: string; name: string; containers: Array<{ name: string; cpuNanoCores: number; memoryWorkingSetBytes: number }> }>;
}

export interface MetricsRequest {
  resource: 'nodes' | 'pods';
  namespace?: string;
  name?: string;
}

/** Parses a path under /apis/metrics.k8s.io/v1beta1/ naming nodes or pods; undefined otherwise. */
export function parseMetricsPath(path: string): MetricsRequest | undefined {
  const prefix = `/apis/${API_VERSION}/`;
  if (!path.startsWith(prefix)) return undefined;
  const p = path.slice(prefix.length).split('/').filter(Boolean).map(decodeURIComponent);
  let namespace: string | undefined;
  if (p[0] === 'namespaces' && p.length >= 3) {
    namespace = p[1];
    p.splice(0, 2);
  }
  const [resource, name, ...rest] = p;
  if (rest.length || (resource !== 'nodes' && resource !== 'pods')) return undefined;
  if (resource === 'nodes' && namespace !== undefined) return undefined;
  return { resource, namespace, name };
}

/** Kubernetes CPU quantity in nanocores: "1234567n". */
export function formatCpu(nanoCores: number): string {
  return `${Math.max(0, Math.round(nanoCores))}n`;
}

/** Kubernetes memory quantity: whole KiB as "10240Ki" (working sets are page multiples), else bytes. */
export function formatMemory(bytes: number): string {
  const b = Math.max(0, Math.round(bytes));
  return b % 1024 === 0 ? `${b / 1024}Ki` : String(b);
}

function usage(u: { cpuNanoCores: number; memoryWorkingSetBytes: number }): { cpu: string; memory: string } {
  return { cpu: formatCpu(u.cpuNanoCores), memory: formatMemory(u.memoryWorkingSetBytes) };
}

function metadataOf(obj: KubeObject, now: Date): Record<string, unknown> {
  const m: Record<string, unknown> = { name: obj.metadata.name };
  if (obj.metadata.namespace) m.namespace = obj.metadata.namespace;
  // metrics-server stamps the time of the answer: metrics objects are not stored.
  m.creationTimestamp = now.toISOString();
  if (obj.metadata.labels) m.labels = { ...obj.metadata.labels };
  return m;
}

export function nodeMetrics(node: KubeObject, report: KubeletUsage, now: Date): object {
  return {
    kind: 'NodeMetrics', apiVersion: API_VERSION, metadata: metadataOf(node, now),
    timestamp: report.node.timestamp, window: report.node.window, usage: usage(report.node),
  };
}

/** The pod's metrics from its node's report; undefined when the kubelet has none for it. */
export function podMetrics(pod: KubeObject, report: KubeletUsage | undefined, now: Date): object | undefined {
  const found = report?.pods.find((p) => p.namespace === pod.metadata.namespace && p.name === pod.metadata.name);
  if (!report || !found || found.containers.length === 0) return undefined;
  return {
    kind: 'PodMetrics', apiVersion: API_VERSION, metadata: metadataOf(pod, now),
    timestamp: report.node.timestamp, window: report.node.window,
    containers: [...found.containers].sort((a, b) => a.name.localeCompare(b.name)).map((c) => ({ name: c.name, usage: usage(c) })),
  };
}

const nameOf = (o: KubeObject): string => o.metadata.name ?? '';
const byNamespaceAndName = (a: KubeObject, b: KubeObject): number =>
  (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || nameOf(a).localeCompare(nameOf(b));

/** NodeMetricsList of the nodes whose kubelet answered (reports keyed by node name). */
export function nodeMetricsList(nodes: readonly KubeObject[], reports: ReadonlyMap<string, KubeletUsage>, now: Date): object {
  const items = [...nodes].sort(byNamespaceAndName).flatMap((n) => {
    const r = reports.get(nameOf(n));
    return r ? [nodeMetrics(n, r, now)] : [];
  });
  return { kind: 'NodeMetricsList', apiVersion: API_VERSION, metadata: {}, items };
}

/** PodMetricsList of the pods their node's kubelet reported. */
export function podMetricsList(pods: readonly KubeObject[], reports: ReadonlyMap<string, KubeletUsage>, now: Date): object {
  const items = [...pods].sort(byNamespaceAndName).flatMap((p) => {
    const m = podMetrics(p, reports.get(nodeNameOf(p) ?? ''), now);
    return m ? [m] : [];
  });
  return { kind: 'PodMetricsList', apiVersion: API_VERSION, metadata: {}, items };
}

function nodeNameOf(pod: KubeObject): string | undefined {
  return (pod.spec as { nodeName?: string } | undefined)?.nodeName || undefined;
}

/** GET the kubelet's usage report; undefined when it does not answer (in time) or has none yet. */
export function fetchKubeletUsage(node: KubeObject, cert: KubeletClientCert, timeoutMs = METRICS_TIMEOUT_MS): Promise<KubeletUsage | undefined> {
  let target: { host: string; port: number };
  try {
    target = nodeEndpoint(node);
  } catch {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const req = https.get({
      host: target.host, port: target.port, path: KUBELET_USAGE_PATH, cert: cert.cert, key: cert.key, ca: cert.ca,
      rejectUnauthorized: false, timeout: timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => resolve(undefined));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve(undefined);
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as KubeletUsage);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
  });
}

export interface MetricsApiDeps {
  rest: RestStorage;
  kubeletClient: KubeletClientCert;
  now: Date;
  /** injectable for tests; defaults to asking the node's kubelet over HTTPS */
  fetchUsage?: (node: KubeObject) => Promise<KubeletUsage | undefined>;
}

async function reportsFor(deps: MetricsApiDeps, nodes: readonly KubeObject[]): Promise<Map<string, KubeletUsage>> {
  const fetchUsage = deps.fetchUsage ?? ((n: KubeObject) => fetchKubeletUsage(n, deps.kubeletClient));
  const answers = await Promise.all(nodes.map(async (n) => [nameOf(n), await fetchUsage(n)] as const));
  const out = new Map<string, KubeletUsage>();
  for (const [name, r] of answers) if (r) out.set(name, r);
  return out;
}

/** Answers one metrics.k8s.io request with the JSON body to send (errors are thrown as ApiError). */
export async function serveMetrics(deps: MetricsApiDeps, method: string, req: MetricsRequest, query: URLSearchParams): Promise<object> {
  if (method !== 'GET') throw errors.methodNotAllowed(`${method} is not supported on ${API_VERSION}: the metrics API is read-only`);
  if (query.get('watch') === 'true') throw errors.methodNotAllowed('watch is not supported on the metrics API');
  const { rest, now } = deps;
  if (req.resource === 'nodes') {
    if (req.name) {
      const node = await rest.read(NODES, undefined, req.name);
      const r = node && (await reportsFor(deps, [node])).get(nameOf(node));
      if (!node || !r) throw errors.notFound('nodemetrics', METRICS_GROUP, req.name);
      return nodeMetrics(node, r, now);
    }
    const nodes = filterObjects((await rest.list(NODES, undefined)).items, NODES, query);
    return nodeMetricsList(nodes, await reportsFor(deps, nodes), now);
  }
  if (req.name) {
    const pod = await rest.read(PODS, req.namespace, req.name);
    const node = pod && nodeNameOf(pod) ? await rest.read(NODES, undefined, nodeNameOf(pod)!) : undefined;
    const m = pod && node ? podMetrics(pod, (await reportsFor(deps, [node])).get(nameOf(node)), now) : undefined;
    if (!m) throw errors.notFound('podmetrics', METRICS_GROUP, req.name);
    return m;
  }
  const pods = filterObjects((await rest.list(PODS, req.namespace)).items, PODS, query).filter((p) => nodeNameOf(p));
  const wanted = new Set(pods.map((p) => nodeNameOf(p)!));
  const nodes = (await rest.list(NODES, undefined)).items.filter((n) => wanted.has(nameOf(n)));
  return podMetricsList(pods, await reportsFor(deps, nodes), now);
}

function filterObjects(items: KubeObject[], info: ResourceInfo, query: URLSearchParams): KubeObject[] {
  let out = items;
  const ls = query.get('labelSelector');
  if (ls) {
    const sel = parseSelector(() => parseLabelSelector(ls));
    out = out.filter((o) => matchesLabels(sel, o.metadata.labels));
  }
  const fs = query.get('fieldSelector');
  if (fs) {
    const sel = parseSelector(() => parseFieldSelector(fs, info));
    out = out.filter((o) => matchesFields(sel, o));
  }
  return out;
}

function parseSelector<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw errors.badRequest((err as Error).message);
  }
}
