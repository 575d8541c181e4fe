/**
 * Job accounting and decisions as a value (upstream pkg/controller/job, NonIndexed completion
 * mode, pods tracked without finalizers): given the Job and the pods it owns, the new status,
 * whether it finished (and why), how many pods to create and which to delete.
 *
 * - succeeded/failed count Succeeded/Failed pods and never go down (a deleted finished pod keeps
 *   counting); with restartPolicy OnFailure container restarts of active pods count towards
 *   backoffLimit as upstream does.
 * - Failed (BackoffLimitExceeded) when failures exceed backoffLimit; Failed (DeadlineExceeded)
 *   once activeDeadlineSeconds have passed since startTime; active pods of a failed Job are
 *   deleted and counted as failed.
 * - Complete when succeeded reaches completions (or, without completions, once a pod succeeded
 *   and none is active). Surplus active pods are deleted.
 * - Replacements after a failure wait 10 s · 2^(failures−1), capped at 6 min (upstream's pod
 *   failure back-off).
 */
import { podsToDelete } from './pod-deletion-order.js';
import { isPodActive, isPodReady, restartCount } from './pod-state.js';
import type { Condition, Job, JobStatus, Pod } from './workload-types.js';

export const BACKOFF_BASE_MS = 10_000;
export const BACKOFF_MAX_MS = 360_000;

export interface JobFinish {
  type: 'Complete' | 'Failed';
  reason: string;
  message: string;
}

export interface JobPlan {
  status: JobStatus;
  finish?: JobFinish;
  create: number;
  remove: Pod[];
  /** Look again after this many ms (back-off or deadline). */
  recheckMs?: number;
}

export function isJobFinished(job: Job): boolean {
  return (job.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

export function backoffDelayMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(failures - 1, 30));
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export function planJob(job: Job, pods: readonly Pod[], nowMs: number, lastFailureMs?: number): JobPlan {
  const prev = job.status ?? {};
  const active = pods.filter(isPodActive);
  const succeeded = Math.max(prev.succeeded ?? 0, pods.filter((p) => p.status?.phase === 'Succeeded').length);
  let failed = Math.max(prev.failed ?? 0, pods.filter((p) => p.status?.phase === 'Failed').length);
  const suspended = job.spec.suspend === true;
  const status: JobStatus = { ...clonePlain(prev), succeeded, failed, ready: active.filter(isPodReady).length, active: active.length };
  if (!status.startTime && !suspended) status.startTime = iso(nowMs);

  if (isJobFinished(job)) return { status, create: 0, remove: active };

  const backoffLimit = job.spec.backoffLimit ?? 6;
  const onFailure = job.spec.template?.spec?.restartPolicy === 'OnFailure';
  const restarts = onFailure ? active.reduce((n, p) => n + restartCount(p), 0) : 0;
  const pastBackoffLimit = failed > backoffLimit || (onFailure && (backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit));
  const startMs = status.startTime ? Date.parse(status.startTime) : nowMs;
  const deadline = job.spec.activeDeadlineSeconds;
  const pastDeadline = deadline !== undefined && deadline !== null && !suspended && nowMs - startMs >= deadline * 1000;

  if (pastBackoffLimit || pastDeadline) {
    failed += active.length;
    return {
      status: { ...status, failed, active: 0, ready: 0 },
      finish: pastBackoffLimit
        ? { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }
        : { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' },
      create: 0,
      remove: active,
    };
  }

  const parallelism = job.spec.parallelism ?? 1;
  const completions = job.spec.completions ?? undefined;
  let complete: boolean;
  let wantActive: number;
  if (completions === undefined) {
    complete = succeeded > 0 && active.length === 0;
    wantActive = succeeded > 0 ? active.length : parallelism;
  } else {
    complete = succeeded >= completions;
    wantActive = Math.max(0, Math.min(parallelism, completions - succeeded));
  }
  if (suspended) wantActive = 0;
  if (complete) {
    return {
      status: { ...status, active: 0, ready: 0, completionTime: iso(nowMs) },
      finish: { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
      create: 0,
      remove: active,
    };
  }
  const diff = active.length - wantActive;
  if (diff > 0) {
    const remove = podsToDelete(active, diff);
    return { status: { ...status, active: active.length - remove.length }, create: 0, remove };
  }
  let create = Math.max(0, -diff);
  let recheckMs: number | undefined;
  if (create > 0 && failed > 0 && lastFailureMs !== undefined) {
    const wait = lastFailureMs + backoffDelayMs(failed) - nowMs;
    if (wait > 0) {
      create = 0;
      recheckMs = wait;
    }
  }
  if (deadline !== undefined && deadline !== null && !suspended) {
    const left = startMs + deadline * 1000 - nowMs;
    recheckMs = Math.min(recheckMs ?? Infinity, Math.max(0, left) + 50);
  }
  return { status: { ...status, active: active.length + create }, create, remove: [], recheckMs };
}

/** Conditions upstream 1.32 writes when a Job finishes (…Target/SuccessCriteriaMet, then the final one). */
export function finishConditions(finish: JobFinish, nowMs: number): Condition[] {
  const t = iso(nowMs);
  const interim = finish.type === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget';
  return [interim, finish.type].map((type) => ({
    type, status: 'True', reason: finish.reason, message: finish.message, lastProbeTime: t, lastTransitionTime: t,
  }));
}

/** When the latest failed pod finished (container finishedAt), if any says so. */
export function latestFailureMs(pods: readonly Pod[]): number | undefined {
  let latest: number | undefined;
  for (const p of pods) {
    if (p.status?.phase !== 'Failed') continue;
    for (const c of p.status.containerStatuses ?? []) {
      const t = Date.parse(c.state?.terminated?.finishedAt ?? '');
      if (!Number.isNaN(t)) latest = Math.max(latest ?? 0, t);
    }
  }
  return latest;
}

function clonePlain<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
