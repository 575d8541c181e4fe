/**
 * One reconcile of one CronJob (upstream ControllerV2.sync): the pure decisions of
 * cronjob-decisions.ts, applied through a narrow `CronJobActions` interface so unit tests drive
 * it with in-memory fakes and a fake clock.
 *
 * Order, as upstream: delete finished Jobs beyond the history limits, then reconcile
 * `status.active` with the Jobs that exist, then maybe start the due Job (deleting the active
 * ones first under Replace), then write the status once if it changed. The returned delay is when
 * the next activation is due; undefined means only a change to the CronJob or its Jobs matters.
 *
 * The Job name is derived from the scheduled time, so a status write lost to a crash or a
 * conflict never causes a second Job for the same activation: the create answers AlreadyExists,
 * and a Job we control is then (re)recorded in status.active.
 */
import { ApiError } from '../api/errors.js';
import { clone } from '../api/object.js';
import { controllerRefOf } from './controller-ref.js';
import { apiTime, historyToPrune, jobRef, observeChildren, planScheduling, type SchedulingDecision, withoutActive } from './cronjob-decisions.js';
import type { CronJob, CronJobStatus, PlannedEvent } from './cronjob-types.js';
import type { Job } from './workload-types.js';

export interface CronJobActions {
  /** Live read (not the cache); undefined when it is gone. */
  getCronJob(namespace: string, name: string): Promise<CronJob | undefined>;
  /** Live read; undefined on 404. */
  getJob(namespace: string, name: string): Promise<Job | undefined>;
  /** Throws ApiError (409 AlreadyExists, …). */
  createJob(job: Job): Promise<Job>;
  /** Background propagation: the garbage collector removes the Job's pods. */
  deleteJob(namespace: string, name: string): Promise<void>;
  /** PUT status with the CronJob's resourceVersion (409 on a stale copy). */
  updateStatus(cj: CronJob): Promise<void>;
}

export interface CronJobSyncDeps {
  actions: CronJobActions;
  event(cj: CronJob, e: PlannedEvent): void;
  now(): number;
  /** the zone of schedules without spec.timeZone (upstream: the controller's local zone) */
  defaultTimeZone: string;
}

export interface CronJobSyncResult {
  requeueAfterMs?: number;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function sameStatus(a: CronJobStatus | undefined, b: CronJobStatus | undefined): boolean {
  const norm = (s: CronJobStatus | undefined) => JSON.stringify([
    (s?.active ?? []).map((r) => r.uid), s?.lastScheduleTime ?? '', s?.lastSuccessfulTime ?? '',
  ]);
  return norm(a) === norm(b);
}

export async function syncCronJob(deps: CronJobSyncDeps, cached: CronJob, jobs: readonly Job[]): Promise<CronJobSyncResult> {
  const { actions } = deps;
  const ns = cached.metadata.namespace!;
  const name = cached.metadata.name!;
  let cj = clone(cached);
  const emit = (e: PlannedEvent): void => deps.event(cj, e);

  // 1. history limits (deleted Jobs also leave status.active)
  const deleted = new Set<string>();
  for (const job of historyToPrune(cj, jobs)) {
    if (await deleteJob(deps, cj, job.metadata.name!)) {
      deleted.add(job.metadata.uid ?? '');
      cj.status = withoutActive(cj.status ?? {}, job.metadata.uid);
    }
  }

  let result: CronJobSyncResult = {};
  let syncError: unknown;
  try {
    // 2. status.active against the Jobs that exist
    let seen = observeChildren(cj, jobs);
    if (seen.unexpected.length > 0) {
      // our cached CronJob may predate the status write that listed them
      const live = await actions.getCronJob(ns, name);
      if (live && seen.unexpected.some((j) => (live.status?.active ?? []).some((r) => r.uid === j.metadata.uid))) {
        cj = clone(live);
        for (const uid of deleted) cj.status = withoutActive(cj.status ?? {}, uid);
        seen = observeChildren(cj, jobs);
      }
    }
    cj.status = seen.status;
    for (const e of seen.events) emit(e);
    for (const job of seen.unexpected) {
      emit({ type: 'Warning', reason: 'UnexpectedJob', message: `Saw a job that the controller did not create or forgot: ${job.metadata.name}` });
    }
    for (const ref of seen.missing) {
      // the Job cache may lag behind our own create: only a live 404 means it is gone
      if (await actions.getJob(ref.namespace ?? ns, ref.name ?? '')) continue;
      emit({ type: 'Normal', reason: 'MissingJob', message: `Active job went missing: ${ref.name}` });
      cj.status = withoutActive(cj.status, ref.uid);
    }

    // 3. maybe start the due Job
    const decision = planScheduling(cj, deps.now(), deps.defaultTimeZone);
    for (const e of decision.events) emit(e);
    result = { requeueAfterMs: decision.requeueAfterMs };
    if (decision.action === 'start') await start(deps, cj, decision);
  } catch (err) {
    syncError = err;
    result = {};
  }

  // 4. one status write
  if (!sameStatus(cached.status, cj.status)) await actions.updateStatus(cj);
  if (result.requeueAfterMs !== undefined) return result;
  if (syncError) throw syncError;
  return result;
}

/** deleteJob: delete and record it; false (with a FailedDelete event) when the API refused. */
async function deleteJob(deps: CronJobSyncDeps, cj: CronJob, jobName: string): Promise<boolean> {
  try {
    await deps.actions.deleteJob(cj.metadata.namespace!, jobName);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) {
      deps.event(cj, { type: 'Warning', reason: 'FailedDelete', message: `Deleted job: ${message(err)}` });
      return false;
    }
  }
  deps.event(cj, { type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted job ${jobName}` });
  return true;
}

/** Mutates cj.status: Replace's deletions, the new Job in status.active, lastScheduleTime. */
async function start(deps: CronJobSyncDeps, cj: CronJob, decision: Extract<SchedulingDecision, { action: 'start' }>): Promise<void> {
  const { actions } = deps;
  const { job } = decision;
  const ns = cj.metadata.namespace!;
  for (const ref of decision.replace) {
    let existing: Job | undefined;
    try {
      existing = await actions.getJob(ref.namespace ?? ns, ref.name ?? '');
    } catch (err) {
      deps.event(cj, { type: 'Warning', reason: 'FailedGet', message: `Get job: ${message(err)}` });
      throw err;
    }
    if (!existing) {
      cj.status = withoutActive(cj.status ?? {}, ref.uid);
      continue;
    }
    if (!(await deleteJob(deps, cj, existing.metadata.name!))) throw new Error(`could not replace job ${ns}/${existing.metadata.name}`);
    cj.status = withoutActive(cj.status ?? {}, existing.metadata.uid);
  }

  let created: Job;
  try {
    created = await actions.createJob(job);
    deps.event(cj, { type: 'Normal', reason: 'SuccessfulCreate', message: `Created job ${created.metadata.name}` });
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 409 && err.reason === 'AlreadyExists')) {
      const terminating = err instanceof ApiError && err.details?.causes?.some((c) => c.reason === 'NamespaceTerminating');
      if (!terminating) deps.event(cj, { type: 'Warning', reason: 'FailedCreate', message: `Error creating job: ${message(err)}` });
      throw err;
    }
    // created before, but the status write that recorded it was lost (or someone else made it)
    const existing = await actions.getJob(ns, job.metadata.name!);
    if (!existing) throw err;
    const ref = controllerRefOf(existing);
    if (ref?.uid !== cj.metadata.uid || (cj.status?.active ?? []).some((r) => r.uid === existing.metadata.uid)) return;
    created = existing;
  }
  const status = cj.status ?? {};
  cj.status = { ...status, active: [...(status.active ?? []), jobRef(created)], lastScheduleTime: apiTime(decision.scheduledTime) };
}
