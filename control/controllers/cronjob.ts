/**
 * CronJobController (upstream pkg/controller/cronjob, ControllerV2): starts a Job for each
 * activation of `spec.schedule`, in `spec.timeZone` (else the controller's zone, UTC in our
 * containers).
 *
 * Shape (DESIGN §3): CronJob and Job events only enqueue the CronJob's key; a worker re-reads
 * both caches and runs syncCronJob (decisions pure, API calls through CronJobActions). After each
 * sync the key is queued again for exactly the next activation (+100 ms) — no polling: a CronJob
 * that runs hourly is looked at once an hour plus when it or one of its Jobs changes. Errors go
 * back to the queue with per-key back-off.
 *
 * Jobs are found through their controller reference (kind CronJob, the CronJob's uid), so
 * `kubectl create job --from=cronjob/x` Jobs count towards the history limits as upstream.
 */
import { localTimeZone } from '../api/cron/index.js';
import { ApiError } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import { WorkQueue, runWorkers, type Informer } from '../client/index.js';
import { controllerRefOf } from './controller-ref.js';
import { syncCronJob, type CronJobActions } from './cronjob-sync.js';
import type { CronJob } from './cronjob-types.js';
import { JOBS } from './job.js';
import type { Controller } from './namespace.js';
import { errorMessage, eventsFor, involved, keyOf, resolveControllerRef, type WorkloadControllerDeps } from './workload-controller.js';
import type { Job } from './workload-types.js';

export const CRONJOBS = findResource('batch', 'v1', 'cronjobs')!;

const OWNER_INDEX = 'cronjob:controller-uid';

export interface CronJobControllerDeps extends WorkloadControllerDeps {
  /** Zone of schedules without spec.timeZone; default this process's zone (UTC unless TZ is set). */
  timeZone?: string;
}

/** Jobs controlled by a CronJob, by its uid (the index is shared if another component made it). */
function jobsByCronJob(jobs: Informer<Job>): (uid: string) => Job[] {
  try {
    jobs.addIndex(OWNER_INDEX, (j) => {
      const ref = controllerRefOf(j);
      return ref?.kind === 'CronJob' ? [ref.uid] : [];
    });
  } catch {
    // registered already
  }
  return (uid) => jobs.byIndex(OWNER_INDEX, uid);
}

function apiActions(deps: CronJobControllerDeps): CronJobActions {
  const { client } = deps;
  const orUndefined = async <T>(p: Promise<T>): Promise<T | undefined> => {
    try {
      return await p;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  };
  return {
    getCronJob: (ns, name) => orUndefined(client.get<CronJob>(CRONJOBS, ns, name)),
    getJob: (ns, name) => orUndefined(client.get<Job>(JOBS, ns, name)),
    createJob: (job) => client.create<Job>(JOBS, job),
    async deleteJob(ns, name) {
      await client.delete(JOBS, ns, name, { propagationPolicy: 'Background' });
    },
    async updateStatus(cj) {
      await client.updateStatus(CRONJOBS, cj);
    },
  };
}

export function buildCronJobController(deps: CronJobControllerDeps): Controller {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const events = eventsFor(deps, 'cronjob-controller');
  const cronJobs = deps.informers.for<CronJob>(CRONJOBS);
  const jobs = deps.informers.for<Job>(JOBS);
  const childrenOf = jobsByCronJob(jobs);
  const actions = apiActions(deps);
  const defaultTimeZone = deps.timeZone ?? localTimeZone();
  const queue = new WorkQueue<string>();
  let workers: Promise<void> | undefined;

  const enqueueOwner = (job: Job): void => {
    const owner = resolveControllerRef(cronJobs, job.metadata.namespace, controllerRefOf(job), 'CronJob');
    if (owner) queue.add(keyOf(owner));
  };
  cronJobs.onAdd((cj) => queue.add(keyOf(cj))).onUpdate((_, cj) => queue.add(keyOf(cj))).onDelete((cj) => queue.add(keyOf(cj)));
  jobs.onAdd(enqueueOwner)
    .onUpdate((old, job) => {
      if (old.metadata.resourceVersion === job.metadata.resourceVersion) return;
      const before = controllerRefOf(old);
      if (before && before.uid !== controllerRefOf(job)?.uid) enqueueOwner(old);
      enqueueOwner(job);
    })
    .onDelete(enqueueOwner);

  async function reconcile(key: string): Promise<void> {
    const cj = cronJobs.get(key);
    if (!cj) return; // deleted: its Jobs go with the garbage collector
    const result = await syncCronJob({
      actions,
      now,
      defaultTimeZone,
      event: (obj, e) => events.event(involved(obj, 'batch/v1', 'CronJob'), e.type, e.reason, e.message),
    }, cj, childrenOf(cj.metadata.uid ?? ''));
    if (result.requeueAfterMs !== undefined) queue.addAfter(key, Math.max(0, result.requeueAfterMs));
  }

  return {
    start() {
      workers = runWorkers(queue, deps.workers ?? 4, reconcile, {
        onError: (key, err) => log.warn({ cronjob: key, err: errorMessage(err) }, 'cronjob sync failed; retrying'),
      });
    },
    async stop() {
      queue.shutDown();
      await workers;
    },
  };
}
