/**
 * Per-resource rules applied around every write, kept as small data-driven functions (the
 * kube-apiserver "strategy" idea): what a create resets, how generation moves, what the main
 * resource vs the status subresource may change.
 */
import type { KubeObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { isDeepStrictEqual } from 'node:util';

export function hasStatusSubresource(info: ResourceInfo): boolean {
  return info.subresources.some((s) => s.name === 'status');
}

/** Kinds whose `status` is owned by controllers: a create starts from an empty status. */
const STATUS_RESET_ON_CREATE = new Set(['deployments', 'replicasets', 'daemonsets', 'statefulsets', 'persistentvolumeclaims', 'persistentvolumes', 'jobs', 'services', 'ingresses',
  'horizontalpodautoscalers', 'gatewayclasses', 'gateways', 'httproutes', 'cronjobs', 'poddisruptionbudgets', 'resourcequotas']);

/** Kinds that carry metadata.generation (bumped on every spec change). */
export function tracksGeneration(info: ResourceInfo): boolean {
  return hasStatusSubresource(info) && info.resource !== 'nodes' && info.resource !== 'namespaces';
}

/** Secret stringData is a write-only convenience: it is merged into data (base64) on every write. */
function normalizeSecret(obj: KubeObject): void {
  const stringData = obj.stringData as Record<string, string> | undefined;
  if (!stringData || typeof stringData !== 'object') return;
  const data = { ...((obj.data as Record<string, string> | undefined) ?? {}) };
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  obj.data = data;
  delete obj.stringData;
}

export function prepareForCreate(info: ResourceInfo, obj: KubeObject): void {
  if (info.resource === 'secrets') normalizeSecret(obj);
  if (STATUS_RESET_ON_CREATE.has(info.resource)) delete obj.status;
  if (info.resource === 'pods') {
    obj.status = { phase: 'Pending', qosClass: podQosClass(obj) };
  }
  if (tracksGeneration(info)) obj.metadata.generation = 1;
}

/**
 * For an update of the main resource: status is kept from the old object (it can only change
 * through /status); for an update of /status: everything but status (and metadata the status
 * writers may touch) is kept from the old object.
 */
export function prepareForUpdate(info: ResourceInfo, obj: KubeObject, old: KubeObject, subresource?: string): void {
  if (info.resource === 'secrets') normalizeSecret(obj);
  if (subresource === 'status') {
    for (const key of Object.keys(obj)) if (key !== 'status' && key !== 'metadata' && key !== 'apiVersion' && key !== 'kind') delete obj[key];
    for (const key of Object.keys(old)) if (key !== 'status' && key !== 'metadata') obj[key] = old[key];
    // status writers may not move labels/annotations/finalizers either (upstream: they can, via metadata, for some kinds; keep it simple and safe)
    obj.metadata = { ...old.metadata, resourceVersion: obj.metadata.resourceVersion };
  } else if (subresource === undefined && hasStatusSubresource(info) && info.resource !== 'nodes') {
    if (old.status === undefined) delete obj.status;
    else obj.status = old.status;
  }
  if (tracksGeneration(info)) {
    const gen = old.metadata.generation ?? 1;
    obj.metadata.generation = specChanged(obj, old) ? gen + 1 : gen;
  } else if (old.metadata.generation !== undefined) {
    obj.metadata.generation = old.metadata.generation;
  }
}

function specChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  };
  return !isDeepStrictEqual(strip(a), strip(b));
}

interface ContainerLike { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }

/** QoS class as upstream computes it (pkg/apis/core/helper/qos), simplified to cpu/memory. */
export function podQosClass(pod: KubeObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const spec = (pod.spec ?? {}) as { containers?: ContainerLike[]; initContainers?: ContainerLike[] };
  const all = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  let any = false;
  let guaranteed = all.length > 0;
  for (const c of all) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (!l || q !== l) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export function nowRfc3339(now = new Date()): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
export function generateNameSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_ALPHABET[Math.floor(Math.random() * NAME_ALPHABET.length)];
  return s;
}
