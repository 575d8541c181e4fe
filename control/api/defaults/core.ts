/**
 * Small core/v1 defaulters: Secret, Namespace, Endpoints, Node.
 */
import type { KubeObject } from '../object.js';
import { type JsonRecord, ensureRecord, isRecord, records, setDefaultString } from '../validation/json-shape.js';

/**
 * Type Opaque; `stringData` is write-only upstream (v1 conversion merges it into `data`,
 * base64-encoded, overriding keys of the same name).
 */
export function defaultSecret(obj: KubeObject): void {
  const secret = obj as JsonRecord;
  setDefaultString(secret, 'type', 'Opaque');
  if (isRecord(secret.stringData)) {
    const data = ensureRecord(secret, 'data');
    for (const [k, v] of Object.entries(secret.stringData)) if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
    delete secret.stringData;
  }
}

/**
 * SetDefaults_Namespace/NamespaceStatus plus the namespace strategy's PrepareForCreate:
 * the `kubernetes.io/metadata.name` label, `spec.finalizers: [kubernetes]`, `status.phase: Active`.
 */
export function defaultNamespace(obj: KubeObject): void {
  const name = obj.metadata.name;
  if (name) obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
  const spec = ensureRecord(obj as JsonRecord, 'spec');
  if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
  setDefaultString(ensureRecord(obj as JsonRecord, 'status'), 'phase', 'Active');
}

export function defaultEndpoints(obj: KubeObject): void {
  for (const subset of records((obj as JsonRecord).subsets)) for (const p of records(subset.ports)) setDefaultString(p, 'protocol', 'TCP');
}

/** SetDefaults_NodeStatus: allocatable defaults to capacity. */
export function defaultNode(obj: KubeObject): void {
  const status = (obj as JsonRecord).status;
  if (isRecord(status) && isRecord(status.capacity) && !isRecord(status.allocatable)) status.allocatable = { ...status.capacity };
}
