/**
 * Which fields each resource lets `?fieldSelector=` filter on, and their string values for an
 * object — the per-kind `ToSelectableFields` functions and field-label conversions of
 * kube-apiserver. A field an object lacks reads as '' (so `spec.nodeName=` finds unscheduled pods).
 */
import type { KubeObject } from '../object.js';
import type { ResourceInfo } from '../resources.js';

type FieldReader = (obj: KubeObject) => string;

function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function text(path: string): FieldReader {
  return (obj) => {
    const v = at(obj, path);
    return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
  };
}

/** Booleans read as "true"/"false" even when absent (Go's zero value). */
function bool(path: string): FieldReader {
  return (obj) => (at(obj, path) === true ? 'true' : 'false');
}

/** Integers read as their decimal string, '0' when absent (Go's zero value). */
function int(path: string): FieldReader {
  return (obj) => {
    const v = at(obj, path);
    return typeof v === 'number' ? String(v) : '0';
  };
}

const PER_RESOURCE: Record<string, Record<string, FieldReader>> = {
  'core/pods': {
    'spec.nodeName': text('spec.nodeName'),
    'spec.restartPolicy': text('spec.restartPolicy'),
    'spec.schedulerName': text('spec.schedulerName'),
    'spec.serviceAccountName': text('spec.serviceAccountName'),
    'spec.hostNetwork': bool('spec.hostNetwork'),
    'status.phase': text('status.phase'),
    // upstream reads the first of status.podIPs (podIP mirrors it)
    'status.podIP': (obj) => {
      const ips = at(obj, 'status.podIPs');
      if (Array.isArray(ips) && ips.length > 0) return text('ip')(ips[0] as KubeObject);
      return text('status.podIP')(obj);
    },
    'status.nominatedNodeName': text('status.nominatedNodeName'),
  },
  'core/events': {
    'involvedObject.kind': text('involvedObject.kind'),
    'involvedObject.namespace': text('involvedObject.namespace'),
    'involvedObject.name': text('involvedObject.name'),
    'involvedObject.uid': text('involvedObject.uid'),
    'involvedObject.apiVersion': text('involvedObject.apiVersion'),
    'involvedObject.resourceVersion': text('involvedObject.resourceVersion'),
    'involvedObject.fieldPath': text('involvedObject.fieldPath'),
    reason: text('reason'),
    reportingComponent: text('reportingComponent'),
    source: text('source.component'),
    type: text('type'),
  },
  'core/secrets': { type: text('type') },
  'core/nodes': { 'spec.unschedulable': bool('spec.unschedulable') },
  // "name" is a historical bug upstream keeps for compatibility
  'core/namespaces': { 'status.phase': text('status.phase'), name: text('metadata.name') },
  'core/services': { 'spec.clusterIP': text('spec.clusterIP'), 'spec.type': text('spec.type') },
  'batch/jobs': { 'status.successful': int('status.succeeded') },
  'apps/replicasets': { 'status.replicas': int('status.replicas') },
};

/** Core cluster-scoped kinds whose field-label conversion does not accept metadata.namespace. */
const NO_NAMESPACE_FIELD = new Set(['core/nodes', 'core/namespaces']);

function resourceKey(info: Pick<ResourceInfo, 'group' | 'resource'>): string {
  return `${info.group || 'core'}/${info.resource}`;
}

const readerCache = new Map<string, Record<string, FieldReader>>();

function readers(info: Pick<ResourceInfo, 'group' | 'resource'>): Record<string, FieldReader> {
  const key = resourceKey(info);
  let table = readerCache.get(key);
  if (!table) {
    const meta: Record<string, FieldReader> = { 'metadata.name': text('metadata.name') };
    if (!NO_NAMESPACE_FIELD.has(key)) meta['metadata.namespace'] = text('metadata.namespace');
    table = { ...meta, ...(PER_RESOURCE[key] ?? {}) };
    readerCache.set(key, table);
  }
  return table;
}

/** The field labels `?fieldSelector=` accepts for this resource. */
export function selectableFieldNames(info: Pick<ResourceInfo, 'group' | 'resource'>): string[] {
  return Object.keys(readers(info));
}

export function isSelectableField(info: Pick<ResourceInfo, 'group' | 'resource'>, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(readers(info), field);
}

/** One field's value ('' when the resource has no such field label). */
export function readSelectableField(info: Pick<ResourceInfo, 'group' | 'resource'>, obj: KubeObject, field: string): string {
  const read = readers(info)[field];
  return read ? read(obj) : '';
}

/** The selectable field set of one object (every supported label → its string value). */
export function selectableFields(info: Pick<ResourceInfo, 'group' | 'resource'>, obj: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, read] of Object.entries(readers(info))) out[name] = read(obj);
  return out;
}
