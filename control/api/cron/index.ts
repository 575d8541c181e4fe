/** Cron schedules (robfig/cron v3 as kube's CronJob controller uses it) and zone-aware time helpers. */
export { parseSchedule, scheduleError, CronSyntaxError, type CronSchedule } from './schedule.js';
export { mostRecentActivation, ScheduleIntervalError, MANY_MISSED, type MissedSchedules, type MostRecentActivation } from './missed.js';
export {
  formatRfc1123zUtc, formatRfc3339, isKnownTimeZone, localTimeZone, offsetMs, resolveZone, UTC, wallClock, zonedDate,
  type WallClock,
} from './zoned-time.js';
export { parseGoDuration } from './go-duration.js';
