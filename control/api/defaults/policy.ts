/**
 * rbac.authorization.k8s.io/v1 and scheduling.k8s.io/v1 defaults (SetDefaults_* upstream):
 * a binding's roleRef.apiGroup and each subject's apiGroup; a PriorityClass's preemptionPolicy.
 */
import type { KubeObject } from '../object.js';
import { type JsonRecord, isRecord, records, setDefault } from '../validation/json-shape.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

export function defaultBinding(obj: KubeObject): void {
  const o = obj as JsonRecord;
  if (isRecord(o.roleRef) && !o.roleRef.apiGroup) o.roleRef.apiGroup = RBAC_GROUP;
  for (const s of records(o.subjects)) {
    if (s.apiGroup) continue;
    // ServiceAccount subjects default to the core group, "", which Go's omitempty never prints.
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
  }
}

export function defaultPriorityClass(obj: KubeObject): void {
  setDefault(obj as JsonRecord, 'preemptionPolicy', 'PreemptLowerPriority');
}
