/**
 * When a CronJob should run (pure; pkg/controller/cronjob/utils.go): its schedule in its zone,
 * the activation that is due now, and how long to sleep until the next one.
 *
 * - The search starts at `status.lastScheduleTime`, or the CronJob's creation time if it never
 *   ran; with `startingDeadlineSeconds` it never looks further back than that many seconds, so
 *   activations missed during a long outage are dropped instead of run late.
 * - Only the most recent due activation is started (never a burst of catch-up Jobs); more than
 *   100 missed is reported (TooManyMissedTimes) because it usually means a wrong clock.
 * - The controller sleeps until the next activation + 100 ms (kube's nextScheduleDelta, slack for
 *   clock skew between this process and the API server that stamps creation times).
 */
import { type CronSchedule, mostRecentActivation, type MissedSchedules, parseSchedule, isKnownTimeZone, resolveZone } from '../api/cron/index.js';
import type { CronJob } from './cronjob-types.js';

export const NEXT_SCHEDULE_DELTA_MS = 100;

export interface ResolvedSchedule {
  schedule: CronSchedule;
  /** the zone activations are computed in: spec.timeZone, else the controller's own zone */
  zone: string;
}

/** kube's formatSchedule + cron.ParseStandard. Throws CronSyntaxError for an unparseable schedule. */
export function resolveSchedule(cj: CronJob, defaultZone: string): ResolvedSchedule {
  const schedule = parseSchedule(cj.spec.schedule);
  // a TZ= prefix (allowed on old objects only) wins over spec.timeZone, as upstream formats it
  const timeZone = cj.spec.timeZone;
  if (!cj.spec.schedule.includes('TZ') && typeof timeZone === 'string' && isKnownTimeZone(timeZone)) {
    return { schedule, zone: resolveZone(timeZone) };
  }
  return { schedule, zone: defaultZone };
}

function timestamp(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

export interface MostRecentScheduleTime {
  /** where the search started: lastScheduleTime, else creation (else the deadline window) */
  earliest: number;
  mostRecent?: number;
  missed: MissedSchedules;
}

/** mostRecentScheduleTime. Throws ScheduleIntervalError for schedules that never fire. */
export function mostRecentScheduleTime(cj: CronJob, nowMs: number, s: ResolvedSchedule, includeStartingDeadline: boolean): MostRecentScheduleTime {
  let earliest = timestamp(cj.status?.lastScheduleTime) ?? timestamp(cj.metadata.creationTimestamp) ?? nowMs;
  const deadline = cj.spec.startingDeadlineSeconds;
  if (includeStartingDeadline && typeof deadline === 'number') {
    const schedulingDeadline = nowMs - deadline * 1000;
    if (schedulingDeadline > earliest) earliest = schedulingDeadline;
  }
  return { earliest, ...mostRecentActivation(s.schedule, earliest, nowMs, s.zone) };
}

/**
 * nextScheduleTimeDuration: ms until the activation after the most recent one (+ the delta).
 * Undefined when the schedule has no next activation within five years.
 */
export function nextScheduleDelay(cj: CronJob, nowMs: number, s: ResolvedSchedule): number | undefined {
  let from: number;
  try {
    const r = mostRecentScheduleTime(cj, nowMs, s, false);
    // missed activations since earliest but none found (a rough estimate overshot): aim from now
    from = r.mostRecent ?? (r.missed === 'none' ? r.earliest : nowMs);
  } catch {
    from = nowMs;
  }
  const next = s.schedule.next(from, s.zone);
  return next === undefined ? undefined : next + NEXT_SCHEDULE_DELTA_MS - nowMs;
}

/** nextScheduleTime: the due activation to start now, if any (the error of a never-firing schedule propagates). */
export function dueScheduleTime(cj: CronJob, nowMs: number, s: ResolvedSchedule): { time?: number; tooManyMissed: boolean } {
  const r = mostRecentScheduleTime(cj, nowMs, s, true);
  if (r.mostRecent === undefined || r.mostRecent > nowMs) return { tooManyMissed: false };
  return { time: r.mostRecent, tooManyMissed: r.missed === 'many' };
}
