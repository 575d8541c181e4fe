/**
 * The CronJob controller with a fake clock and a behaving in-memory API: what Jobs appear when,
 * with what name/owner/annotations, what status and events a user sees, and that the controller
 * wakes exactly at activations (no polling). Minutes and days pass in milliseconds.
 */
import { describe, expect, it } from 'vitest';
import { historyToPrune, jobFromTemplate, planScheduling, SCHEDULED_TIMESTAMP_ANNOTATION } from '../../../control/controllers/cronjob-decisions.js';
import { at, cronJob, FakeCluster, NS } from './cronjob-fake-cluster.js';

const MIN = 60_000;
const minutes = (iso: string) => Math.floor(at(iso) / MIN);

describe('CronJob: starting Jobs on schedule', () => {
  it('sleeps until the first activation, then creates <name>-<minutes> with owner, labels, annotations', async () => {
    const c = new FakeCluster(cronJob({ schedule: '*/1 * * * *' }, at('2024-05-01T10:00:30Z')), at('2024-05-01T10:00:31Z'));
    const first = await c.sync();
    expect(c.jobs.size).toBe(0);
    expect(first.requeueAfterMs).toBe(29_000 + 100); // 10:01:00 plus kube's 100 ms of slack
    c.now += first.requeueAfterMs!;
    const second = await c.sync();
    const name = `hello-${minutes('2024-05-01T10:01:00Z')}`;
    expect(c.jobNames()).toEqual([name]);
    const job = c.jobs.get(name)!;
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: 'uid-hello', controller: true, blockOwnerDeletion: true }]);
    expect(job.metadata.labels).toEqual({ team: 'batch' });
    expect(job.metadata.annotations).toEqual({ note: 'from-template', [SCHEDULED_TIMESTAMP_ANNOTATION]: '2024-05-01T10:01:00Z' });
    expect(job.spec.template?.spec?.containers?.[0]?.image).toBe('busybox');
    expect(c.cj.status).toEqual({
      active: [{ kind: 'Job', namespace: NS, name, uid: `uid-${name}`, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion }],
      lastScheduleTime: '2024-05-01T10:01:00Z',
    });
    expect(c.events.map((e) => `${e.type} ${e.reason} ${e.message}`)).toEqual([`Normal SuccessfulCreate Created job ${name}`]);
    expect(second.requeueAfterMs).toBe(MIN); // 10:02:00.100
  });

  it('wakes once per activation and never polls (a day of */15 and of @hourly)', async () => {
    const c = new FakeCluster(cronJob({ schedule: '*/15 * * * *', successfulJobsHistoryLimit: 100 }, at('2024-05-01T00:00:00Z')), at('2024-05-01T00:00:00Z'));
    await c.run(at('2024-05-02T00:00:00.5Z'), 'UTC', () => { for (const j of c.owned()) if (!j.status) c.finish(j.metadata.name!); });
    expect(c.jobs.size).toBe(96);
    expect(c.wakeups.length).toBe(97); // the creation sync plus one per activation
    const h = new FakeCluster(cronJob({ schedule: '@hourly', concurrencyPolicy: 'Allow', successfulJobsHistoryLimit: 0 }, at('2024-05-01T00:00:00Z')), at('2024-05-01T00:00:00Z'));
    await h.run(at('2024-05-01T12:00:00.5Z'));
    expect(h.wakeups.length).toBe(13);
    expect(h.cj.status?.active).toHaveLength(12); // Allow: nothing finished, all still running
  });

  it('runs in spec.timeZone across DST: 02:30 New York is skipped on the spring-forward day', async () => {
    const c = new FakeCluster(cronJob({ schedule: '30 2 * * *', timeZone: 'America/New_York', successfulJobsHistoryLimit: 10 }, at('2024-03-08T12:00:00Z')), at('2024-03-08T12:00:00Z'));
    await c.run(at('2024-03-13T00:00:00Z'), 'UTC', () => { for (const j of c.owned()) if (!j.status) c.finish(j.metadata.name!); });
    const stamps = [...c.jobs.values()].map((j) => j.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION]).sort();
    expect(stamps).toEqual(['2024-03-09T02:30:00-05:00', '2024-03-11T02:30:00-04:00', '2024-03-12T02:30:00-04:00']);
    expect(c.cj.status?.lastScheduleTime).toBe('2024-03-12T06:30:00Z');
  });

  it('without spec.timeZone the controller zone applies; the annotation stays in UTC like upstream', async () => {
    const c = new FakeCluster(cronJob({ schedule: '0 9 * * *' }, at('2024-07-01T00:00:00Z')), at('2024-07-01T00:00:00Z'));
    await c.run(at('2024-07-01T23:00:00Z'), 'Europe/Berlin');
    const job = [...c.jobs.values()][0]!;
    expect(job.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION]).toBe('2024-07-01T07:00:00Z'); // 09:00 in Berlin (CEST)
  });

  it('after an outage only the most recent missed activation runs (no burst)', async () => {
    const c = new FakeCluster(cronJob({ schedule: '*/5 * * * *' }, at('2024-05-01T10:00:00Z')), at('2024-05-01T10:32:00Z'));
    const r = await c.sync();
    expect(c.jobNames()).toEqual([`hello-${minutes('2024-05-01T10:30:00Z')}`]);
    expect(r.requeueAfterMs).toBe(3 * MIN + 100);
    expect(c.reasons()).toEqual(['SuccessfulCreate']);
  });

  it('over 100 missed activations: TooManyMissedTimes, and the most recent still runs', async () => {
    const c = new FakeCluster(cronJob({ schedule: '* * * * *' }, at('2024-05-01T10:00:00Z')), at('2024-05-01T12:00:30Z'));
    await c.sync();
    expect(c.reasons()).toEqual(['TooManyMissedTimes', 'SuccessfulCreate']);
    expect(c.events[0]).toMatchObject({ type: 'Warning', message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew' });
    expect(c.jobNames()).toEqual([`hello-${minutes('2024-05-01T12:00:00Z')}`]);
  });

  it('startingDeadlineSeconds: activations older than the deadline are dropped, the next one runs', async () => {
    const c = new FakeCluster(cronJob({ schedule: '*/5 * * * *', startingDeadlineSeconds: 60 }, at('2024-05-01T10:00:00Z')), at('2024-05-01T10:32:00Z'));
    const r = await c.sync();
    expect(c.jobs.size).toBe(0);
    expect(r.requeueAfterMs).toBe(3 * MIN + 100);
    c.now += r.requeueAfterMs!;
    await c.sync();
    expect(c.jobNames()).toEqual([`hello-${minutes('2024-05-01T10:35:00Z')}`]);
  });

  it('startingDeadlineSeconds bounds how late a Job may start', () => {
    const cj = cronJob({ schedule: '*/5 * * * *', startingDeadlineSeconds: 10 }, at('2024-05-01T10:00:00Z'));
    cj.status = { lastScheduleTime: '2024-05-01T10:25:00Z' };
    const d = planScheduling(cj, at('2024-05-01T10:30:50Z'), 'UTC');
    // upstream clips the search at now - deadline, so a late activation is simply not due (its
    // MissSchedule event is unreachable in v2) and the controller sleeps until 10:35
    expect(d).toMatchObject({ action: 'wait', events: [], requeueAfterMs: 4 * MIN + 10_100 });
    const late = planScheduling({ ...cj, spec: { ...cj.spec, startingDeadlineSeconds: 30 } }, at('2024-05-01T10:30:29Z'), 'UTC');
    expect(late.action).toBe('start');
  });
});

describe('CronJob: concurrency, suspend, history', () => {
  const running = (c: FakeCluster) => c.owned().filter((j) => !j.status).map((j) => j.metadata.name);

  it('Forbid skips an activation while a Job is active (JobAlreadyActive), then starts the missed one', async () => {
    const c = new FakeCluster(cronJob({ schedule: '*/1 * * * *', concurrencyPolicy: 'Forbid' }, at('2024-05-01T10:00:30Z')), at('2024-05-01T10:01:00.1Z'));
    await c.sync();
    const first = `hello-${minutes('2024-05-01T10:01:00Z')}`;
    c.now = at('2024-05-01T10:02:00.1Z');
    const r = await c.sync();
    expect(c.jobNames()).toEqual([first]);
    expect(c.events.at(-1)).toMatchObject({ type: 'Normal', reason: 'JobAlreadyActive', message: 'Not starting job because prior execution is running and concurrency policy is Forbid' });
    expect(r.requeueAfterMs).toBe(MIN);
    c.now = at('2024-05-01T10:02:20Z');
    c.finish(first);
    await c.sync();
    // upstream starts the skipped 10:02 activation once the previous Job is done (no startingDeadlineSeconds)
    expect(running(c)).toEqual([`hello-${minutes('2024-05-01T10:02:00Z')}`]);
    expect(c.reasons()).toEqual(['SuccessfulCreate', 'JobAlreadyActive', 'SawCompletedJob', 'SuccessfulCreate']);
  });

  it('Replace deletes the running Job and starts the new one', async () => {
    const c = new FakeCluster(cronJob({ schedule: '*/1 * * * *', concurrencyPolicy: 'Replace' }, at('2024-05-01T10:00:30Z')), at('2024-05-01T10:01:00.1Z'));
    await c.sync();
    c.now = at('2024-05-01T10:02:00.1Z');
    await c.sync();
    const second = `hello-${minutes('2024-05-01T10:02:00Z')}`;
    expect(c.jobNames()).toEqual([second]);
    expect(c.cj.status?.active?.map((r) => r.name)).toEqual([second]);
    expect(c.events.map((e) => e.message)).toEqual([
      `Created job hello-${minutes('2024-05-01T10:01:00Z')}`, `Deleted job hello-${minutes('2024-05-01T10:01:00Z')}`, `Created job ${second}`,
    ]);
  });

  it('Allow runs them side by side', async () => {
    const c = new FakeCluster(cronJob({ schedule: '*/1 * * * *' }, at('2024-05-01T10:00:30Z')), at('2024-05-01T10:00:30Z'));
    await c.run(at('2024-05-01T10:03:30Z'));
    expect(running(c)).toHaveLength(3);
    expect(c.cj.status?.active).toHaveLength(3);
  });

  it('suspend: no Job and no wake-up until the CronJob changes; resuming runs the missed activation', async () => {
    const c = new FakeCluster(cronJob({ schedule: '*/1 * * * *', suspend: true }, at('2024-05-01T10:00:30Z')), at('2024-05-01T10:05:00Z'));
    expect(await c.sync()).toEqual({ requeueAfterMs: undefined });
    expect(c.jobs.size).toBe(0);
    c.edit({ suspend: false });
    await c.sync();
    expect(c.jobNames()).toEqual([`hello-${minutes('2024-05-01T10:05:00Z')}`]);
  });

  it('history limits delete the oldest finished Jobs (successful and failed apart), by start time', async () => {
    const c = new FakeCluster(cronJob({ schedule: '*/1 * * * *', successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }, at('2024-05-01T10:00:30Z')), at('2024-05-01T10:00:30Z'));
    const outcome = ['Complete', 'Failed', 'Complete', 'Failed', 'Complete'] as const;
    let i = 0;
    await c.run(at('2024-05-01T10:06:30Z'), 'UTC', () => {
      for (const j of c.owned()) if (!j.status) c.finish(j.metadata.name!, outcome[i++ % outcome.length]);
    });
    const m = (hhmm: string) => `hello-${minutes(`2024-05-01T${hhmm}:00Z`)}`;
    // 10:01 C, 10:02 F, 10:03 C, 10:04 F, 10:05 C finished; 10:06 running
    expect(c.jobNames()).toEqual([m('10:03'), m('10:04'), m('10:05'), m('10:06')].sort());
    expect(c.events.filter((e) => e.reason === 'SuccessfulDelete').map((e) => e.message)).toEqual([
      `Deleted job ${m('10:02')}`, `Deleted job ${m('10:01')}`,
    ]);
    expect(c.cj.status?.lastSuccessfulTime).toBe('2024-05-01T10:06:00Z');
    expect(c.cj.status?.active?.map((r) => r.name)).toEqual([m('10:06')]);
  });

  it('historyToPrune orders by start time, unstarted last, then by name; an unset limit keeps all', () => {
    const cj = cronJob({ schedule: '@daily', successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: null }, 0);
    const job = (name: string, start: string | undefined, type = 'Complete') => ({ metadata: { name }, spec: {}, status: { ...(start ? { startTime: start } : {}), conditions: [{ type, status: 'True' as const }] } });
    const jobs = [job('c', '2024-01-03T00:00:00Z'), job('a', undefined), job('b', '2024-01-01T00:00:00Z'), job('d', '2024-01-01T00:00:00Z'), job('f', '2024-01-01T00:00:00Z', 'Failed')];
    expect(historyToPrune(cj, jobs).map((j) => j.metadata.name)).toEqual(['b', 'd', 'c']);
  });
});

describe('CronJob: status follows its Jobs', () => {
  it('SawCompletedJob and lastSuccessfulTime when the Job completes; a failure is not a success', async () => {
    const c = new FakeCluster(cronJob({ schedule: '*/1 * * * *' }, at('2024-05-01T10:00:30Z')), at('2024-05-01T10:01:00.1Z'));
    await c.sync();
    const name = c.jobNames()[0]!;
    c.now = at('2024-05-01T10:01:20Z');
    c.finish(name, 'Complete');
    await c.sync();
    expect(c.cj.status).toEqual({ lastScheduleTime: '2024-05-01T10:01:00Z', lastSuccessfulTime: '2024-05-01T10:01:20Z' });
    expect(c.events.at(-1)).toMatchObject({ type: 'Normal', reason: 'SawCompletedJob', message: `Saw completed job: ${name}, condition: Complete` });
  });

  it('a Job made by hand for the CronJob (kubectl create job --from) is unexpected, not active', async () => {
    const c = new FakeCluster(cronJob({ schedule: '@daily' }, at('2024-05-01T10:00:00Z')), at('2024-05-01T10:01:00Z'));
    const manual = jobFromTemplate(c.cj, at('2024-05-01T10:01:00Z'));
    manual.metadata.name = 'manual-1';
    manual.metadata.annotations = { 'cronjob.kubernetes.io/instantiate': 'manual' };
    await c.createJob(manual);
    await c.sync();
    expect(c.events).toMatchObject([{ type: 'Warning', reason: 'UnexpectedJob', message: 'Saw a job that the controller did not create or forgot: manual-1' }]);
    expect(c.cj.status?.active).toBeUndefined();
  });

  it('a listed Job that is gone for real is dropped (MissingJob); one only missing from the cache is kept', async () => {
    const c = new FakeCluster(cronJob({ schedule: '@daily' }, at('2024-05-01T00:00:00Z')), at('2024-05-02T00:00:00.1Z'));
    await c.sync();
    const name = c.jobNames()[0]!;
    c.jobs.delete(name);
    await c.sync();
    expect(c.events.at(-1)).toMatchObject({ reason: 'MissingJob', message: `Active job went missing: ${name}` });
    expect(c.cj.status?.active).toBeUndefined();

    const d = new FakeCluster(cronJob({ schedule: '@daily' }, at('2024-05-01T00:00:00Z')), at('2024-05-02T00:00:00.1Z'));
    await d.sync();
    const r = await d.syncWithoutCache();
    expect(r.error).toBeUndefined();
    expect(d.cj.status?.active).toHaveLength(1);
    expect(d.reasons()).toEqual(['SuccessfulCreate']);
  });

  it('a lost status write never makes a second Job for the same activation', async () => {
    const c = new FakeCluster(cronJob({ schedule: '*/1 * * * *' }, at('2024-05-01T10:00:30Z')), at('2024-05-01T10:01:00.1Z'));
    c.conflictOnce = true;
    const failed = await c.sync();
    expect(failed.error).toMatchObject({ code: 409 });
    expect(c.jobs.size).toBe(1);
    expect(c.cj.status).toBeUndefined();
    c.now += 5; // the work queue's back-off
    await c.sync();
    expect(c.jobs.size).toBe(1);
    expect(c.cj.status?.active).toHaveLength(1);
    expect(c.cj.status?.lastScheduleTime).toBe('2024-05-01T10:01:00Z');
    // as upstream: the Job looks unexpected until the create answers AlreadyExists and it is recorded
    expect(c.reasons()).toEqual(['SuccessfulCreate', 'UnexpectedJob']);
  });
});

describe('CronJob: schedules that cannot run', () => {
  it.each([
    ['an unknown time zone', { schedule: '@daily', timeZone: 'Mars/Base' }, 'UnknownTimeZone', 'invalid timeZone: "Mars/Base": unknown time zone Mars/Base'],
    ['an unparseable schedule', { schedule: '* * *' }, 'UnparseableSchedule', 'unparseable schedule: "* * *" : expected exactly 5 fields, found 3: [* * *]'],
    ['a schedule that never fires', { schedule: '0 0 30 2 *' }, 'InvalidSchedule', 'invalid schedule: 0 0 30 2 * : time difference between two schedules is less than 1 second'],
  ])('%s: a Warning and no wake-up', async (_what, spec, reason, message) => {
    const c = new FakeCluster(cronJob(spec, at('2024-05-01T00:00:00Z')), at('2024-05-03T00:00:00Z'));
    expect(await c.sync()).toEqual({ requeueAfterMs: undefined });
    expect(c.events).toMatchObject([{ type: 'Warning', reason, message }]);
    expect(c.jobs.size).toBe(0);
  });

  it('a legacy TZ= schedule still runs, with an UnsupportedSchedule warning', async () => {
    const c = new FakeCluster(cronJob({ schedule: 'TZ=Asia/Tokyo 0 9 * * *' }, at('2024-04-30T23:00:00Z')), at('2024-05-01T00:00:00.1Z'));
    await c.sync();
    expect(c.jobNames()).toEqual([`hello-${minutes('2024-05-01T00:00:00Z')}`]); // 09:00 in Tokyo
    expect(c.reasons()).toEqual(['UnsupportedSchedule', 'SuccessfulCreate']);
  });
});
