/**
 * JobController (upstream pkg/controller/job, NonIndexed): runs pods to completion.
 *
 * Guarantees:
 * - At most `parallelism` active pods, never more than needed to reach `completions`; pods are
 *   `<job>-<5 random>` from the template (whose labels already carry job-name/controller-uid),
 *   controlled by the Job.
 * - restartPolicy Never: a failed pod stays (it is history) and a new one replaces it after the
 *   back-off; OnFailure: the kubelet restarts containers and the restarts count towards
 *   backoffLimit.
 * - Conditions Complete (CompletionsReached) or Failed (BackoffLimitExceeded / DeadlineExceeded),
 *   preceded by SuccessCriteriaMet / FailureTarget as in 1.32, so
 *   `kubectl wait --for=condition=complete job/x` works; status active/ready/succeeded/failed/
 *   startTime/completionTime via jobs/status. Decisions are pure (job-accounting.ts).
 * - Creations/deletions in flight are expectations: no double creation under event bursts.
 */
import { ApiError } from '../api/errors.js';
import { clone } from '../api/object.js';
import { findResource } from '../api/resources.js';
import { labelSelectorFromSpec, matchesLabels } from '../api/selectors.js';
import { WorkQueue, runWorkers } from '../client/index.js';
import { ControllerExpectations } from './controller-expectations.js';
import { controllerRefOf, newControllerRef } from './controller-ref.js';
import { finishConditions, isJobFinished, latestFailureMs, planJob } from './job-accounting.js';
import type { Controller } from './namespace.js';
import { PODS, claim, deletePod, podFromTemplate, slowStartBatch } from './pod-control.js';
import { isPodActive } from './pod-state.js';
import { errorMessage, eventsFor, involved, keyOf, resolveControllerRef, type WorkloadControllerDeps } from './workload-controller.js';
import { namespaceLister } from './workload-indexes.js';
import type { Job, JobStatus, Pod } from './workload-types.js';

export const JOBS = findResource('batch', 'v1', 'jobs')!;

export function buildJobController(deps: WorkloadControllerDeps): Controller {
  const { client, log } = deps;
  const now = deps.now ?? Date.now;
  const events = eventsFor(deps, 'job-controller');
  const jobs = deps.informers.for<Job>(JOBS);
  const pods = deps.informers.for<Pod>(PODS);
  const podsInNamespace = namespaceLister(pods);
  const jobsInNamespace = namespaceLister(jobs);
  const expectations = new ControllerExpectations();
  /** When this controller first saw the Job's failure count rise (fallback for pods without finishedAt). */
  const failureSeen = new Map<string, { failed: number; at: number }>();
  const queue = new WorkQueue<string>();
  let workers: Promise<void> | undefined;

  const ownerOf = (pod: Pod): Job | undefined => resolveControllerRef(jobs, pod.metadata.namespace, controllerRefOf(pod), 'Job');
  const podDeleted = (pod: Pod): void => {
    const job = ownerOf(pod);
    if (!job) return;
    expectations.deletionObserved(keyOf(job), pod.metadata.uid ?? '');
    queue.add(keyOf(job));
  };
  const orphan = (pod: Pod): void => {
    for (const job of jobsInNamespace(pod.metadata.namespace ?? '')) {
      try {
        if (matchesLabels(labelSelectorFromSpec(job.spec.selector), pod.metadata.labels)) queue.add(keyOf(job));
      } catch { /* invalid selector */ }
    }
  };
  jobs.onAdd((j) => queue.add(keyOf(j))).onUpdate((_, j) => queue.add(keyOf(j)))
    .onDelete((j) => { expectations.delete(keyOf(j)); failureSeen.delete(keyOf(j)); queue.add(keyOf(j)); });
  pods
    .onAdd((pod) => {
      if (pod.metadata.deletionTimestamp) return podDeleted(pod);
      const job = ownerOf(pod);
      if (job) {
        expectations.creationObserved(keyOf(job));
        queue.add(keyOf(job));
      } else if (!controllerRefOf(pod)) orphan(pod);
    })
    .onUpdate((old, pod) => {
      if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) return podDeleted(pod);
      const job = ownerOf(pod);
      if (job) queue.add(keyOf(job));
      else if (!controllerRefOf(pod)) orphan(pod);
    })
    .onDelete(podDeleted);

  async function reconcile(key: string): Promise<void> {
    const job = jobs.get(key);
    if (!job) {
      expectations.delete(key);
      failureSeen.delete(key);
      return;
    }
    const deleting = Boolean(job.metadata.deletionTimestamp);
    const owned = await claim(client, PODS, podsInNamespace(job.metadata.namespace ?? ''), {
      owner: job, ref: newControllerRef(job, 'batch/v1', 'Job'), selector: labelSelectorFromSpec(job.spec.selector), ownerDeleting: deleting,
    });
    const t = now();
    const seen = failureSeen.get(key);
    const plan = planJob(job, owned, t, latestFailureMs(owned) ?? seen?.at);
    const failed = plan.status.failed ?? 0;
    if (!seen || failed > seen.failed) failureSeen.set(key, { failed, at: t });
    if (deleting) return;

    if (!expectations.satisfied(key) && !plan.finish) {
      plan.create = 0;
      plan.remove = [];
      plan.status.active = owned.filter(isPodActive).length;
    }
    let manageError: unknown;
    try {
      await manage(key, job, plan.create, plan.remove);
    } catch (err) {
      manageError = err;
    }

    const next = clone(job);
    next.status = plan.status;
    const jobRef = involved(job, 'batch/v1', 'Job');
    if (plan.finish && !isJobFinished(job)) {
      const kept = (job.status?.conditions ?? []).filter((c) => !['SuccessCriteriaMet', 'FailureTarget', 'Complete', 'Failed'].includes(c.type));
      next.status.conditions = [...kept, ...finishConditions(plan.finish, t)];
      if (plan.finish.type === 'Complete') events.event(jobRef, 'Normal', 'Completed', 'Job completed');
      else events.event(jobRef, 'Warning', plan.finish.reason, plan.finish.message);
    }
    if (!sameJobStatus(job.status, next.status)) {
      try {
        await client.updateStatus(JOBS, next);
      } catch (err) {
        if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
        if (err.code === 409) queue.add(key);
      }
    }
    if (plan.recheckMs !== undefined && !plan.finish) queue.addAfter(key, plan.recheckMs);
    if (manageError) throw manageError;
  }

  async function manage(key: string, job: Job, create: number, remove: Pod[]): Promise<void> {
    if (create === 0 && remove.length === 0) return;
    expectations.expect(key, create, remove.map((p) => p.metadata.uid ?? ''));
    const jobRef = involved(job, 'batch/v1', 'Job');
    const ref = newControllerRef(job, 'batch/v1', 'Job');
    const deletions = Promise.allSettled(remove.map(async (p) => {
      try {
        await deletePod(client, p);
        events.event(jobRef, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
      } catch (err) {
        expectations.deletionObserved(key, p.metadata.uid ?? '');
        throw err;
      }
    }));
    const result = await slowStartBatch(create, async () => {
      try {
        const pod = await client.create<Pod>(PODS, podFromTemplate(job.spec.template, job.metadata.namespace!, `${job.metadata.name}-`, ref));
        events.event(jobRef, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
      } catch (err) {
        events.event(jobRef, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
        throw err;
      }
    });
    for (let i = result.created; i < create; i++) expectations.creationObserved(key);
    const failed = (await deletions).find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (result.error) throw result.error;
    if (failed) throw failed.reason;
  }

  return {
    start() {
      workers = runWorkers(queue, deps.workers ?? 4, reconcile, {
        onError: (key, err) => log.warn({ job: key, err: errorMessage(err) }, 'job sync failed; retrying'),
      });
    },
    async stop() {
      queue.shutDown();
      await workers;
    },
  };
}

function sameJobStatus(a: JobStatus | undefined, b: JobStatus): boolean {
  const norm = (s: JobStatus | undefined) => JSON.stringify([
    s?.active ?? 0, s?.ready ?? 0, s?.succeeded ?? 0, s?.failed ?? 0, s?.startTime ?? '', s?.completionTime ?? '',
    (s?.conditions ?? []).map((c) => [c.type, c.status, c.reason]),
  ]);
  return norm(a) === norm(b);
}
