/**
 * CronJobs in a real `tug server` driven by the real kubectl 1.32, with the simulated kubelet of
 * the workload tests (pods with `sim/behaviour: succeed` finish on their own; others run until
 * told otherwise through pods/status).
 *
 * Schedules are minute-grained, so the suite waits for ONE minute boundary (≤ 60 s) and checks
 * everything that happens there at once: `kubectl create cronjob … '*\/1 * * * *'` firing, a Forbid
 * CronJob skipping while its Job runs, a suspended one staying idle (and catching up when
 * resumed). What needs no clock — validation, `kubectl get cj`, `kubectl create job --from`,
 * history limits — runs before. Everything else is in the unit tests with a fake clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { findResource } from '../../../control/api/resources.js';
import type { Informer, ApiClient } from '../../../control/client/index.js';
import type { Job, Pod } from '../../../control/controllers/workload-types.js';
import type { TestControlPlane } from '../../support/control-plane.js';
import { startWorkloadHarness, stopWorkloadHarness, type SimulatedKubelet } from './workload-simulated-kubelet.js';

const JOBS = findResource('batch', 'v1', 'jobs')!;
const PODS = findResource('', 'v1', 'pods')!;
const NS = 'cron';
const MINUTE = 60_000;

let cp: TestControlPlane;
let client: ApiClient;
let kubelet: SimulatedKubelet | undefined;
let podWatch: Informer<Pod> | undefined;

beforeAll(async () => {
  ({ cp, client, kubelet, podWatch } = await startWorkloadHarness(NS));
});
afterAll(() => stopWorkloadHarness({ cp, kubelet, podWatch }));

const k = (...args: string[]) => cp.k(['-n', NS, ...args]);
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

function cronJobYaml(name: string, spec: Record<string, unknown>, behaviour = 'ready'): string {
  return stringify({
    apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: NS },
    spec: {
      schedule: '*/1 * * * *',
      ...spec,
      jobTemplate: {
        metadata: { labels: { cron: name } },
        spec: { template: { metadata: { labels: { 'sim/behaviour': behaviour } }, spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox' }] } } },
      },
    },
  });
}

async function jobsOf(cronJob: string): Promise<Job[]> {
  const list = await client.list<Job>(JOBS, { namespace: NS });
  return list.items.filter((j) => j.metadata.ownerReferences?.some((r) => r.kind === 'CronJob' && r.name === cronJob));
}

async function eventReasons(name: string): Promise<string[]> {
  const out = await k('get', 'events', '--field-selector', `involvedObject.kind=CronJob,involvedObject.name=${name}`, '-o', 'jsonpath={.items[*].reason}');
  return out.split(/\s+/).filter(Boolean);
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

describe('CronJob', () => {
  it('refuses bad schedules and time zones with the field path, like kube-apiserver', async () => {
    const bad = await cp.kubectl(['create', 'cronjob', 'bad', '--image=busybox', '--schedule=* * *', '-n', NS]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('CronJob.batch "bad" is invalid: spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]');
    const tz = await cp.kubectl(['create', 'cronjob', 'tz', '--image=busybox', '--schedule=TZ=UTC 0 * * * *', '-n', NS]);
    expect(tz.stderr).toContain('spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
    const zone = await cp.kubectl(['apply', '-f', '-'], { input: cronJobYaml('mars', { timeZone: 'Mars/Base' }) });
    expect(zone.code).toBe(1);
    expect(zone.stderr).toContain('spec.timeZone: Invalid value: "Mars/Base": unknown time zone Mars/Base');
  });

  it('kubectl create cronjob, then kubectl get cj shows the upstream columns', async () => {
    expect(await k('create', 'cronjob', 'hello', '--image=busybox', '--schedule=*/1 * * * *', '--', 'echo', 'hi')).toContain('cronjob.batch/hello created');
    const table = await k('get', 'cj', 'hello');
    expect(table.split('\n')[0]).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$/);
    expect(table).toMatch(/hello\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+\d+\s+(<none>|\d+s)\s+\d+s/);
    expect((await k('get', 'cj', 'hello', '-o', 'wide')).split('\n')[0]).toMatch(/AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/);
    const spec = JSON.parse(await k('get', 'cronjob', 'hello', '-o', 'jsonpath={.spec}'));
    expect(spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
  });

  it('kubectl create job --from=cronjob/… makes a Job owned by the CronJob, marked manual', async () => {
    expect(await k('create', 'job', '--from=cronjob/hello', 'manual-1')).toContain('job.batch/manual-1 created');
    const job = await client.get<Job>(JOBS, NS, 'manual-1');
    expect(job.metadata.annotations?.['cronjob.kubernetes.io/instantiate']).toBe('manual');
    const uid = (await k('get', 'cj', 'hello', '-o', 'jsonpath={.metadata.uid}')).trim();
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid, controller: true }]);
    expect(job.spec.template?.spec?.containers?.[0]).toMatchObject({ image: 'busybox', command: ['echo', 'hi'] });
    // the controller did not start it, so it is not in status.active (upstream: UnexpectedJob)
    await until('UnexpectedJob event', async () => (await eventReasons('hello')).includes('UnexpectedJob'));
  });

  it('history limits delete the oldest finished Jobs, and their pods go with them', async () => {
    await cp.k(['apply', '-f', '-'], cronJobYaml('keep', { schedule: '0 0 1 1 *', successfulJobsHistoryLimit: 1 }, 'succeed'));
    for (const n of ['keep-1', 'keep-2', 'keep-3']) await k('create', 'job', '--from=cronjob/keep', n);
    await until('only keep-3 left', async () => {
      const names = (await jobsOf('keep')).map((j) => j.metadata.name);
      return names.length === 1 && names[0] === 'keep-3';
    }, 30_000);
    expect(await k('get', 'jobs', '-l', 'cron=keep', '-o', 'jsonpath={.items[*].status.conditions[?(@.type=="Complete")].status}')).toBe('True');
    const reasons = await eventReasons('keep');
    expect(reasons.filter((r) => r === 'SuccessfulDelete')).toHaveLength(2);
    await until('pods of deleted Jobs gone', async () =>
      podWatch!.list().every((p) => !['keep-1', 'keep-2'].includes(p.metadata.labels?.['job-name'] ?? '')));
    expect(podWatch!.list().filter((p) => p.metadata.labels?.['job-name'] === 'keep-3')).toHaveLength(1);
  });

  it('on the next minute: */1 fires, Forbid skips while its Job runs, suspend holds until resumed', async () => {
    // forbid: make it start one Job now by recording its last run two minutes ago (as after an outage)
    await cp.k(['apply', '-f', '-'], cronJobYaml('forbid', { concurrencyPolicy: 'Forbid' }));
    await k('patch', 'cj', 'forbid', '--subresource=status', '--type=merge', '-p',
      JSON.stringify({ status: { lastScheduleTime: iso(Math.floor(Date.now() / MINUTE) * MINUTE - 2 * MINUTE) } }));
    await until('the forbid Job', async () => (await jobsOf('forbid')).length === 1);
    await cp.k(['apply', '-f', '-'], cronJobYaml('sleepy', { suspend: true }));

    const boundary = (Math.floor(Date.now() / MINUTE) + 1) * MINUTE;
    const helloJob = `hello-${boundary / MINUTE}`;
    const job = await until(`${helloJob} (≤ 60 s)`, async () => (await jobsOf('hello')).find((j) => j.metadata.name === helloJob), boundary - Date.now() + 15_000);

    // the Job the schedule made: name, owner, annotations, labels from the template
    expect(job.metadata.ownerReferences).toMatchObject([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', controller: true, blockOwnerDeletion: true }]);
    expect(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(iso(boundary));
    const status = JSON.parse(await k('get', 'cj', 'hello', '-o', 'jsonpath={.status}'));
    expect(status.lastScheduleTime).toBe(iso(boundary));
    expect(status.active).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'Job', name: helloJob, namespace: NS, uid: job.metadata.uid, apiVersion: 'batch/v1' })]));
    expect(await k('get', 'cj', 'hello')).toMatch(/hello\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+[1-9]\d*\s+\d+s\s+/);

    // Forbid: the boundary passed with its Job still running
    await until('JobAlreadyActive', async () => (await eventReasons('forbid')).includes('JobAlreadyActive'));
    expect(await jobsOf('forbid')).toHaveLength(1);

    // suspend: nothing ran; resuming starts the activation it missed (upstream, no startingDeadlineSeconds)
    expect(await jobsOf('sleepy')).toHaveLength(0);
    expect(await k('get', 'cj', 'sleepy')).toMatch(/sleepy\s+\*\/1 \* \* \* \*\s+<none>\s+True\s+0\s+<none>/);
    await k('patch', 'cj', 'sleepy', '--type=merge', '-p', '{"spec":{"suspend":false}}');
    const resumed = await until('the resumed Job', async () => (await jobsOf('sleepy'))[0]);
    expect(resumed.metadata.name).toMatch(new RegExp(`^sleepy-(${boundary / MINUTE}|${boundary / MINUTE + 1})$`));

    // the hello Job's pod succeeds: the Job completes and the CronJob records it
    const pod = await until('the hello pod', async () => podWatch!.list().find((p) => p.metadata.labels?.['job-name'] === helloJob && p.status?.phase === 'Running'));
    const done = structuredClone(pod);
    done.status = {
      ...done.status, phase: 'Succeeded',
      containerStatuses: [{ name: 'hello', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { terminated: { exitCode: 0, reason: 'Completed', finishedAt: iso(Date.now()) } } }],
    };
    await client.updateStatus(PODS, done);
    const after = await until('lastSuccessfulTime', async () => {
      const s = JSON.parse(await k('get', 'cj', 'hello', '-o', 'jsonpath={.status}'));
      return s.lastSuccessfulTime ? s : undefined;
    });
    expect((after.active ?? []).map((r: { name: string }) => r.name)).not.toContain(helloJob);
    expect(await eventReasons('hello')).toEqual(expect.arrayContaining(['SuccessfulCreate', 'SawCompletedJob']));
  });
});
