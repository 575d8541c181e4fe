/**
 * batch/v1 CronJob validation (pkg/apis/batch/validation ValidateCronJobCreate/Update), with
 * kube's field paths and messages:
 *
 *   spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]
 *   spec.schedule: Invalid value: "TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead
 *   spec.timeZone: Invalid value: "Mars/Base": unknown time zone Mars/Base
 *   metadata.name: Invalid value: "…": must be no more than 52 characters   (create only: Job names add 11)
 *
 * A schedule that already carried TZ= may keep it on update (kube's compatibility rule); the time
 * zone is only checked when it changes, so a CronJob whose zone later vanished stays editable.
 */
import { isKnownTimeZone, scheduleError } from '../cron/index.js';
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { nonNegative } from './containers.js';
import { child, fieldErrors, goLabelSelector } from './field-error.js';
import { type JsonRecord, isRecord, rec } from './json-shape.js';
import { validateJobSpec } from './job.js';

/** Job names are `<cronjob>-<minutes since the epoch>`: 11 more characters within a 63-character label. */
export const MAX_CRONJOB_NAME_LENGTH = 52;

/** The IANA naming rules kube checks before asking the zone database (validTimeZoneCharacters). */
const TIME_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

function specOf(obj: KubeObject | undefined): JsonRecord | undefined {
  return obj && isRecord(obj.spec) ? obj.spec : undefined;
}

function validateSchedule(schedule: unknown, allowTZ: boolean, timeZone: unknown, path: string): FieldError[] {
  if (schedule === undefined || schedule === null || schedule === '') return [fieldErrors.required(path)];
  if (typeof schedule !== 'string') return [fieldErrors.invalid(path, schedule, 'must be a string')];
  const errs: FieldError[] = [];
  const parseError = scheduleError(schedule);
  if (parseError !== undefined) errs.push(fieldErrors.invalid(path, schedule, parseError));
  const mentionsTZ = schedule.includes('TZ');
  if (allowTZ && mentionsTZ && timeZone !== undefined && timeZone !== null) {
    errs.push(fieldErrors.invalid(path, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZ && mentionsTZ) {
    errs.push(fieldErrors.invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

function validateTimeZone(timeZone: unknown, path: string): FieldError[] {
  if (timeZone === undefined || timeZone === null) return [];
  if (typeof timeZone !== 'string') return [fieldErrors.invalid(path, timeZone, 'must be a string')];
  if (timeZone === '') return [fieldErrors.invalid(path, timeZone, 'timeZone must be nil or non-empty string')];
  for (const part of timeZone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TIME_ZONE_PART.test(part)) {
      return [fieldErrors.invalid(path, timeZone, `unknown time zone ${timeZone}`)];
    }
  }
  const errs: FieldError[] = [];
  if (timeZone.toLowerCase() === 'local') {
    errs.push(fieldErrors.invalid(path, timeZone, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  }
  if (!isKnownTimeZone(timeZone)) errs.push(fieldErrors.invalid(path, timeZone, `unknown time zone ${timeZone}`));
  return errs;
}

function validateConcurrencyPolicy(policy: unknown, path: string): FieldError[] {
  if (policy === 'Allow' || policy === 'Forbid' || policy === 'Replace') return [];
  if (policy === undefined || policy === null || policy === '') return [fieldErrors.required(path)];
  return [fieldErrors.notSupported(path, policy, ['Allow', 'Forbid', 'Replace'])];
}

/** ValidateJobTemplateSpec: the Job rules, and no selector of its own (each Job generates one). */
function validateJobTemplate(template: unknown, path: string): FieldError[] {
  const jobSpec = rec(rec(template)?.spec) ?? {};
  const specPath = child(path, 'spec');
  const errs = validateJobSpec(jobSpec, specPath);
  if (jobSpec.selector !== undefined && jobSpec.selector !== null) {
    errs.push(fieldErrors.invalid(child(specPath, 'selector'), goLabelSelector(rec(jobSpec.selector) ?? {}), '`selector` will be auto-generated'));
  }
  if (jobSpec.manualSelector === true) errs.push(fieldErrors.notSupported(child(specPath, 'manualSelector'), true, ['nil', 'false']));
  return errs;
}

/** Create (no `old`) or update. */
export function validateCronJob(obj: KubeObject, old?: KubeObject): FieldError[] {
  const spec = specOf(obj) ?? {};
  const oldSpec = specOf(old);
  const errs: FieldError[] = [];
  const allowTZ = typeof oldSpec?.schedule === 'string' && oldSpec.schedule.includes('TZ');
  errs.push(...validateSchedule(spec.schedule, allowTZ, spec.timeZone, 'spec.schedule'));
  nonNegative(errs, 'spec.startingDeadlineSeconds', spec.startingDeadlineSeconds);
  if (!old || (oldSpec?.timeZone ?? null) !== (spec.timeZone ?? null)) errs.push(...validateTimeZone(spec.timeZone, 'spec.timeZone'));
  errs.push(...validateConcurrencyPolicy(spec.concurrencyPolicy, 'spec.concurrencyPolicy'));
  errs.push(...validateJobTemplate(spec.jobTemplate, 'spec.jobTemplate'));
  nonNegative(errs, 'spec.successfulJobsHistoryLimit', spec.successfulJobsHistoryLimit);
  nonNegative(errs, 'spec.failedJobsHistoryLimit', spec.failedJobsHistoryLimit);
  const name = obj.metadata?.name;
  if (!old && typeof name === 'string' && name.length > MAX_CRONJOB_NAME_LENGTH) {
    errs.push(fieldErrors.invalid('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME_LENGTH} characters`));
  }
  return errs;
}
