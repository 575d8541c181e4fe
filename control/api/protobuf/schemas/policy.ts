/**
 * The kinds `kubectl create role|clusterrole|rolebinding|clusterrolebinding|poddisruptionbudget|
 * priorityclass|quota` and `kubectl drain` (Eviction) send: k8s.io/api rbac/v1, policy/v1, scheduling/v1 and core/v1
 * ResourceQuota. Row format: see ../schema.ts.
 */
import type { SchemaSet } from '../schema.js';

export const rbacV1: SchemaSet = {
  Role: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [2, '[]PolicyRule', 'rules'],
  ],
  ClusterRole: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [2, '[]PolicyRule', 'rules'],
    [3, '*AggregationRule', 'aggregationRule,omitempty'],
  ],
  AggregationRule: [
    [1, '[]LabelSelector', 'clusterRoleSelectors,omitempty'],
  ],
  PolicyRule: [
    [1, '[]string', 'verbs'],
    [2, '[]string', 'apiGroups,omitempty'],
    [3, '[]string', 'resources,omitempty'],
    [4, '[]string', 'resourceNames,omitempty'],
    [5, '[]string', 'nonResourceURLs,omitempty'],
  ],
  RoleBinding: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [2, '[]Subject', 'subjects,omitempty'],
    [3, 'RoleRef', 'roleRef'],
  ],
  ClusterRoleBinding: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [2, '[]Subject', 'subjects,omitempty'],
    [3, 'RoleRef', 'roleRef'],
  ],
  Subject: [
    [1, 'string', 'kind'],
    [2, 'string', 'apiGroup,omitempty'],
    [3, 'string', 'name'],
    [4, 'string', 'namespace,omitempty'],
  ],
  RoleRef: [
    [1, 'string', 'apiGroup'],
    [2, 'string', 'kind'],
    [3, 'string', 'name'],
  ],
};

export const policyV1: SchemaSet = {
  // what `kubectl drain` posts to pods/NAME/eviction
  Eviction: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [2, '*DeleteOptions', 'deleteOptions,omitempty'],
  ],
  DeleteOptions: [
    [1, '*int64', 'gracePeriodSeconds,omitempty'],
    [2, '*Preconditions', 'preconditions,omitempty'],
    [3, '*bool', 'orphanDependents,omitempty'],
    [4, '*string', 'propagationPolicy,omitempty'],
    [5, '[]string', 'dryRun,omitempty'],
    [6, '*bool', 'ignoreStoreReadErrorWithClusterBreakingPotential,omitempty'],
  ],
  Preconditions: [
    [1, '*string', 'uid,omitempty'],
    [2, '*string', 'resourceVersion,omitempty'],
  ],
  PodDisruptionBudget: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [2, 'PodDisruptionBudgetSpec', 'spec,omitempty'],
    [3, 'PodDisruptionBudgetStatus', 'status,omitempty'],
  ],
  PodDisruptionBudgetSpec: [
    [1, '*IntOrString', 'minAvailable,omitempty'],
    [2, '*LabelSelector', 'selector,omitempty'],
    [3, '*IntOrString', 'maxUnavailable,omitempty'],
    [4, '*string', 'unhealthyPodEvictionPolicy,omitempty'],
  ],
  PodDisruptionBudgetStatus: [
    [1, 'int64', 'observedGeneration,omitempty'],
    [2, 'map[string]Time', 'disruptedPods,omitempty'],
    [3, 'int32', 'disruptionsAllowed'],
    [4, 'int32', 'currentHealthy'],
    [5, 'int32', 'desiredHealthy'],
    [6, 'int32', 'expectedPods'],
    [7, '[]Condition', 'conditions,omitempty'],
  ],
};

export const schedulingV1: SchemaSet = {
  PriorityClass: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [2, 'int32', 'value'],
    [3, 'bool', 'globalDefault,omitempty'],
    [4, 'string', 'description,omitempty'],
    [5, '*string', 'preemptionPolicy,omitempty'],
  ],
};

export const quotaV1: SchemaSet = {
  ResourceQuota: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [2, 'ResourceQuotaSpec', 'spec,omitempty'],
    [3, 'ResourceQuotaStatus', 'status,omitempty'],
  ],
  ResourceQuotaSpec: [
    [1, 'map[string]Quantity', 'hard,omitempty'],
    [2, '[]string', 'scopes,omitempty'],
    [3, '*ScopeSelector', 'scopeSelector,omitempty'],
  ],
  ScopeSelector: [
    [1, '[]ScopedResourceSelectorRequirement', 'matchExpressions,omitempty'],
  ],
  ScopedResourceSelectorRequirement: [
    [1, 'string', 'scopeName'],
    [2, 'string', 'operator'],
    [3, '[]string', 'values,omitempty'],
  ],
  ResourceQuotaStatus: [
    [1, 'map[string]Quantity', 'hard,omitempty'],
    [2, 'map[string]Quantity', 'used,omitempty'],
  ],
};
