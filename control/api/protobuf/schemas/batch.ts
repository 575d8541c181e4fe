/** k8s.io/api batch/v1 Job and CronJob. Row format: see ../schema.ts. */
import type { SchemaSet } from '../schema.js';

export const batchV1: SchemaSet = {
  Job: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [2, 'JobSpec', 'spec,omitempty'],
    [3, 'JobStatus', 'status,omitempty'],
  ],
  JobSpec: [
    [1, '*int32', 'parallelism,omitempty'],
    [2, '*int32', 'completions,omitempty'],
    [3, '*int64', 'activeDeadlineSeconds,omitempty'],
    [11, '*PodFailurePolicy', 'podFailurePolicy,omitempty'],
    [16, '*SuccessPolicy', 'successPolicy,omitempty'],
    [7, '*int32', 'backoffLimit,omitempty'],
    [12, '*int32', 'backoffLimitPerIndex,omitempty'],
    [13, '*int32', 'maxFailedIndexes,omitempty'],
    [4, '*LabelSelector', 'selector,omitempty'],
    [5, '*bool', 'manualSelector,omitempty'],
    [6, 'PodTemplateSpec', 'template'],
    [8, '*int32', 'ttlSecondsAfterFinished,omitempty'],
    [9, '*string', 'completionMode,omitempty'],
    [10, '*bool', 'suspend,omitempty'],
    [14, '*string', 'podReplacementPolicy,omitempty'],
    [15, '*string', 'managedBy,omitempty'],
  ],
  PodFailurePolicy: [
    [1, '[]PodFailurePolicyRule', 'rules'],
  ],
  PodFailurePolicyRule: [
    [1, 'string', 'action'],
    [2, '*PodFailurePolicyOnExitCodesRequirement', 'onExitCodes,omitempty'],
    [3, '[]PodFailurePolicyOnPodConditionsPattern', 'onPodConditions,omitempty'],
  ],
  PodFailurePolicyOnExitCodesRequirement: [
    [1, '*string', 'containerName,omitempty'],
    [2, 'string', 'operator'],
    [3, '[]int32', 'values'],
  ],
  PodFailurePolicyOnPodConditionsPattern: [
    [1, 'string', 'type'],
    [2, 'string', 'status'],
  ],
  SuccessPolicy: [
    [1, '[]SuccessPolicyRule', 'rules'],
  ],
  SuccessPolicyRule: [
    [1, '*string', 'succeededIndexes,omitempty'],
    [2, '*int32', 'succeededCount,omitempty'],
  ],
  JobStatus: [
    [1, '[]JobCondition', 'conditions,omitempty'],
    [2, '*Time', 'startTime,omitempty'],
    [3, '*Time', 'completionTime,omitempty'],
    [4, 'int32', 'active,omitempty'],
    [5, 'int32', 'succeeded,omitempty'],
    [6, 'int32', 'failed,omitempty'],
    [11, '*int32', 'terminating,omitempty'],
    [7, 'string', 'completedIndexes,omitempty'],
    [10, '*string', 'failedIndexes,omitempty'],
    [8, '*UncountedTerminatedPods', 'uncountedTerminatedPods,omitempty'],
    [9, '*int32', 'ready,omitempty'],
  ],
  JobCondition: [
    [1, 'string', 'type'],
    [2, 'string', 'status'],
    [3, 'Time', 'lastProbeTime,omitempty'],
    [4, 'Time', 'lastTransitionTime,omitempty'],
    [5, 'string', 'reason,omitempty'],
    [6, 'string', 'message,omitempty'],
  ],
  UncountedTerminatedPods: [
    [1, '[]string', 'succeeded,omitempty'],
    [2, '[]string', 'failed,omitempty'],
  ],
  CronJob: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [2, 'CronJobSpec', 'spec,omitempty'],
    [3, 'CronJobStatus', 'status,omitempty'],
  ],
  CronJobSpec: [
    [1, 'string', 'schedule'],
    [8, '*string', 'timeZone,omitempty'],
    [2, '*int64', 'startingDeadlineSeconds,omitempty'],
    [3, 'string', 'concurrencyPolicy,omitempty'],
    [4, '*bool', 'suspend,omitempty'],
    [5, 'JobTemplateSpec', 'jobTemplate'],
    [6, '*int32', 'successfulJobsHistoryLimit,omitempty'],
    [7, '*int32', 'failedJobsHistoryLimit,omitempty'],
  ],
  JobTemplateSpec: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [2, 'JobSpec', 'spec,omitempty'],
  ],
  CronJobStatus: [
    [1, '[]ObjectReference', 'active,omitempty'],
    [4, '*Time', 'lastScheduleTime,omitempty'],
    [5, '*Time', 'lastSuccessfulTime,omitempty'],
  ],
};
