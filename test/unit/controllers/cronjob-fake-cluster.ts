/**
 * A behaving in-memory API for the CronJob controller's sync (CronJobActions) with a fake clock:
 * Jobs get uids, resourceVersions and creation times, a second create of a name answers 409
 * AlreadyExists, status writes are compare-and-swap on resourceVersion, deletes are 404 when gone.
 * `run()` drives the controller the way its work queue does: sync, then sleep exactly the delay
 * it asked for — so a test sees every wake-up (and would see polling).
 */
import { ApiError } from '../../../control/api/errors.js';
import { apiTime } from '../../../control/controllers/cronjob-decisions.js';
import { syncCronJob, type CronJobActions } from '../../../control/controllers/cronjob-sync.js';
import type { CronJob, PlannedEvent } from '../../../control/controllers/cronjob-types.js';
import type { Job } from '../../../control/controllers/workload-types.js';

export const NS = 'default';

export function cronJob(spec: Partial<CronJob['spec']> & { schedule: string }, createdAt: number, name = 'hello'): CronJob {
  return {
    apiVersion: 'batch/v1', kind: 'CronJob',
    metadata: { name, namespace: NS, uid: `uid-${name}`, resourceVersion: '1', creationTimestamp: apiTime(createdAt) },
    spec: {
      concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { labels: { team: 'batch' }, annotations: { note: 'from-template' } },
        spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'hello', image: 'busybox' }] } } },
      },
      ...spec,
    },
  };
}

export interface RecordedEvent extends PlannedEvent { at: number }

export class FakeCluster implements CronJobActions {
  now: number;
  cj: CronJob;
  readonly jobs = new Map<string, Job>();
  readonly events: RecordedEvent[] = [];
  /** every sync's wall time, to check the controller wakes only when needed */
  readonly wakeups: number[] = [];
  private rv = 10;
  /** make the next status write fail with 409 */
  conflictOnce = false;

  constructor(cj: CronJob, now: number) {
    this.cj = structuredClone(cj);
    this.now = now;
  }

  // ---- CronJobActions
  async getCronJob(): Promise<CronJob | undefined> {
    return structuredClone(this.cj);
  }

  async getJob(_ns: string, name: string): Promise<Job | undefined> {
    const j = this.jobs.get(name);
    return j && structuredClone(j);
  }

  async createJob(job: Job): Promise<Job> {
    const name = job.metadata.name!;
    if (this.jobs.has(name)) throw new ApiError(409, 'AlreadyExists', `jobs.batch "${name}" already exists`);
    const created: Job = structuredClone(job);
    created.metadata = { ...created.metadata, uid: `uid-${name}`, resourceVersion: String(++this.rv), creationTimestamp: apiTime(this.now) };
    this.jobs.set(name, created);
    return structuredClone(created);
  }

  async deleteJob(_ns: string, name: string): Promise<void> {
    if (!this.jobs.delete(name)) throw new ApiError(404, 'NotFound', `jobs.batch "${name}" not found`);
  }

  async updateStatus(cj: CronJob): Promise<void> {
    if (this.conflictOnce || cj.metadata.resourceVersion !== this.cj.metadata.resourceVersion) {
      this.conflictOnce = false;
      throw new ApiError(409, 'Conflict', 'the object has been modified');
    }
    this.cj = { ...this.cj, status: structuredClone(cj.status), metadata: { ...this.cj.metadata, resourceVersion: String(++this.rv) } };
  }

  // ---- what the rest of the cluster does
  /** a user edit of the spec */
  edit(spec: Partial<CronJob['spec']>): void {
    this.cj = { ...this.cj, spec: { ...this.cj.spec, ...spec }, metadata: { ...this.cj.metadata, resourceVersion: String(++this.rv) } };
  }

  /** the Job controller finishing a Job: started when created, done now */
  finish(name: string, outcome: 'Complete' | 'Failed' = 'Complete'): void {
    const j = this.jobs.get(name)!;
    j.status = {
      startTime: j.metadata.creationTimestamp,
      ...(outcome === 'Complete' ? { completionTime: apiTime(this.now), succeeded: 1 } : { failed: 1 }),
      conditions: [{ type: outcome, status: 'True' }],
    };
    j.metadata.resourceVersion = String(++this.rv);
  }

  owned(): Job[] {
    return [...this.jobs.values()].filter((j) => j.metadata.ownerReferences?.some((r) => r.controller && r.uid === this.cj.metadata.uid));
  }

  jobNames(): string[] {
    return [...this.jobs.keys()].sort();
  }

  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }

  /** A reconcile whose Job cache has not yet seen any Job (an informer lagging behind our creates). */
  syncWithoutCache(): Promise<{ requeueAfterMs?: number; error?: unknown }> {
    return this.sync('UTC', []);
  }

  /** One reconcile, as the work queue runs it (a throw is returned, not raised). */
  async sync(zone = 'UTC', cachedJobs: Job[] = this.owned()): Promise<{ requeueAfterMs?: number; error?: unknown }> {
    this.wakeups.push(this.now);
    try {
      return await syncCronJob({
        actions: this,
        now: () => this.now,
        defaultTimeZone: zone,
        event: (_cj, e) => this.events.push({ ...e, at: this.now }),
      }, structuredClone(this.cj), cachedJobs);
    } catch (error) {
      return { error };
    }
  }

  /**
   * Sync, sleep the requested delay, repeat until `until`; `between(now)` runs before each sync
   * (the world moving on: Jobs finishing, edits). Stops early when the controller asks for no wake-up.
   */
  async run(until: number, zone = 'UTC', between?: (now: number) => void): Promise<void> {
    for (;;) {
      between?.(this.now);
      const r = await this.sync(zone);
      if (r.error) throw r.error;
      if (r.requeueAfterMs === undefined) return;
      if (this.now + r.requeueAfterMs > until) return;
      this.now += r.requeueAfterMs;
    }
  }
}

export const at = (iso: string): number => Date.parse(iso);
