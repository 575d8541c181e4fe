/** The scheduler component: pure filter/score over a snapshot, and the informer-driven binder. */
export { buildScheduler, DEFAULT_SCHEDULER_NAME } from './scheduler.js';
export type { InformerSource, Scheduler, SchedulerDeps } from './scheduler.js';
export { schedulePod, fitErrorMessage, NO_NODES_MESSAGE } from './schedule-pod.js';
export type { ScheduleOptions, ScheduleResult } from './schedule-pod.js';
export { buildSnapshot } from './snapshot.js';
export type { NodeInfo, Snapshot } from './snapshot.js';
export { DEFAULT_FILTERS, runFilters } from './filters.js';
export type { FilterPlugin } from './filters.js';
export { DEFAULT_SCORES, scoreNodes } from './scores.js';
export type { ScorePlugin } from './scores.js';
