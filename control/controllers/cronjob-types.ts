/** The batch/v1 CronJob shape the CronJob controller reads and writes (JSON bodies, RFC 3339 strings). */
import type { KubeObject, ObjectMeta } from '../api/object.js';
import type { Job } from './workload-types.js';

export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

/** core/v1 ObjectReference, as status.active lists Jobs (field order as Go serialises it). */
export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

export interface CronJobStatus {
  active?: ObjectReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

export interface CronJob extends KubeObject {
  spec: {
    schedule: string;
    timeZone?: string | null;
    startingDeadlineSeconds?: number | null;
    concurrencyPolicy?: ConcurrencyPolicy;
    suspend?: boolean | null;
    successfulJobsHistoryLimit?: number | null;
    failedJobsHistoryLimit?: number | null;
    jobTemplate: { metadata?: ObjectMeta; spec?: Job['spec'] };
  };
  status?: CronJobStatus;
}

/** What the CronJob controller records; the controller-manager wires it to an EventRecorder. */
export interface PlannedEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}
