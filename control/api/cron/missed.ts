/**
 * "Which activation should have happened most recently?" — the core of kube's
 * mostRecentScheduleTime (pkg/controller/cronjob/utils.go), independent of CronJob objects.
 *
 * Given the last time something was known to have run (or been created) and now, it returns the
 * latest activation in (earliest, now] without walking every missed one: it estimates how many
 * intervals fit (from the first two activations) and starts the walk one interval before the
 * estimate, so irregular schedules (`30 6-16/4 * * 1-5`) still land on the right time. More than
 * 100 missed activations is reported as 'many' (kube then warns: check clock skew or set
 * startingDeadlineSeconds); the most recent one is still returned.
 */
import type { CronSchedule } from './schedule.js';

export type MissedSchedules = 'none' | 'few' | 'many';

export interface MostRecentActivation {
  /** The latest activation in (earliest, now]; undefined when none is due yet. */
  mostRecent?: number;
  missed: MissedSchedules;
}

/** Thrown for schedules whose activations are less than a second apart or never come (`0 0 31 2 *`). */
export class ScheduleIntervalError extends Error {
  override name = 'ScheduleIntervalError';
  constructor() {
    super('time difference between two schedules is less than 1 second');
  }
}

export const MANY_MISSED = 100;

export function mostRecentActivation(schedule: CronSchedule, earliestMs: number, nowMs: number, zone: string): MostRecentActivation {
  const t1 = schedule.next(earliestMs, zone);
  const t2 = t1 === undefined ? undefined : schedule.next(t1, zone);
  if (t1 !== undefined && nowMs < t1) return { missed: 'none' };
  if (t1 !== undefined && t2 !== undefined && nowMs < t2) return { mostRecent: t1, missed: 'none' };
  // Go's zero time for "never" makes t2 - t1 zero: the same error upstream reports
  if (t1 === undefined || t2 === undefined) throw new ScheduleIntervalError();
  const interval = Math.round((t2 - t1) / 1000);
  if (interval < 1) throw new ScheduleIntervalError();
  const elapsed = Math.trunc((nowMs - t1) / 1000);
  const missedCount = Math.trunc(elapsed / interval) + 1;
  const potentialEarliest = t1 + (missedCount - 2) * interval * 1000;
  let mostRecent: number | undefined;
  for (let t = schedule.next(potentialEarliest, zone); t !== undefined && t <= nowMs; t = schedule.next(t, zone)) mostRecent = t;
  const missed: MissedSchedules = missedCount > MANY_MISSED ? 'many' : missedCount > 0 ? 'few' : 'none';
  return mostRecent === undefined ? { missed } : { mostRecent, missed };
}
