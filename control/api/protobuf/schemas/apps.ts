/** k8s.io/api apps/v1 Deployment. Row format: see ../schema.ts. */
import type { SchemaSet } from '../schema.js';

export const appsV1: SchemaSet = {
  Deployment: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [2, 'DeploymentSpec', 'spec,omitempty'],
    [3, 'DeploymentStatus', 'status,omitempty'],
  ],
  DeploymentSpec: [
    [1, '*int32', 'replicas,omitempty'],
    [2, '*LabelSelector', 'selector'],
    [3, 'PodTemplateSpec', 'template'],
    [4, 'DeploymentStrategy', 'strategy,omitempty'],
    [5, 'int32', 'minReadySeconds,omitempty'],
    [6, '*int32', 'revisionHistoryLimit,omitempty'],
    [7, 'bool', 'paused,omitempty'],
    [9, '*int32', 'progressDeadlineSeconds,omitempty'],
  ],
  DeploymentStrategy: [
    [1, 'string', 'type,omitempty'],
    [2, '*RollingUpdateDeployment', 'rollingUpdate,omitempty'],
  ],
  RollingUpdateDeployment: [
    [1, '*IntOrString', 'maxUnavailable,omitempty'],
    [2, '*IntOrString', 'maxSurge,omitempty'],
  ],
  DeploymentStatus: [
    [1, 'int64', 'observedGeneration,omitempty'],
    [2, 'int32', 'replicas,omitempty'],
    [3, 'int32', 'updatedReplicas,omitempty'],
    [7, 'int32', 'readyReplicas,omitempty'],
    [4, 'int32', 'availableReplicas,omitempty'],
    [5, 'int32', 'unavailableReplicas,omitempty'],
    [6, '[]DeploymentCondition', 'conditions,omitempty'],
    [8, '*int32', 'collisionCount,omitempty'],
  ],
  DeploymentCondition: [
    [1, 'string', 'type'],
    [2, 'string', 'status'],
    [6, 'Time', 'lastUpdateTime,omitempty'],
    [7, 'Time', 'lastTransitionTime,omitempty'],
    [4, 'string', 'reason,omitempty'],
    [5, 'string', 'message,omitempty'],
  ],
};
