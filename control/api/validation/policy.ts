/**
 * rbac.authorization.k8s.io/v1, policy/v1 PodDisruptionBudget and scheduling.k8s.io/v1
 * PriorityClass validation (pkg/apis/{rbac,policy,scheduling}/validation), with upstream's
 * field paths and messages.
 */
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { GoRepr, child, fieldErrors, goQuote, goStringSlice, index } from './field-error.js';
import { type JsonRecord, arr, isRecord, rec, records, str } from './json-shape.js';
import { validateLabelSelector } from './label-selector.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function validatePolicyRules(obj: KubeObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  records((obj as JsonRecord).rules).forEach((rule, i) => {
    const path = index('rules', i);
    if (arr(rule.verbs).length === 0) errs.push(fieldErrors.required(child(path, 'verbs'), 'verbs must contain at least one value'));
    const urls = arr(rule.nonResourceURLs);
    if (urls.length > 0) {
      if (namespaced) errs.push(fieldErrors.invalid(child(path, 'nonResourceURLs'), goStringSlice(urls), 'namespaced rules cannot apply to non-resource URLs'));
      if (arr(rule.apiGroups).length > 0 || arr(rule.resources).length > 0 || arr(rule.resourceNames).length > 0) {
        errs.push(fieldErrors.invalid(child(path, 'nonResourceURLs'), goStringSlice(urls), 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (arr(rule.apiGroups).length === 0) errs.push(fieldErrors.required(child(path, 'apiGroups'), 'resource rules must supply at least one api group'));
    if (arr(rule.resources).length === 0) errs.push(fieldErrors.required(child(path, 'resources'), 'resource rules must supply at least one resource'));
  });
  return errs;
}

export const validateRole = (obj: KubeObject): FieldError[] => validatePolicyRules(obj, true);
export const validateClusterRole = (obj: KubeObject): FieldError[] => validatePolicyRules(obj, false);

function validateBinding(obj: KubeObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = rec((obj as JsonRecord).roleRef) ?? {};
  if (str(ref.apiGroup) !== RBAC_GROUP) errs.push(fieldErrors.notSupported('roleRef.apiGroup', str(ref.apiGroup), [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(str(ref.kind))) errs.push(fieldErrors.notSupported('roleRef.kind', str(ref.kind), kinds));
  if (!str(ref.name)) errs.push(fieldErrors.required('roleRef.name'));
  records((obj as JsonRecord).subjects).forEach((s, i) => {
    const path = index('subjects', i);
    if (!str(s.name)) errs.push(fieldErrors.required(child(path, 'name')));
    switch (str(s.kind)) {
      case 'ServiceAccount':
        if (str(s.apiGroup) !== '') errs.push(fieldErrors.notSupported(child(path, 'apiGroup'), str(s.apiGroup), ['']));
        if (!namespaced && !str(s.namespace)) errs.push(fieldErrors.required(child(path, 'namespace')));
        break;
      case 'User':
      case 'Group':
        if (str(s.apiGroup) !== RBAC_GROUP) errs.push(fieldErrors.notSupported(child(path, 'apiGroup'), str(s.apiGroup), [RBAC_GROUP]));
        break;
      default:
        errs.push(fieldErrors.notSupported(child(path, 'kind'), str(s.kind), ['ServiceAccount', 'User', 'Group']));
    }
  });
  return errs;
}

export const validateRoleBinding = (obj: KubeObject): FieldError[] => validateBinding(obj, true);
export const validateClusterRoleBinding = (obj: KubeObject): FieldError[] => validateBinding(obj, false);

/** roleRef is immutable: a binding to another role is a new binding. */
export function validateBindingUpdate(next: KubeObject, prev: KubeObject): FieldError[] {
  const a = rec((next as JsonRecord).roleRef) ?? {};
  const b = rec((prev as JsonRecord).roleRef) ?? {};
  if (str(a.apiGroup) === str(b.apiGroup) && str(a.kind) === str(b.kind) && str(a.name) === str(b.name)) return [];
  const repr = new GoRepr(`rbac.RoleRef{APIGroup:${goQuote(str(a.apiGroup))}, Kind:${goQuote(str(a.kind))}, Name:${goQuote(str(a.name))}}`);
  return [fieldErrors.invalid('roleRef', repr, 'cannot change roleRef')];
}

function validateIntOrPercent(value: unknown, path: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'number') return value < 0 ? [fieldErrors.invalid(path, value, 'must be greater than or equal to 0')] : [];
  const m = /^(\d+)%$/.exec(String(value));
  if (!m) return [fieldErrors.invalid(path, value, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  return Number(m[1]) > 100 ? [fieldErrors.invalid(path, value, 'must not be greater than 100%')] : [];
}

export function validatePodDisruptionBudget(obj: KubeObject): FieldError[] {
  const spec = rec((obj as JsonRecord).spec) ?? {};
  const errs: FieldError[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(fieldErrors.invalid('spec', new GoRepr(JSON.stringify(spec)), 'minAvailable and maxUnavailable cannot be both set'));
  }
  errs.push(...validateIntOrPercent(spec.minAvailable, 'spec.minAvailable'));
  errs.push(...validateIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable'));
  if (isRecord(spec.selector)) errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && policy !== 'IfHealthyBudget' && policy !== 'AlwaysAllow') {
    errs.push(fieldErrors.notSupported('spec.unhealthyPodEvictionPolicy', policy, ['AlwaysAllow', 'IfHealthyBudget']));
  }
  return errs;
}

/** Only system-node-critical and system-cluster-critical may carry the system- prefix or exceed 1e9. */
const SYSTEM_CLASSES: Record<string, number> = { 'system-node-critical': 2_000_001_000, 'system-cluster-critical': 2_000_000_000 };
const HIGHEST_USER_PRIORITY = 1_000_000_000;

export function validatePriorityClass(obj: KubeObject): FieldError[] {
  const o = obj as JsonRecord;
  const name = obj.metadata?.name ?? '';
  const errs: FieldError[] = [];
  const system = SYSTEM_CLASSES[name];
  if (name.startsWith('system-') && system === undefined) {
    errs.push(fieldErrors.forbidden('metadata.name', "priority class names with 'system-' prefix are reserved for system use only"));
  }
  if (typeof o.value === 'number' && system === undefined && o.value > HIGHEST_USER_PRIORITY) {
    errs.push(fieldErrors.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`));
  }
  const policy = o.preemptionPolicy;
  if (policy !== undefined && policy !== 'Never' && policy !== 'PreemptLowerPriority') {
    errs.push(fieldErrors.notSupported('preemptionPolicy', policy, ['Never', 'PreemptLowerPriority']));
  }
  return errs;
}

export function validatePriorityClassUpdate(next: KubeObject, prev: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if ((next as JsonRecord).value !== (prev as JsonRecord).value) errs.push(fieldErrors.forbidden('value', 'may not be changed in an update.'));
  if ((next as JsonRecord).preemptionPolicy !== (prev as JsonRecord).preemptionPolicy) errs.push(fieldErrors.invalid('preemptionPolicy', (next as JsonRecord).preemptionPolicy, 'field is immutable'));
  return errs;
}
