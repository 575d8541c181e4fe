/**
 * The Deployment and ReplicaSet controllers inside a real `tug server`, driven by the real kubectl
 * 1.32, with a simulated kubelet (workload-simulated-kubelet.ts) making pods Running/Ready.
 * The cases run in order on one Deployment, like a user session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { KubeObject } from '../../../control/api/object.js';
import { findResource } from '../../../control/api/resources.js';
import { Informer, type ApiClient } from '../../../control/client/index.js';
import type { Deployment, Pod, ReplicaSet } from '../../../control/controllers/workload-types.js';
import type { TestControlPlane } from '../../support/control-plane.js';
import { until } from './simulated-nodes.js';
import { startWorkloadHarness, stopWorkloadHarness, type SimulatedKubelet } from './workload-simulated-kubelet.js';

const RS = findResource('apps', 'v1', 'replicasets')!;
const DEPLOY = findResource('apps', 'v1', 'deployments')!;
const NS = 'wl';
const REVISION = 'deployment.kubernetes.io/revision';

let cp: TestControlPlane;
let client: ApiClient;
let kubelet: SimulatedKubelet | undefined;
let podWatch: Informer<Pod> | undefined;

beforeAll(async () => {
  ({ cp, client, kubelet, podWatch } = await startWorkloadHarness(NS));
});
afterAll(() => stopWorkloadHarness({ cp, kubelet, podWatch }));

const isReady = (p: Pod) => !p.metadata.deletionTimestamp && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const podsOf = (app: string) => podWatch!.list().filter((p) => p.metadata.labels?.app === app);
const readyPods = (app: string) => podsOf(app).filter(isReady);

async function replicaSets(app: string): Promise<ReplicaSet[]> {
  return (await client.list<ReplicaSet>(RS, { namespace: NS, labelSelector: `app=${app}` })).items;
}

async function rolloutStatus(name: string, timeout = '90s') {
  return cp.kubectl(['rollout', 'status', `deployment/${name}`, '-n', NS, `--timeout=${timeout}`]);
}

async function expectRolledOut(name: string): Promise<void> {
  const r = await rolloutStatus(name);
  expect(r.stderr + r.stdout).toContain(`deployment "${name}" successfully rolled out`);
  expect(r.code).toBe(0);
}

/** Sample the Ready pods of `app` on every pod event until stopped. */
function sampleReady(app: string): { stop(): { minReady: number; maxLive: number } } {
  let minReady = Infinity;
  let maxLive = 0;
  const sample = () => {
    minReady = Math.min(minReady, readyPods(app).length);
    maxLive = Math.max(maxLive, podsOf(app).filter((p) => !p.metadata.deletionTimestamp).length);
  };
  sample();
  const timer = setInterval(sample, 20);
  podWatch!.onAdd(sample).onUpdate(sample).onDelete(sample);
  return { stop: () => { clearInterval(timer); sample(); const r = { minReady, maxLive }; minReady = -1; return r; } };
}

describe('Deployment: create, scale, roll, undo, pause, restart', () => {
  it('kubectl create deployment → 4 Ready pods in a ReplicaSet <name>-<hash>, revision 1', async () => {
    await cp.k(['create', 'deployment', 'web', '--image=tugboat/testapp:latest', '--replicas=4', '-n', NS]);
    await expectRolledOut('web');
    const rss = await replicaSets('web');
    expect(rss).toHaveLength(1);
    const rs = rss[0]!;
    const hash = rs.metadata.labels!['pod-template-hash']!;
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.spec.selector?.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.metadata.annotations).toMatchObject({ [REVISION]: '1', 'deployment.kubernetes.io/desired-replicas': '4', 'deployment.kubernetes.io/max-replicas': '5' });
    expect(rs.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'web', controller: true, blockOwnerDeletion: true });
    expect(rs.status).toMatchObject({ replicas: 4, readyReplicas: 4, availableReplicas: 4, fullyLabeledReplicas: 4, observedGeneration: 1 });
    const pods = readyPods('web');
    expect(pods).toHaveLength(4);
    for (const p of pods) {
      expect(p.metadata.name).toMatch(new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', name: rs.metadata.name, controller: true });
    }
    const d = await client.get<Deployment>(DEPLOY, NS, 'web');
    expect(d.metadata.annotations?.[REVISION]).toBe('1');
    expect(d.status).toMatchObject({ replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4, observedGeneration: d.metadata.generation });
    expect(d.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
    const events = await cp.k(['get', 'events', '-n', NS, '--field-selector', 'reason=ScalingReplicaSet', '-o', 'jsonpath={.items[*].message}']);
    expect(events).toContain(`Scaled up replica set ${rs.metadata.name} from 0 to 4`);
    // no double creation (P14): exactly 4 pods were ever created
    expect(kubelet!.seen.filter((k) => k.startsWith(`${NS}/web-`))).toHaveLength(4);
  });

  it('kubectl scale up and down', async () => {
    expect(await cp.k(['scale', 'deployment/web', '--replicas=6', '-n', NS])).toContain('deployment.apps/web scaled');
    await until('6 ready pods', async () => readyPods('web').length === 6 && podsOf('web').length === 6, 30_000);
    await cp.k(['scale', 'deployment/web', '--replicas=4', '-n', NS]);
    await until('4 pods', async () => podsOf('web').length === 4 && readyPods('web').length === 4, 30_000);
    await expectRolledOut('web');
  });

  it('a new image rolls out without ever dropping below replicas − maxUnavailable Ready pods', async () => {
    const sampler = sampleReady('web');
    await cp.k(['set', 'image', 'deployment/web', 'testapp=tugboat/testapp:v2', '-n', NS]);
    await expectRolledOut('web');
    await until('old pods gone', async () => podsOf('web').length === 4, 30_000);
    const { minReady, maxLive } = sampler.stop();
    expect(minReady).toBeGreaterThanOrEqual(3); // 4 − 25 %
    expect(maxLive).toBeLessThanOrEqual(5); // 4 + 25 %
    const rss = await replicaSets('web');
    expect(rss).toHaveLength(2);
    const v2 = rss.find((r) => r.metadata.annotations?.[REVISION] === '2')!;
    expect(v2.spec.template?.spec?.containers?.[0]?.image).toBe('tugboat/testapp:v2');
    expect(v2.spec.replicas).toBe(4);
    expect(rss.find((r) => r !== v2)!.spec.replicas).toBe(0);
    expect((await client.get<Deployment>(DEPLOY, NS, 'web')).metadata.annotations?.[REVISION]).toBe('2');
  });

  it('kubectl rollout history lists the revisions', async () => {
    const out = await cp.k(['rollout', 'history', 'deployment/web', '-n', NS]);
    expect(out).toMatch(/REVISION\s+CHANGE-CAUSE/);
    expect(out).toMatch(/^1\s/m);
    expect(out).toMatch(/^2\s/m);
    const rev1 = await cp.k(['rollout', 'history', 'deployment/web', '-n', NS, '--revision=1']);
    expect(rev1).toContain('tugboat/testapp:latest');
  });

  it('kubectl rollout undo re-activates the old ReplicaSet with the next revision (P11)', async () => {
    const before = await replicaSets('web');
    const v1 = before.find((r) => r.metadata.annotations?.[REVISION] === '1')!;
    await cp.k(['rollout', 'undo', 'deployment/web', '-n', NS]);
    await expectRolledOut('web');
    const after = await replicaSets('web');
    expect(after.map((r) => r.metadata.name).sort()).toEqual(before.map((r) => r.metadata.name).sort());
    const reused = after.find((r) => r.metadata.name === v1.metadata.name)!;
    expect(reused.metadata.annotations?.[REVISION]).toBe('3');
    expect(reused.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(reused.spec.replicas).toBe(4);
    await until('pods back on the old template', async () => podsOf('web').length === 4
      && readyPods('web').every((p) => p.metadata.labels?.['pod-template-hash'] === v1.metadata.labels?.['pod-template-hash']) && readyPods('web').length === 4, 30_000);
    expect((await client.get<Deployment>(DEPLOY, NS, 'web')).metadata.annotations?.[REVISION]).toBe('3');
  });

  it('kubectl rollout undo --to-revision=2 brings v2 back as revision 4', async () => {
    await cp.k(['rollout', 'undo', 'deployment/web', '-n', NS, '--to-revision=2']);
    await expectRolledOut('web');
    const rss = await replicaSets('web');
    expect(rss).toHaveLength(2);
    const v2 = rss.find((r) => r.spec.template?.spec?.containers?.[0]?.image === 'tugboat/testapp:v2')!;
    expect(v2.metadata.annotations?.[REVISION]).toBe('4');
    expect(v2.spec.replicas).toBe(4);
  });

  it('kubectl rollout pause holds template changes until resume', async () => {
    await cp.k(['rollout', 'pause', 'deployment/web', '-n', NS]);
    await until('paused condition', async () => (await client.get<Deployment>(DEPLOY, NS, 'web')).status?.conditions
      ?.some((c) => c.type === 'Progressing' && c.reason === 'DeploymentPaused'));
    await cp.k(['set', 'image', 'deployment/web', 'testapp=tugboat/testapp:v3', '-n', NS]);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await replicaSets('web')).toHaveLength(2);
    await cp.k(['rollout', 'resume', 'deployment/web', '-n', NS]);
    await expectRolledOut('web');
    const rss = await replicaSets('web');
    expect(rss).toHaveLength(3);
    expect(rss.find((r) => r.spec.template?.spec?.containers?.[0]?.image === 'tugboat/testapp:v3')?.metadata.annotations?.[REVISION]).toBe('5');
  });

  it('kubectl rollout restart rolls new pods with the restartedAt annotation', async () => {
    const oldPods = new Set(readyPods('web').map((p) => p.metadata.name));
    expect(await cp.k(['rollout', 'restart', 'deployment/web', '-n', NS])).toContain('restarted');
    await expectRolledOut('web');
    await until('all pods replaced', async () => podsOf('web').length === 4 && readyPods('web').length === 4
      && readyPods('web').every((p) => !oldPods.has(p.metadata.name) && p.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']), 30_000);
    expect(await replicaSets('web')).toHaveLength(4);
  });

  it('revisionHistoryLimit removes the oldest idle ReplicaSets', async () => {
    await cp.k(['patch', 'deployment/web', '-n', NS, '-p', '{"spec":{"revisionHistoryLimit":1}}']);
    await until('2 replica sets left', async () => (await replicaSets('web')).length === 2, 30_000);
    const revisions = (await replicaSets('web')).map((r) => Number(r.metadata.annotations?.[REVISION])).sort();
    expect(revisions).toEqual([5, 6]);
  });

  it('a deleted pod is replaced', async () => {
    const victim = readyPods('web')[0]!.metadata.name!;
    await cp.k(['delete', 'pod', victim, '-n', NS]);
    await until('replacement ready', async () => readyPods('web').length === 4 && !podsOf('web').some((p) => p.metadata.name === victim), 30_000);
  });
});

describe('Deployment strategies and failure', () => {
  it('Recreate removes every old pod before creating new ones', async () => {
    const manifest = (image: string) => stringify({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'rec', namespace: NS },
      spec: {
        replicas: 3, strategy: { type: 'Recreate' }, selector: { matchLabels: { app: 'rec' } },
        template: { metadata: { labels: { app: 'rec' } }, spec: { containers: [{ name: 'app', image }] } },
      },
    });
    await cp.k(['apply', '-f', '-'], manifest('tugboat/testapp:v1'));
    await expectRolledOut('rec');
    const oldHash = readyPods('rec')[0]!.metadata.labels!['pod-template-hash'];
    let overlap = false;
    const check = () => {
      const pods = podsOf('rec');
      if (pods.some((p) => p.metadata.labels?.['pod-template-hash'] !== oldHash) && pods.some((p) => p.metadata.labels?.['pod-template-hash'] === oldHash)) overlap = true;
    };
    podWatch!.onAdd(check).onUpdate(check);
    await cp.k(['apply', '-f', '-'], manifest('tugboat/testapp:v2'));
    await expectRolledOut('rec');
    await until('3 new pods', async () => readyPods('rec').length === 3 && podsOf('rec').length === 3, 30_000);
    expect(overlap).toBe(false);
    expect(readyPods('rec').every((p) => p.metadata.labels?.['pod-template-hash'] !== oldHash)).toBe(true);
  });

  it('a rollout that cannot progress fails with ProgressDeadlineExceeded', async () => {
    const manifest: KubeObject = {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'stuck', namespace: NS },
      spec: {
        replicas: 2, progressDeadlineSeconds: 3, selector: { matchLabels: { app: 'stuck' } },
        template: { metadata: { labels: { app: 'stuck', 'sim/behaviour': 'never-ready' } }, spec: { containers: [{ name: 'app', image: 'tugboat/testapp:latest' }] } },
      },
    };
    await cp.k(['apply', '-f', '-'], stringify(manifest));
    const r = await rolloutStatus('stuck', '60s');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('deployment "stuck" exceeded its progress deadline');
    const d = await client.get<Deployment>(DEPLOY, NS, 'stuck');
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False', reason: 'ProgressDeadlineExceeded', message: expect.stringMatching(/^ReplicaSet "stuck-\w+" has timed out progressing\.$/),
    });
    expect(d.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
  });
});
