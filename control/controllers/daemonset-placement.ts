/**
 * Where a DaemonSet runs (upstream daemon_controller.go NodeShouldRunDaemonPod and
 * util.AddOrUpdateDaemonPodTolerations / ReplaceDaemonSetPodNodeNameNodeAffinity), as pure
 * functions over a Node and the pod template.
 *
 * - A node is eligible when the template's nodeSelector and required node affinity match it and
 *   every NoSchedule/NoExecute taint is tolerated (the template's tolerations plus the ones every
 *   daemon pod gets).
 * - Daemon pods tolerate node.kubernetes.io/{not-ready,unreachable} NoExecute (no eviction),
 *   {disk,memory,pid}-pressure and unschedulable NoSchedule (and network-unavailable for
 *   hostNetwork pods), so cordoned or failing nodes keep their daemons.
 * - The pod is pinned with required node affinity `matchFields metadata.name In [node]`; the
 *   scheduler binds it there (it is not created with spec.nodeName).
 */
import { clone } from '../api/object.js';
import type { Node, NodeSelectorRequirement, Pod, NodeSelectorTerm, PodTemplateSpec, Toleration } from './workload-types.js';

export const DAEMON_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
const NETWORK_UNAVAILABLE: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !/^-?\d+$/.test(value) || values.length !== 1) return false;
      return r.operator === 'Gt' ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]);
    }
    default: return false;
  }
}

/** A node selector term: every expression (labels) and field (metadata.name) matches; an empty term matches nothing. */
export function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return exprs.every((r) => requirementMatches(r, Object.prototype.hasOwnProperty.call(labels, r.key) ? labels[r.key] : undefined))
    && fields.every((r) => requirementMatches(r, r.key === 'metadata.name' ? node.metadata.name : undefined));
}

export function tolerates(tolerations: readonly Toleration[], taint: { key: string; value?: string; effect: string }): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (!t.key) return t.operator === 'Exists';
    if (t.key !== taint.key) return false;
    return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
  });
}

export function daemonTolerations(template: PodTemplateSpec | undefined): Toleration[] {
  const own = template?.spec?.tolerations ?? [];
  const extra = [...DAEMON_TOLERATIONS, ...(template?.spec?.hostNetwork ? [NETWORK_UNAVAILABLE] : [])];
  const out = [...own];
  for (const t of extra) if (!out.some((o) => o.key === t.key && o.effect === t.effect)) out.push(t);
  return out;
}

/** Should a daemon pod of this template run on `node`? */
export function nodeShouldRunDaemonPod(node: Node, template: PodTemplateSpec | undefined): boolean {
  if (node.metadata.deletionTimestamp) return false;
  const spec = template?.spec ?? {};
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !(required.nodeSelectorTerms ?? []).some((t) => termMatches(t, node))) return false;
  const tolerations = daemonTolerations(template);
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerates(tolerations, taint)) return false;
  }
  return true;
}

/** The template of the daemon pod for `nodeName`: pinned by node affinity, with daemon tolerations. */
export function daemonPodTemplate(template: PodTemplateSpec | undefined, nodeName: string): PodTemplateSpec {
  const t = clone(template ?? {});
  const spec = (t.spec ??= {});
  spec.tolerations = daemonTolerations(template);
  const affinity = (spec.affinity ??= {});
  const nodeAffinity = (affinity.nodeAffinity ??= {});
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
  };
  return t;
}

/** The node a daemon pod is for: where it is bound, else the node its affinity pins it to. */
export function daemonPodNode(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const t of terms) {
    for (const f of t.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}
