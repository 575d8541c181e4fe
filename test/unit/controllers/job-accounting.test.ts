import { describe, expect, it } from 'vitest';
import { backoffDelayMs, finishConditions, planJob } from '../../../control/controllers/job-accounting.js';
import type { Job, Pod } from '../../../control/controllers/workload-types.js';

const NOW = Date.UTC(2025, 0, 1, 12);

function job(spec: Partial<Job['spec']> = {}, status?: Job['status']): Job {
  return {
    metadata: { name: 'pi', namespace: 'default', uid: 'job-uid' },
    spec: { parallelism: 1, completions: 1, backoffLimit: 6, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c' }] } }, ...spec },
    status,
  };
}

let n = 0;
function pod(phase: NonNullable<Pod['status']>['phase'], o: { ready?: boolean; restarts?: number; deleting?: boolean } = {}): Pod {
  n++;
  return {
    metadata: { name: `pi-${n}`, uid: `u${n}`, creationTimestamp: new Date(NOW - 1000 * n).toISOString(), deletionTimestamp: o.deleting ? new Date(NOW).toISOString() : undefined },
    spec: { nodeName: 'n1' },
    status: {
      phase,
      conditions: o.ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(NOW - 5000).toISOString() }] : [],
      containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0 }],
    },
  };
}

describe('planJob', () => {
  it('starts parallelism pods bounded by the remaining completions', () => {
    expect(planJob(job({ parallelism: 3, completions: 5 }), [], NOW)).toMatchObject({ create: 3, status: { active: 3, succeeded: 0, failed: 0 } });
    expect(planJob(job({ parallelism: 3, completions: 5 }), [pod('Succeeded'), pod('Succeeded'), pod('Succeeded'), pod('Running')], NOW))
      .toMatchObject({ create: 1, status: { active: 2, succeeded: 3 } });
    expect(planJob(job(), [], NOW).status.startTime).toBe('2025-01-01T12:00:00Z');
  });

  it('completes once completions succeeded, deleting any surplus active pod', () => {
    const running = pod('Running', { ready: true });
    const plan = planJob(job({ parallelism: 2, completions: 2 }), [pod('Succeeded'), pod('Succeeded'), running], NOW);
    expect(plan.finish).toEqual({ type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
    expect(plan.remove).toEqual([running]);
    expect(plan.status).toMatchObject({ succeeded: 2, active: 0, completionTime: '2025-01-01T12:00:00Z' });
  });

  it('without completions, completes when one pod succeeded and none is active', () => {
    const j = job({ completions: null, parallelism: 2 });
    expect(planJob(j, [pod('Succeeded'), pod('Running')], NOW)).toMatchObject({ create: 0, remove: [] });
    expect(planJob(j, [pod('Succeeded'), pod('Succeeded')], NOW).finish?.type).toBe('Complete');
  });

  it('restartPolicy Never: a failed pod is replaced after the back-off', () => {
    const failed = [pod('Failed')];
    expect(planJob(job(), failed, NOW, NOW - 2000)).toMatchObject({ create: 0, recheckMs: 8000, status: { failed: 1 } });
    expect(planJob(job(), failed, NOW, NOW - 10_000)).toMatchObject({ create: 1 });
  });

  it('fails with BackoffLimitExceeded when failures exceed backoffLimit', () => {
    const plan = planJob(job({ backoffLimit: 1 }), [pod('Failed'), pod('Failed')], NOW, NOW);
    expect(plan.finish).toMatchObject({ type: 'Failed', reason: 'BackoffLimitExceeded' });
    expect(plan.create).toBe(0);
    expect(planJob(job({ backoffLimit: 0 }), [pod('Failed')], NOW).finish?.reason).toBe('BackoffLimitExceeded');
    expect(planJob(job({ backoffLimit: 1 }), [pod('Failed')], NOW, NOW).finish).toBeUndefined();
  });

  it('counts container restarts towards backoffLimit with restartPolicy OnFailure', () => {
    const j = job({ backoffLimit: 2, template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c' }] } } });
    expect(planJob(j, [pod('Running', { restarts: 1 })], NOW).finish).toBeUndefined();
    const plan = planJob(j, [pod('Running', { restarts: 2 })], NOW);
    expect(plan.finish?.reason).toBe('BackoffLimitExceeded');
    expect(plan.remove).toHaveLength(1);
    expect(plan.status.failed).toBe(1);
  });

  it('fails with DeadlineExceeded after activeDeadlineSeconds, and otherwise wakes up at the deadline', () => {
    const start = new Date(NOW - 30_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const running = pod('Running');
    const late = planJob(job({ activeDeadlineSeconds: 20 }, { startTime: start }), [running], NOW);
    expect(late.finish).toMatchObject({ type: 'Failed', reason: 'DeadlineExceeded' });
    expect(late.remove).toEqual([running]);
    const early = planJob(job({ activeDeadlineSeconds: 60 }, { startTime: start }), [pod('Running')], NOW);
    expect(early.finish).toBeUndefined();
    expect(early.recheckMs).toBe(30_000 + 50);
  });

  it('never lowers counts when finished pods disappear, and ignores terminating pods as active', () => {
    const plan = planJob(job({ completions: 3 }, { succeeded: 2, failed: 1 }), [pod('Running', { deleting: true })], NOW, NOW - 60_000);
    expect(plan.status).toMatchObject({ succeeded: 2, failed: 1, active: 1 });
    expect(plan.create).toBe(1);
  });

  it('does nothing more for a finished Job', () => {
    const done = job({}, { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] });
    const plan = planJob(done, [pod('Succeeded')], NOW);
    expect(plan.create).toBe(0);
    expect(plan.finish).toBeUndefined();
  });

  it('back-off doubles and is capped; finish conditions come in 1.32 order', () => {
    expect([1, 2, 3, 10].map(backoffDelayMs)).toEqual([10_000, 20_000, 40_000, 360_000]);
    expect(finishConditions({ type: 'Complete', reason: 'CompletionsReached', message: 'm' }, NOW).map((c) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(finishConditions({ type: 'Failed', reason: 'BackoffLimitExceeded', message: 'm' }, NOW).map((c) => c.type)).toEqual(['FailureTarget', 'Failed']);
  });
});
