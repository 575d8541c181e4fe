/**
 * The downward API: values of `fieldRef` and `resourceFieldRef`, shared by env vars and
 * downwardAPI volume files (upstream pkg/fieldpath + resource helpers).
 */
import { parseQuantity } from '../../control/api/quantity.js';
import type { Container, ObjectFieldSelector, Pod, ResourceFieldSelector } from './pod-types.js';

export interface PodRuntimeFacts {
  podIP: string;
  hostIP: string;
  nodeName: string;
  /** node allocatable, the fallback for unset limits (cores, bytes) */
  nodeCpu: number;
  nodeMemory: number;
}

export class FieldRefError extends Error {}

/** `k1="v1"\nk2="v2"` sorted by key, quotes escaped (upstream FormatMap). */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${JSON.stringify(m![k])}`).join('\n');
}

export function fieldRefValue(pod: Pod, sel: ObjectFieldSelector, facts: PodRuntimeFacts): string {
  const path = sel.fieldPath;
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (sub) {
    const map = sub[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations;
    return map?.[sub[2]!] ?? '';
  }
  switch (path) {
    case 'metadata.name': return pod.metadata.name ?? '';
    case 'metadata.namespace': return pod.metadata.namespace ?? '';
    case 'metadata.uid': return pod.metadata.uid ?? '';
    case 'metadata.labels': return formatMap(pod.metadata.labels);
    case 'metadata.annotations': return formatMap(pod.metadata.annotations);
    case 'spec.nodeName': return pod.spec.nodeName ?? facts.nodeName;
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? '';
    case 'status.hostIP': case 'status.hostIPs': return facts.hostIP;
    case 'status.podIP': case 'status.podIPs': return facts.podIP;
    default: throw new FieldRefError(`unsupported fieldPath: ${path}`);
  }
}

function divisorOf(sel: ResourceFieldSelector): number {
  if (sel.divisor === undefined || sel.divisor === '' || sel.divisor === 0 || sel.divisor === '0') return 1;
  return parseQuantity(sel.divisor);
}

/** limits.cpu etc.; cpu rounds up (1m of a 1-core divisor is 1), memory rounds up too, like upstream. */
export function resourceFieldValue(pod: Pod, defaultContainer: Container | undefined, sel: ResourceFieldSelector, facts: PodRuntimeFacts): string {
  const container = sel.containerName ? pod.spec.containers.find((c) => c.name === sel.containerName) : defaultContainer;
  if (!container) throw new FieldRefError(`container ${sel.containerName ?? ''} not found for resourceFieldRef`);
  const [kind, resource] = sel.resource.split('.', 2) as [string, string];
  const table = kind === 'limits' ? container.resources?.limits : container.resources?.requests;
  const raw = table?.[resource];
  let value: number;
  if (raw !== undefined) value = parseQuantity(raw);
  else if (resource === 'cpu') value = kind === 'limits' ? facts.nodeCpu : 0;
  else if (resource === 'memory') value = kind === 'limits' ? facts.nodeMemory : 0;
  else value = 0;
  return String(Math.ceil(value / divisorOf(sel) - 1e-9));
}
