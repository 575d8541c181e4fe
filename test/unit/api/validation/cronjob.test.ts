/** CronJob defaults and validation: kube's defaults, field paths and messages (what `kubectl create cronjob` prints). */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../control/api/object.js';
import { check, defaulted } from './helpers.js';

function cronJob(spec: Record<string, unknown> = {}, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    metadata: { name: 'hello', namespace: 'default', ...meta },
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: { metadata: { name: 'hello' }, spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'hello', image: 'busybox' }] } } } },
      ...spec,
    },
  };
}
const cj = (spec: Record<string, unknown> = {}, meta: Partial<KubeObject['metadata']> = {}) => check('batch', 'cronjobs', cronJob(spec, meta));

describe('CronJob defaults', () => {
  it('fills policy, suspend, history limits and the pod template, not the Job fields', () => {
    const d = defaulted('batch', 'cronjobs', cronJob()) as KubeObject & { spec: Record<string, any> };
    expect(d.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    const jobSpec = d.spec.jobTemplate.spec;
    expect(jobSpec.backoffLimit).toBeUndefined();
    expect(jobSpec.selector).toBeUndefined();
    expect(jobSpec.template.spec).toMatchObject({ dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30, restartPolicy: 'OnFailure' });
    expect(jobSpec.template.spec.containers[0]).toMatchObject({ imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log' });
  });

  it('keeps what the user set', () => {
    const d = defaulted('batch', 'cronjobs', cronJob({ concurrencyPolicy: 'Forbid', suspend: true, successfulJobsHistoryLimit: 0 })) as KubeObject & { spec: Record<string, unknown> };
    expect(d.spec).toMatchObject({ concurrencyPolicy: 'Forbid', suspend: true, successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 1 });
  });
});

describe('CronJob validation', () => {
  it('a usual CronJob is valid, also with macros, names and a time zone', () => {
    expect(cj()).toEqual([]);
    expect(cj({ schedule: '@hourly' })).toEqual([]);
    expect(cj({ schedule: '0 9 * JAN-MAR mon-fri', timeZone: 'Europe/Berlin' })).toEqual([]);
    expect(cj({ timeZone: 'Etc/GMT+2', startingDeadlineSeconds: 0 })).toEqual([]);
  });

  it.each([
    ['too few fields', { schedule: '* * *' }, ['spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]']],
    ['seconds field', { schedule: '0 * * * * *' }, ['spec.schedule: Invalid value: "0 * * * * *": expected exactly 5 fields, found 6: [0 * * * * *]']],
    ['out of range', { schedule: '61 * * * *' }, ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']],
    ['bad name', { schedule: '0 0 * * FUNDAY' }, ['spec.schedule: Invalid value: "0 0 * * FUNDAY": failed to parse int from FUNDAY: strconv.Atoi: parsing "FUNDAY": invalid syntax']],
    ['missing', { schedule: '' }, ['spec.schedule: Required value']],
    ['TZ in the schedule', { schedule: 'TZ=UTC 0 0 * * *' }, ['spec.schedule: Invalid value: "TZ=UTC 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']],
    ['CRON_TZ with a bad zone', { schedule: 'CRON_TZ=Mars/Base 0 0 * * *' }, [
      'spec.schedule: Invalid value: "CRON_TZ=Mars/Base 0 0 * * *": provided bad location Mars/Base: unknown time zone Mars/Base',
      'spec.schedule: Invalid value: "CRON_TZ=Mars/Base 0 0 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']],
    ['unknown zone', { timeZone: 'Mars/Base' }, ['spec.timeZone: Invalid value: "Mars/Base": unknown time zone Mars/Base']],
    ['zone in the wrong case', { timeZone: 'america/new_york' }, ['spec.timeZone: Invalid value: "america/new_york": unknown time zone america/new_york']],
    ['zone with bad characters', { timeZone: 'Europe/Ber lin' }, ['spec.timeZone: Invalid value: "Europe/Ber lin": unknown time zone Europe/Ber lin']],
    ['empty zone', { timeZone: '' }, ['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string']],
    ['Local', { timeZone: 'Local' }, ['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones']],
    ['policy', { concurrencyPolicy: 'Sometimes' }, ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']],
    ['negative deadline', { startingDeadlineSeconds: -5 }, ['spec.startingDeadlineSeconds: Invalid value: -5: must be greater than or equal to 0']],
    ['negative limits', { successfulJobsHistoryLimit: -1, failedJobsHistoryLimit: -2 }, [
      'spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
      'spec.failedJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0']],
  ])('%s', (_name, spec, expected) => {
    expect(cj(spec)).toEqual(expected);
  });

  it('the job template follows the Job rules at its own path, without a selector', () => {
    const template = (jobSpec: Record<string, unknown>, podSpec: Record<string, unknown> = {}) => ({
      jobTemplate: { spec: { ...jobSpec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }], ...podSpec } } } },
    });
    expect(cj(template({}, { restartPolicy: 'Always' }))).toEqual(['spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']);
    expect(cj(template({ backoffLimit: -1 }))).toEqual(['spec.jobTemplate.spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0']);
    expect(cj(template({}, { containers: [{ name: 'c' }] }))).toEqual(['spec.jobTemplate.spec.template.spec.containers[0].image: Required value']);
    expect(cj(template({ selector: { matchLabels: { a: 'b' } } }))).toEqual([
      'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated']);
    expect(cj(template({ manualSelector: true }))).toEqual(['spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"']);
  });

  it('names longer than 52 characters are refused on create only', () => {
    const long = 'a'.repeat(53);
    expect(cj({}, { name: long })).toEqual([`metadata.name: Invalid value: "${long}": must be no more than 52 characters`]);
    expect(cj({}, { name: 'a'.repeat(52) })).toEqual([]);
    const old = defaulted('batch', 'cronjobs', cronJob({}, { name: long, resourceVersion: '1', uid: 'u', creationTimestamp: '2024-01-01T00:00:00Z' }));
    expect(check('batch', 'cronjobs', cronJob({ suspend: true }, { name: long, resourceVersion: '1', uid: 'u', creationTimestamp: '2024-01-01T00:00:00Z' }), old)).toEqual([]);
  });

  it('a schedule that already had TZ= may keep it on update, but not together with timeZone', () => {
    const meta = { resourceVersion: '1', uid: 'u', creationTimestamp: '2024-01-01T00:00:00Z' };
    const old = defaulted('batch', 'cronjobs', cronJob({ schedule: 'TZ=UTC 0 0 * * *' }, meta));
    expect(check('batch', 'cronjobs', cronJob({ schedule: 'TZ=UTC 0 1 * * *' }, meta), old)).toEqual([]);
    expect(check('batch', 'cronjobs', cronJob({ schedule: 'TZ=UTC 0 1 * * *', timeZone: 'UTC' }, meta), old))
      .toEqual(['spec.schedule: Invalid value: "TZ=UTC 0 1 * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule']);
  });
});
