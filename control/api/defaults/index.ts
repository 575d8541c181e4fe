/**
 * applyDefaults: what kube-apiserver fills in on every write before validation, per kind.
 * One dispatcher over small per-kind defaulters; kinds without defaults are left untouched.
 * Mutates the given (fresh, caller-owned) object; safe to run again on an already defaulted
 * object (every default only fills what is absent).
 */
import type { KubeObject } from '../object.js';
import type { ResourceInfo } from '../resources.js';
import { defaultDaemonSet, defaultDeployment, defaultReplicaSet } from './apps.js';
import { defaultEndpoints, defaultNamespace, defaultNode, defaultSecret } from './core.js';
import { defaultCronJob } from './cronjob.js';
import { defaultJob } from './job.js';
import { defaultEndpointSlice, defaultHorizontalPodAutoscaler, defaultIngressClass, defaultNetworkPolicy } from './networking.js';
import { defaultPod } from './pod.js';
import { defaultBinding, defaultPriorityClass } from './policy.js';
import { defaultService } from './service.js';
import { defaultStatefulSet } from './statefulset.js';
import { defaultPersistentVolume, defaultPersistentVolumeClaim, defaultStorageClass } from './storage.js';

type Defaulter = (obj: KubeObject) => void;

/** Keyed by `<group or core>/<resource>`. */
const DEFAULTERS: Record<string, Defaulter> = {
  'core/pods': defaultPod,
  'core/services': defaultService,
  'core/secrets': defaultSecret,
  'core/namespaces': defaultNamespace,
  'core/endpoints': defaultEndpoints,
  'core/nodes': defaultNode,
  'apps/deployments': defaultDeployment,
  'apps/replicasets': defaultReplicaSet,
  'apps/daemonsets': defaultDaemonSet,
  'apps/statefulsets': defaultStatefulSet,
  'core/persistentvolumeclaims': defaultPersistentVolumeClaim,
  'core/persistentvolumes': defaultPersistentVolume,
  'storage.k8s.io/storageclasses': defaultStorageClass,
  'batch/jobs': defaultJob,
  'batch/cronjobs': defaultCronJob,
  'discovery.k8s.io/endpointslices': defaultEndpointSlice,
  'networking.k8s.io/networkpolicies': defaultNetworkPolicy,
  'networking.k8s.io/ingressclasses': defaultIngressClass,
  'autoscaling/horizontalpodautoscalers': defaultHorizontalPodAutoscaler,
  'rbac.authorization.k8s.io/rolebindings': defaultBinding,
  'rbac.authorization.k8s.io/clusterrolebindings': defaultBinding,
  'scheduling.k8s.io/priorityclasses': defaultPriorityClass,
};

export function applyDefaults(info: Pick<ResourceInfo, 'group' | 'resource'>, obj: KubeObject): void {
  if (!obj.metadata || typeof obj.metadata !== 'object') obj.metadata = {};
  DEFAULTERS[`${info.group || 'core'}/${info.resource}`]?.(obj);
}

export { imageTag } from './pod-spec.js';
export { JOB_LABELS } from './job.js';
