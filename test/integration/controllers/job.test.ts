/**
 * The Job controller inside a real `tug server` with a simulated kubelet whose pods succeed or
 * fail on command (`sim/behaviour` label): completions/parallelism, backoffLimit, deadline, and
 * `kubectl wait --for=condition=complete|failed`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { findResource } from '../../../control/api/resources.js';
import { Informer, type ApiClient } from '../../../control/client/index.js';
import type { Job, Pod } from '../../../control/controllers/workload-types.js';
import type { TestControlPlane } from '../../support/control-plane.js';
import { startWorkloadHarness, stopWorkloadHarness, type SimulatedKubelet } from './workload-simulated-kubelet.js';

const JOBS = findResource('batch', 'v1', 'jobs')!;
const NS = 'jobs';

let cp: TestControlPlane;
let client: ApiClient;
let kubelet: SimulatedKubelet | undefined;
let podWatch: Informer<Pod> | undefined;

beforeAll(async () => {
  ({ cp, client, kubelet, podWatch } = await startWorkloadHarness(NS));
});
afterAll(() => stopWorkloadHarness({ cp, kubelet, podWatch }));

function job(name: string, behaviour: string, spec: Record<string, unknown>, restartPolicy = 'Never'): string {
  return stringify({
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: NS },
    spec: { ...spec, template: { metadata: { labels: { 'sim/behaviour': behaviour } }, spec: { restartPolicy, containers: [{ name: 'work', image: 'tugboat/testapp:latest' }] } } },
  });
}
const podsOf = (name: string) => podWatch!.list().filter((p) => p.metadata.labels?.['job-name'] === name);
const activeOf = (name: string) => podsOf(name).filter((p) => !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(p.status?.phase ?? ''));

describe('Job', () => {
  it('runs completions with at most parallelism pods at once; kubectl wait --for=condition=complete', async () => {
    let maxActive = 0;
    const sample = () => { maxActive = Math.max(maxActive, activeOf('batch').length); };
    podWatch!.onAdd(sample).onUpdate(sample);
    await cp.k(['apply', '-f', '-'], job('batch', 'succeed', { completions: 5, parallelism: 2 }));
    const r = await cp.kubectl(['wait', '--for=condition=complete', 'job/batch', '-n', NS, '--timeout=60s']);
    expect(r.stdout).toContain('job.batch/batch condition met');
    const j = await client.get<Job>(JOBS, NS, 'batch');
    expect(j.status).toMatchObject({ succeeded: 5, active: 0, failed: 0 });
    expect(j.status?.startTime).toMatch(/Z$/);
    expect(j.status?.completionTime).toMatch(/Z$/);
    expect(j.status?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual(['SuccessCriteriaMet=True', 'Complete=True']);
    expect(maxActive).toBe(2);
    const pods = podsOf('batch');
    expect(pods).toHaveLength(5);
    for (const p of pods) {
      expect(p.metadata.name).toMatch(/^batch-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(p.metadata.labels?.['batch.kubernetes.io/controller-uid']).toBe(j.metadata.uid);
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'batch', controller: true, blockOwnerDeletion: true });
    }
    expect(await cp.k(['get', 'job', 'batch', '-n', NS])).toMatch(/batch\s+Complete\s+5\/5/);
  });

  it('restartPolicy Never replaces failed pods and fails the Job past backoffLimit', async () => {
    await cp.k(['apply', '-f', '-'], job('flaky', 'fail', { backoffLimit: 1 }));
    const r = await cp.kubectl(['wait', '--for=condition=failed', 'job/flaky', '-n', NS, '--timeout=60s'], { timeoutMs: 70_000 });
    expect(r.stdout).toContain('condition met');
    const j = await client.get<Job>(JOBS, NS, 'flaky');
    expect(j.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(j.status?.failed).toBe(2);
    // the failed pods stay as history; the second was created only after the first failed
    const pods = podsOf('flaky').sort((a, b) => Date.parse(a.metadata.creationTimestamp!) - Date.parse(b.metadata.creationTimestamp!));
    expect(pods.map((p) => p.status?.phase)).toEqual(['Failed', 'Failed']);
  });

  it('activeDeadlineSeconds fails the Job and removes its running pods', async () => {
    await cp.k(['apply', '-f', '-'], job('slowpoke', 'ready', { activeDeadlineSeconds: 2, parallelism: 2, completions: 2 }));
    const r = await cp.kubectl(['wait', '--for=condition=failed', 'job/slowpoke', '-n', NS, '--timeout=30s']);
    expect(r.stdout).toContain('condition met');
    const j = await client.get<Job>(JOBS, NS, 'slowpoke');
    expect(j.status?.conditions?.find((c) => c.type === 'Failed')?.reason).toBe('DeadlineExceeded');
    expect(j.status?.active ?? 0).toBe(0);
    const start = Date.now();
    while (activeOf('slowpoke').length > 0 && Date.now() - start < 10_000) await new Promise((res) => setTimeout(res, 100));
    expect(activeOf('slowpoke')).toHaveLength(0);
  });
});
