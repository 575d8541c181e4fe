/**
 * The CronJob controller's decisions as pure functions of (CronJob, its Jobs, now)
 * — upstream's syncCronJob and cleanupFinishedJobs with the API calls taken out:
 *
 * - observeChildren: finished Jobs leave `status.active` (SawCompletedJob), the newest completion
 *   becomes `lastSuccessfulTime`; unfinished Jobs we do not list are "unexpected" (the caller
 *   re-reads the CronJob before believing that) and listed refs without a Job are "missing" (the
 *   caller confirms with a live GET before dropping them).
 * - historyToPrune: the oldest finished Jobs beyond successfulJobsHistoryLimit /
 *   failedJobsHistoryLimit (by start time, then name).
 * - planScheduling: whether to start a Job now — suspend, time zone and schedule errors,
 *   startingDeadlineSeconds (MissSchedule), an activation already handled, concurrencyPolicy
 *   Forbid (JobAlreadyActive) or Replace — and when to look again.
 * - jobFromTemplate: the Job `<cronjob>-<scheduled time in minutes since the epoch>`, controlled
 *   by the CronJob, with the template's labels and annotations and the scheduled-timestamp
 *   annotation. The name is the lock that keeps one activation from ever running twice.
 */
import { CronSyntaxError, formatRfc1123zUtc, formatRfc3339, isKnownTimeZone, resolveZone, UTC } from '../api/cron/index.js';
import { clone } from '../api/object.js';
import { newControllerRef } from './controller-ref.js';
import { dueScheduleTime, nextScheduleDelay, resolveSchedule, type ResolvedSchedule } from './cronjob-schedule-times.js';
import type { CronJob, CronJobStatus, ObjectReference, PlannedEvent } from './cronjob-types.js';
import type { Job } from './workload-types.js';

export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** RFC 3339 in UTC with second precision, as metav1.Time serialises. */
export function apiTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

const parseTime = (s: string | undefined): number | undefined => (s ? Date.parse(s) : undefined);

/** 'Complete' or 'Failed' once the Job has that condition True. */
export function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  const c = (job.status?.conditions ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type as 'Complete' | 'Failed' | undefined;
}

export function jobRef(job: Job): ObjectReference {
  return { kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion };
}

export function inActiveList(status: CronJobStatus | undefined, uid: string | undefined): boolean {
  return (status?.active ?? []).some((r) => r.uid === uid);
}

/** status.active without `uid` (the field is dropped when empty, as omitempty does). */
export function withoutActive(status: CronJobStatus, uid: string | undefined): CronJobStatus {
  const active = (status.active ?? []).filter((r) => r.uid !== uid);
  const { active: _old, ...rest } = status;
  return active.length ? { ...rest, active } : rest;
}

export interface ChildObservation {
  status: CronJobStatus;
  events: PlannedEvent[];
  /** unfinished Jobs controlled by the CronJob but not in status.active */
  unexpected: Job[];
  /** status.active entries with no Job in the cache */
  missing: ObjectReference[];
}

export function observeChildren(cj: CronJob, jobs: readonly Job[]): ChildObservation {
  let status: CronJobStatus = clone(cj.status ?? {});
  const events: PlannedEvent[] = [];
  const unexpected: Job[] = [];
  for (const job of jobs) {
    const found = inActiveList(status, job.metadata.uid);
    const condition = finishedCondition(job);
    if (!condition) {
      if (!found) unexpected.push(job);
      continue;
    }
    if (found) {
      status = withoutActive(status, job.metadata.uid);
      events.push({ type: 'Normal', reason: 'SawCompletedJob', message: `Saw completed job: ${job.metadata.name}, condition: ${condition}` });
    }
    const completed = parseTime(job.status?.completionTime);
    if (condition === 'Complete' && completed !== undefined) {
      const last = parseTime(status.lastSuccessfulTime);
      if (last === undefined || completed > last) status.lastSuccessfulTime = job.status!.completionTime;
    }
  }
  const uids = new Set(jobs.map((j) => j.metadata.uid));
  const missing = (status.active ?? []).filter((r) => !uids.has(r.uid));
  return { status, events, unexpected, missing };
}

/** byJobStartTime: started Jobs first, oldest first; ties (and never-started Jobs) by name. */
function byStartTime(a: Job, b: Job): number {
  const sa = parseTime(a.status?.startTime);
  const sb = parseTime(b.status?.startTime);
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  if (sa === sb) return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
  return sa! - sb!;
}

/** The finished Jobs to delete, oldest first (a limit left unset keeps everything). */
export function historyToPrune(cj: CronJob, jobs: readonly Job[]): Job[] {
  const pick = (condition: 'Complete' | 'Failed', limit: number | null | undefined): Job[] => {
    if (typeof limit !== 'number') return [];
    const finished = jobs.filter((j) => finishedCondition(j) === condition).sort(byStartTime);
    return finished.slice(0, Math.max(0, finished.length - limit));
  };
  return [...pick('Complete', cj.spec.successfulJobsHistoryLimit), ...pick('Failed', cj.spec.failedJobsHistoryLimit)];
}

export function jobName(cj: CronJob, scheduledMs: number): string {
  return `${cj.metadata.name}-${Math.floor(scheduledMs / 60_000)}`;
}

/** getJobFromTemplate2. The annotation is in spec.timeZone, else UTC (LoadLocation("")). */
export function jobFromTemplate(cj: CronJob, scheduledMs: number): Job {
  const template = cj.spec.jobTemplate ?? {};
  const annotationZone = typeof cj.spec.timeZone === 'string' && isKnownTimeZone(cj.spec.timeZone) ? resolveZone(cj.spec.timeZone) : UTC;
  const labels = { ...(template.metadata?.labels ?? {}) };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj, scheduledMs),
      namespace: cj.metadata.namespace,
      ...(Object.keys(labels).length ? { labels } : {}),
      annotations: { ...(template.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP_ANNOTATION]: formatRfc3339(scheduledMs, annotationZone) },
      ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
    },
    spec: clone(template.spec ?? {}),
  };
}

export type SchedulingDecision =
  | { action: 'wait'; events: PlannedEvent[]; /** undefined: only a change to the CronJob wakes it */ requeueAfterMs?: number }
  | {
    action: 'start';
    events: PlannedEvent[];
    scheduledTime: number;
    job: Job;
    /** Replace: the active Jobs to delete first */
    replace: ObjectReference[];
    /** when to look again once the Job is recorded as started */
    requeueAfterMs?: number;
  };

const warning = (reason: string, message: string): PlannedEvent => ({ type: 'Warning', reason, message });

/** The scheduling half of syncCronJob, on a CronJob whose status already reflects its Jobs. */
export function planScheduling(cj: CronJob, nowMs: number, defaultZone: string): SchedulingDecision {
  const events: PlannedEvent[] = [];
  const wait = (requeueAfterMs?: number): SchedulingDecision => ({ action: 'wait', events, requeueAfterMs });
  if (cj.metadata.deletionTimestamp) return wait();
  const timeZone = cj.spec.timeZone;
  if (typeof timeZone === 'string' && !isKnownTimeZone(timeZone)) {
    events.push(warning('UnknownTimeZone', `invalid timeZone: ${JSON.stringify(timeZone)}: unknown time zone ${timeZone}`));
    return wait();
  }
  if (cj.spec.suspend === true) return wait();
  if (cj.spec.schedule.includes('TZ')) {
    events.push(warning('UnsupportedSchedule', `CRON_TZ or TZ used in schedule ${JSON.stringify(cj.spec.schedule)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`));
  }
  let s: ResolvedSchedule;
  try {
    s = resolveSchedule(cj, defaultZone);
  } catch (err) {
    if (!(err instanceof CronSyntaxError)) throw err;
    events.push(warning('UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec.schedule)} : ${err.message}`));
    return wait();
  }
  let due: { time?: number; tooManyMissed: boolean };
  try {
    due = dueScheduleTime(cj, nowMs, s);
  } catch (err) {
    events.push(warning('InvalidSchedule', `invalid schedule: ${cj.spec.schedule} : ${(err as Error).message}`));
    return wait();
  }
  if (due.tooManyMissed) {
    events.push(warning('TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew'));
  }
  const scheduled = due.time;
  if (scheduled === undefined) return wait(nextScheduleDelay(cj, nowMs, s));

  const deadline = cj.spec.startingDeadlineSeconds;
  if (typeof deadline === 'number' && scheduled + deadline * 1000 < nowMs) {
    events.push(warning('MissSchedule', `Missed scheduled time to start a job: ${formatRfc1123zUtc(scheduled)}`));
    return wait(nextScheduleDelay(cj, nowMs, s));
  }
  const name = jobName(cj, scheduled);
  const active = cj.status?.active ?? [];
  const alreadyStarted = active.some((r) => r.name === name && r.namespace === cj.metadata.namespace)
    || parseTime(cj.status?.lastScheduleTime) === scheduled;
  if (alreadyStarted) return wait(nextScheduleDelay(cj, nowMs, s));
  if (cj.spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
    events.push({ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' });
    return wait(nextScheduleDelay(cj, nowMs, s));
  }
  const started: CronJob = { ...cj, status: { ...(cj.status ?? {}), lastScheduleTime: apiTime(scheduled) } };
  return {
    action: 'start',
    events,
    scheduledTime: scheduled,
    job: jobFromTemplate(cj, scheduled),
    replace: cj.spec.concurrencyPolicy === 'Replace' ? active : [],
    requeueAfterMs: nextScheduleDelay(started, nowMs, s),
  };
}
