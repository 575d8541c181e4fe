/**
 * validate(info, obj, old?): the FieldErrors kube-apiserver would report for a create (no `old`)
 * or an update, with exact field paths and kube's messages. Run it after applyDefaults. Unknown
 * kinds get metadata validation only. An empty list means valid.
 */
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import type { ResourceInfo } from '../resources.js';
import { validateDaemonSet, validateDeployment, validateReplicaSet, validateSelectorImmutable } from './apps.js';
import {
  validateEndpointSlice, validateEndpointSliceUpdate, validateEndpoints, validateEvent, validateHorizontalPodAutoscaler,
  validateNamespace, validateNetworkPolicy, validateNode, validateNodeUpdate,
} from './cluster.js';
import { validateConfigMap, validateImmutableData, validateSecret, validateSecretUpdate } from './config.js';
import { validateIngress, validateIngressClass, validateIngressClassUpdate } from './ingress.js';
import { validateCronJob } from './cronjob.js';
import { validateJob, validateJobUpdate } from './job.js';
import { type NameValidator, nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, nameIsPathSegment } from './names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { validatePod, validatePodUpdate } from './pod.js';
import {
  validateBindingUpdate, validateClusterRole, validateClusterRoleBinding, validatePodDisruptionBudget, validatePriorityClass,
  validatePriorityClassUpdate, validateRole, validateRoleBinding,
} from './policy.js';
import { validateService, validateServiceUpdate } from './service.js';
import { validateStatefulSet, validateStatefulSetUpdate } from './statefulset.js';
import {
  validatePersistentVolume, validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate, validateStorageClass, validateStorageClassUpdate,
} from './storage.js';

interface KindRules {
  nameFn?: NameValidator;
  /** also run on updates, given the old object (for rules that differ between create and update) */
  create?: (obj: KubeObject, old?: KubeObject) => FieldError[];
  /** update-only rules; the create rules run on updates too */
  update?: (next: KubeObject, prev: KubeObject) => FieldError[];
}

/** Keyed by `<group or core>/<resource>`. */
const RULES: Record<string, KindRules> = {
  'core/namespaces': { nameFn: nameIsDNSLabel, create: validateNamespace },
  'core/services': { nameFn: nameIsDNS1035Label, create: validateService, update: validateServiceUpdate },
  'core/pods': { create: validatePod, update: validatePodUpdate },
  'core/configmaps': { create: validateConfigMap, update: validateImmutableData },
  'core/secrets': { create: validateSecret, update: validateSecretUpdate },
  'core/nodes': { create: validateNode, update: validateNodeUpdate },
  'core/events': { create: validateEvent },
  'core/endpoints': { create: validateEndpoints },
  'apps/deployments': { create: validateDeployment, update: validateSelectorImmutable },
  'apps/replicasets': { create: validateReplicaSet, update: validateSelectorImmutable },
  'apps/daemonsets': { create: validateDaemonSet, update: validateSelectorImmutable },
  'apps/statefulsets': { create: validateStatefulSet, update: validateStatefulSetUpdate },
  'core/persistentvolumeclaims': { create: validatePersistentVolumeClaim, update: validatePersistentVolumeClaimUpdate },
  'core/persistentvolumes': { create: validatePersistentVolume },
  'storage.k8s.io/storageclasses': { create: validateStorageClass, update: validateStorageClassUpdate },
  'batch/jobs': { create: validateJob, update: validateJobUpdate },
  'batch/cronjobs': { create: validateCronJob },
  'networking.k8s.io/ingresses': { create: validateIngress },
  'networking.k8s.io/ingressclasses': { create: validateIngressClass, update: validateIngressClassUpdate },
  'networking.k8s.io/networkpolicies': { create: validateNetworkPolicy },
  'discovery.k8s.io/endpointslices': { create: validateEndpointSlice, update: validateEndpointSliceUpdate },
  'autoscaling/horizontalpodautoscalers': { create: validateHorizontalPodAutoscaler },
  'rbac.authorization.k8s.io/roles': { nameFn: nameIsPathSegment, create: validateRole },
  'rbac.authorization.k8s.io/clusterroles': { nameFn: nameIsPathSegment, create: validateClusterRole },
  'rbac.authorization.k8s.io/rolebindings': { nameFn: nameIsPathSegment, create: validateRoleBinding, update: validateBindingUpdate },
  'rbac.authorization.k8s.io/clusterrolebindings': { nameFn: nameIsPathSegment, create: validateClusterRoleBinding, update: validateBindingUpdate },
  'policy/poddisruptionbudgets': { create: validatePodDisruptionBudget },
  'scheduling.k8s.io/priorityclasses': { create: validatePriorityClass, update: validatePriorityClassUpdate },
};

/** kube reports each distinct "field: message" once (field.ErrorList.ToAggregate). */
function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const k = `${e.field}: ${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function validate(info: Pick<ResourceInfo, 'group' | 'resource' | 'namespaced'>, obj: KubeObject, old?: KubeObject): FieldError[] {
  const rules = RULES[`${info.group || 'core'}/${info.resource}`] ?? {};
  const errs = validateObjectMeta(obj.metadata, { namespaced: info.namespaced, nameFn: rules.nameFn ?? nameIsDNSSubdomain });
  if (rules.create) errs.push(...rules.create(obj, old));
  if (old) {
    errs.push(...validateObjectMetaUpdate(obj.metadata ?? {}, old.metadata ?? {}));
    if (rules.update) errs.push(...rules.update(obj, old));
  }
  return dedupe(errs);
}

export { fieldErrors, goLabelSelector, goStringMap, goValue } from './field-error.js';
export * as names from './names.js';
